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
    private final FanoutQuota fanout;
    /** What was spent of the tenant's fan-out on this subscription's first snapshot before its size was known. */
    private final long prepaid;

    // Guarded by this: written by registry threads, read by the event loop.
    private Map<String, RegistryChange> pending = new LinkedHashMap<>();
    private Map<String, RoutingPolicy> pendingPolicies = new LinkedHashMap<>();
    private boolean flushScheduled;
    private boolean resync;

    // Event loop only.
    /** The optional feature of snapshots in pages (docs/protocol.md, section 7.2). */
    static final String PAGES = "snapshot-pages";
    static final int PAGE_NODES = 500;
    static final int PAGE_BYTES = 256 * 1024;
    private long revision;
    /** While the pages of a snapshot go out, changes wait (they follow its last page). */
    private boolean sendingSnapshot;
    private boolean snapshotSent;
    private boolean closed;
    private long blockedSince;

    Subscription(String id, String service, String environment, Session session, Context context,
                 NodeRegistry registry, PolicyStore policies, DiscoveryConfig config, DiscoveryMetrics metrics,
                 FanoutQuota fanout, long prepaid) {
        this.id = id;
        this.service = service;
        this.environment = environment;
        this.session = session;
        this.context = context;
        this.registry = registry;
        this.policies = policies;
        this.config = config;
        this.metrics = metrics;
        this.fanout = fanout;
        this.prepaid = prepaid;
    }

    String id() {
        return id;
    }

    /** The service this subscription watches, or null for every service. */
    String service() {
        return service;
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
        if (closed || !snapshotSent || sendingSnapshot) {
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
        sendingSnapshot = true;
        Future<Map<String, RoutingPolicy>> current = policies.policies(session.tenant());
        return Future.all(registry.entries(session.tenant()), current).map(all -> all.<List<RegistryEntry>>resultAt(0))
                .compose(entries -> {
            if (closed) {
                sendingSnapshot = false;
                if (!snapshotSent) {
                    fanout.refund(session.tenant(), prepaid);
                }
                return Future.succeededFuture();
            }
            Map<String, RoutingPolicy> matchingPolicies = new LinkedHashMap<>();
            current.result().forEach((svc, p) -> {
                if (service == null || service.equals(svc)) {
                    matchingPolicies.put(svc, p);
                }
            });
            List<RegistryEntry> matching = new java.util.ArrayList<>();
            for (RegistryEntry e : entries) {
                if (matches(e.node())) {
                    matching.add(e);
                }
            }
            if (!snapshotSent) {
                // The first snapshot is the subscriber's to pay for; a fresh one for a subscriber that fell
                // behind was paid for by the changes it replaces.
                fanout.settleSnapshot(session.tenant(), matching.size(), prepaid);
            }
            boolean paged = session.uses(PAGES);
            return sendPage(matching, 0, 1, paged, matchingPolicies);
        }).onFailure(e -> {
            sendingSnapshot = false;
            if (!snapshotSent) {
                // Refused or unreadable: nothing was delivered.
                fanout.refund(session.tenant(), prepaid);
            }
        });
    }

    /**
     * Sends the snapshot from {@code from} on: all of it in one frame, or, with {@value #PAGES}, a page of at most
     * {@value #PAGE_NODES} nodes or about {@value #PAGE_BYTES} bytes, the next one once this one is written.
     * Changes wait until the last page is out; the routing policies ride on the last page.
     */
    private Future<Void> sendPage(List<RegistryEntry> matching, int from, int page, boolean paged,
                                  Map<String, RoutingPolicy> matchingPolicies) {
        if (closed) {
            return Future.succeededFuture();
        }
        StringBuilder frame = new StringBuilder(128 + 160 * Math.min(matching.size() - from, PAGE_NODES))
                .append("{\"type\":\"snapshot\",\"subscription\":");
        JsonText.string(frame, id).append(",\"revision\":").append(++revision);
        int start = frame.length();
        frame.append(",\"nodes\":[");
        int next = from;
        while (next < matching.size() && (!paged || next - from < PAGE_NODES && frame.length() - start < PAGE_BYTES)) {
            if (next > from) {
                frame.append(',');
            }
            RegistryChange.wireNode(frame, matching.get(next).node());
            next++;
        }
        frame.append(']');
        boolean more = next < matching.size();
        if (paged) {
            frame.append(",\"page\":").append(page).append(",\"more\":").append(more);
        }
        if (!more) {
            frame.append(",\"policies\":");
            policies(frame, matchingPolicies);
            snapshotSent = true;
            sendingSnapshot = false;
        }
        int resume = next;
        Future<Void> sent = session.sendText(frame.append('}').toString());
        return more ? sent.compose(v -> sendPage(matching, resume, page + 1, true, matchingPolicies))
                : sent.onComplete(ar -> flush());
    }
}
