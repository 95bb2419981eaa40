package io.switchboard.discovery;

import io.switchboard.common.codec.Json;
import io.switchboard.common.codec.JsonText;
import io.switchboard.common.model.Node;
import io.switchboard.common.protocol.Session;
import io.switchboard.common.registry.RegistryEntry;
import io.switchboard.common.registry.RemovalReason;
import io.switchboard.common.routing.RoutingPolicy;
import io.vertx.core.Context;
import io.vertx.core.Future;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * One {@code subscribe} of one connection: a snapshot first, then coalesced {@code changes}. Changes come from
 * registry threads through {@link #offer}; everything else runs on the connection's event loop.
 *
 * <p>Pending changes are kept by node id, so a burst of changes to one node costs one entry, and the queue can
 * never hold more than the tenant has nodes. If the connection cannot take frames and the queue passes its bound,
 * the queue is dropped and the subscriber gets a fresh snapshot when it can read again.
 *
 * <p>The routing policy of each matching service rides along: in the snapshot ({@code policies}, service to policy)
 * and in {@code changes} when it changes (a null policy means withdrawn: back to round robin).
 */
final class Subscription {
    private final String id;
    private final String service;
    private final String environment;
    private final Session session;
    private final Context context;
    private final NodeRegistry registry;
    private final PolicyStore policies;
    private final DiscoveryConfig config;
    private final DiscoveryMetrics metrics;

    // Guarded by this: written by registry threads, read by the event loop.
    private Map<String, RegistryChange> pending = new LinkedHashMap<>();
    private Map<String, RoutingPolicy> pendingPolicies = new LinkedHashMap<>();
    private boolean flushScheduled;
    private boolean resync;

    // Event loop only.
    private long revision;
    private boolean snapshotSent;
    private boolean closed;
    private long blockedSince;

    Subscription(String id, String service, String environment, Session session, Context context,
                 NodeRegistry registry, PolicyStore policies, DiscoveryConfig config, DiscoveryMetrics metrics) {
        this.id = id;
        this.service = service;
        this.environment = environment;
        this.session = session;
        this.context = context;
        this.registry = registry;
        this.policies = policies;
        this.config = config;
        this.metrics = metrics;
    }

    String id() {
        return id;
    }

    boolean matches(Node node) {
        return (service == null || service.equals(node.service()))
                && (environment == null || environment.equals(node.environment()));
    }

    /** From any thread: queues a change and makes sure a flush follows shortly. */
    void offer(RegistryChange change) {
        if (!matches(change.node())) {
            return;
        }
        boolean schedule;
        synchronized (this) {
            if (resync) {
                return;
            }
            pending.put(change.id(), change);
            if (pending.size() > config.maxPendingChanges()) {
                pending = new LinkedHashMap<>();
                resync = true;
            }
            schedule = !flushScheduled;
            flushScheduled = true;
        }
        if (schedule) {
            flushSoon();
        }
    }

    /** From any thread: queues a service's new policy (null: withdrawn) for the next flush. */
    void offerPolicy(String policyService, RoutingPolicy policy) {
        if (service != null && !service.equals(policyService)) {
            return;
        }
        boolean schedule;
        synchronized (this) {
            if (resync) {
                return;
            }
            pendingPolicies.put(policyService, policy);
            schedule = !flushScheduled;
            flushScheduled = true;
        }
        if (schedule) {
            flushSoon();
        }
    }

    /** From any thread: a flush on the event loop after the push delay, gathering what arrives meanwhile. */
    private void flushSoon() {
        context.runOnContext(v -> context.owner().setTimer(config.pushDelay().toMillis(), t -> flush()));
    }

    void onLoop(Runnable action) {
        context.runOnContext(v -> action.run());
    }

    /** Sends the initial snapshot; changes that arrive meanwhile are queued and follow it. */
    Future<Void> start() {
        return sendSnapshot();
    }

    void close() {
        closed = true;
    }

    /** Milliseconds this subscriber has been unable to take frames, or 0. */
    long blockedMillis(long now) {
        return blockedSince == 0 ? 0 : now - blockedSince;
    }

    /** Event loop: sends what is pending, unless the socket is full (then the drain handler calls again). */
    void flush() {
        synchronized (this) {
            flushScheduled = false;
        }
        if (closed || !snapshotSent) {
            return;
        }
        if (session.writeQueueFull()) {
            if (blockedSince == 0) {
                blockedSince = System.currentTimeMillis();
            }
            return;
        }
        blockedSince = 0;
        Map<String, RegistryChange> batch;
        Map<String, RoutingPolicy> policyBatch;
        boolean doResync;
        synchronized (this) {
            doResync = resync;
            resync = false;
            batch = pending;
            pending = new LinkedHashMap<>();
            policyBatch = pendingPolicies;
            pendingPolicies = new LinkedHashMap<>();
        }
        if (doResync) {
            metrics.resyncs.increment();
            sendSnapshot();
            return;
        }
        if (batch.isEmpty() && policyBatch.isEmpty()) {
            return;
        }
        // Written as text: a change's wire form is shared by every subscription it goes to.
        StringBuilder frame = new StringBuilder(64 + 160 * batch.size()).append("{\"type\":\"changes\",\"subscription\":");
        JsonText.string(frame, id).append(",\"revision\":").append(++revision).append(",\"upserted\":[");
        long now = System.currentTimeMillis();
        boolean first = true;
        for (RegistryChange c : batch.values()) {
            if (c.removed() == null) {
                frame.append(first ? "" : ",").append(c.wire());
                first = false;
                metrics.pushLatency.record(Math.max(0, now - c.writtenAt()), TimeUnit.MILLISECONDS);
            }
        }
        frame.append("],\"removed\":[");
        first = true;
        for (RegistryChange c : batch.values()) {
            if (c.removed() != null) {
                frame.append(first ? "" : ",").append(c.wire());
                first = false;
                if (c.removed() == RemovalReason.EXPIRED) {
                    metrics.expirations.increment();
                }
            }
        }
        frame.append(']');
        if (!policyBatch.isEmpty()) {
            frame.append(",\"policies\":");
            policies(frame, policyBatch);
        }
        session.sendText(frame.append('}').toString());
    }

    /** Appends service to policy as a JSON object; a null policy (withdrawn) as null. */
    private static void policies(StringBuilder out, Map<String, RoutingPolicy> byService) {
        out.append('{');
        boolean first = true;
        for (Map.Entry<String, RoutingPolicy> e : byService.entrySet()) {
            if (!first) {
                out.append(',');
            }
            first = false;
            JsonText.string(out, e.getKey()).append(':').append(e.getValue() == null ? "null" : Json.write(e.getValue()));
        }
        out.append('}');
    }

    private Future<Void> sendSnapshot() {
        Future<Map<String, RoutingPolicy>> current = policies.policies(session.tenant());
        return Future.all(registry.entries(session.tenant()), current).map(all -> all.<List<RegistryEntry>>resultAt(0))
                .compose(entries -> {
            if (closed) {
                return Future.succeededFuture();
            }
            StringBuilder frame = new StringBuilder(128 + 160 * entries.size()).append("{\"type\":\"snapshot\",\"subscription\":");
            JsonText.string(frame, id).append(",\"revision\":").append(++revision).append(",\"nodes\":[");
            boolean first = true;
            for (RegistryEntry e : entries) {
                if (matches(e.node())) {
                    if (!first) {
                        frame.append(',');
                    }
                    first = false;
                    RegistryChange.wireNode(frame, e.node());
                }
            }
            Map<String, RoutingPolicy> matchingPolicies = new LinkedHashMap<>();
            current.result().forEach((svc, p) -> {
                if (service == null || service.equals(svc)) {
                    matchingPolicies.put(svc, p);
                }
            });
            frame.append("],\"policies\":");
            policies(frame, matchingPolicies);
            snapshotSent = true;
            return session.sendText(frame.append('}').toString()).onComplete(ar -> flush());
        });
    }
}
