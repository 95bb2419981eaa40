package io.switchboard.discovery;

import io.switchboard.common.registry.RemovalReason;
import static io.switchboard.common.protocol.Fields.abbreviate;
import static io.switchboard.common.protocol.Fields.invalid;
import static io.switchboard.common.protocol.Fields.ref;
import static io.switchboard.common.protocol.Fields.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.common.codec.EventCodec;
import io.switchboard.common.codec.JsonText;
import io.switchboard.common.model.Node;
import io.switchboard.common.protocol.CloseCode;
import io.switchboard.common.protocol.ErrorCode;
import io.switchboard.common.protocol.ProtocolException;
import io.switchboard.common.protocol.Session;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The discovery state of one connection: the nodes it keeps alive and its subscriptions. Runs on the
 * connection's event loop.
 *
 * <p>Heartbeats cost no distributed write: they only mark the node as seen here. Once a second the session
 * refreshes, in one batched call, the nodes that are due (a third of their TTL since the last refresh), setting
 * each to expire one TTL after its last heartbeat. A node the cluster lost while the connection lives
 * (a member restart) is written again from what the session holds.
 */
final class DiscoverySession {
    private static final Pattern SUBSCRIPTION_ID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");
    private static final long TICK_MILLIS = 1_000;

    private final Session session;
    private final Vertx vertx;
    private final Context context;
    private final NodeRegistry registry;
    private final SubscriptionHub hub;
    private final EventCodec codec;
    private final DiscoveryConfig config;
    private final DiscoveryMetrics metrics;
    private final Quotas quotas;
    private final Map<String, Hosted> hosted = new LinkedHashMap<>();
    private final Map<String, Subscription> subscriptions = new HashMap<>();
    private final List<PendingRegistration> pendingRegistrations = new ArrayList<>();
    private final long timer;
    private boolean refreshing;

    /** A node this connection keeps alive. */
    private static final class Hosted {
        Node node;
        Duration ttl;
        long lastHeartbeat;
        long lastRefresh;

        Hosted(Node node, Duration ttl, long now) {
            this.node = node;
            this.ttl = ttl;
            this.lastHeartbeat = now;
            this.lastRefresh = now;
        }
    }

    /** The replica's per-tenant quotas that a connection spends from. */
    record Quotas(NodeQuota nodes, io.switchboard.common.quota.TenantCount subscriptions,
                  io.switchboard.common.quota.QuotaMeter meter, FanoutQuota fanout) {
    }

    DiscoverySession(Session session, Vertx vertx, NodeRegistry registry, SubscriptionHub hub, EventCodec codec,
                     DiscoveryConfig config, DiscoveryMetrics metrics, Quotas quotas) {
        this.session = session;
        this.vertx = vertx;
        this.context = vertx.getOrCreateContext();
        this.registry = registry;
        this.hub = hub;
        this.codec = codec;
        this.config = config;
        this.metrics = metrics;
        this.quotas = quotas;
        this.timer = vertx.setPeriodic(TICK_MILLIS, t -> tick());
        session.onDrain(v -> subscriptions.values().forEach(Subscription::flush));
    }

    void register(JsonNode frame) {
        Node node = codec.node(frame.get("node"), session.tenant(), "node");
        if (!session.principal().mayActAs(node.service())) {
            throw new ProtocolException(ErrorCode.FORBIDDEN, "this token is for service '" + session.principal().service()
                    + "': it may register only that service's nodes, not '" + abbreviate(node.service()) + "'", "node.service");
        }
        Duration ttl = ttl(frame.get("ttl"));
        if (!hosted.containsKey(node.id()) && hosted.size() >= config.maxNodesPerConnection()) {
            throw new ProtocolException(ErrorCode.LIMIT_EXCEEDED, "this connection already keeps "
                    + hosted.size() + " nodes registered, the limit; use another connection for more", "node.id");
        }
        int bytes = node.bytes();
        if (bytes > config.quotas().nodeBytes()) {
            throw invalid("node", "weighs " + bytes + " bytes (id, names, address and properties, UTF-8); the limit is "
                    + config.quotas().nodeBytes() + " (discovery.max-node-bytes): trim its properties");
        }
        long now = System.currentTimeMillis();
        Hosted h = hosted.get(node.id());
        if (h != null && !h.node.service().equals(node.service())) {
            throw heldBy(node.id(), h.node.service(), "this connection registered it for service '"
                    + h.node.service() + "'; deregister it first");
        }
        quotas.nodes().admit(session.tenant(), h == null, h == null ? bytes : bytes - h.node.bytes());
        if (h == null || !h.node.equals(node)) {
            // A change every subscriber of the service will be sent (a re-registration that changes nothing is free).
            quotas.fanout().admitChange(session.tenant(), node.service());
        }
        if (h == null) {
            hosted.put(node.id(), new Hosted(node, ttl, now));
        } else {
            h.node = node;
            h.ttl = ttl;
            h.lastHeartbeat = now;
            h.lastRefresh = now;
        }
        metrics.registrations.increment();
        // Registrations that arrive together (one network read) go to the registry as one batch.
        if (pendingRegistrations.isEmpty()) {
            context.runOnContext(v -> flushRegistrations());
        }
        pendingRegistrations.add(new PendingRegistration(new NodeRegistry.Registration(node, ttl), ref(frame)));
    }

    private record PendingRegistration(NodeRegistry.Registration registration, String ref) {
    }

    private void flushRegistrations() {
        List<PendingRegistration> batch = List.copyOf(pendingRegistrations);
        pendingRegistrations.clear();
        // The last registration of a node in the batch wins, as if they had been applied in order.
        Map<String, NodeRegistry.Registration> latest = new LinkedHashMap<>();
        batch.forEach(p -> latest.put(p.registration().node().id(), p.registration()));
        registry.register(session.tenant(), List.copyOf(latest.values()), session.id()).onComplete(ar -> {
            if (ar.succeeded()) {
                ar.result().keySet().forEach(hosted::remove);
            }
            for (PendingRegistration p : batch) {
                Node node = p.registration().node();
                String holder = ar.succeeded() ? ar.result().get(node.id()) : null;
                if (holder != null) {
                    ProtocolException e = heldBy(node.id(), holder, "choose another id");
                    session.error(e.code(), e.getMessage(), e.field(), p.ref());
                } else if (ar.succeeded()) {
                    StringBuilder answer = new StringBuilder(96).append("{\"type\":\"registered\",\"id\":");
                    JsonText.string(answer, node.id()).append(",\"ttl\":").append(p.registration().ttl().toSeconds());
                    session.sendText(JsonText.field(answer, "ref", p.ref()).append('}').toString());
                } else {
                    session.error(ErrorCode.UNAVAILABLE, "the registry could not store '" + node.id() + "': "
                            + ar.cause().getMessage() + "; retry", "node.id", p.ref());
                }
            }
        });
    }

    void heartbeat(JsonNode frame) {
        JsonNode ids = frame.get("ids");
        if (ids == null || !ids.isArray()) {
            throw invalid("ids", "must be an array of node ids");
        }
        if (ids.size() > config.maxNodesPerConnection()) {
            throw invalid("ids", "has " + ids.size() + " ids; the limit is " + config.maxNodesPerConnection());
        }
        long now = System.currentTimeMillis();
        List<String> unknown = new ArrayList<>();
        for (JsonNode id : ids) {
            Hosted h = id.isTextual() ? hosted.get(id.asText()) : null;
            if (h != null) {
                h.lastHeartbeat = now;
            } else {
                unknown.add(id.isTextual() ? id.asText() : id.toString());
            }
        }
        if (!unknown.isEmpty()) {
            ObjectNode answer = session.frame("reregister");
            ArrayNode list = answer.putArray("ids");
            unknown.forEach(list::add);
            session.send(answer);
        }
    }

    void deregister(JsonNode frame) {
        JsonNode idNode = frame.get("id");
        if (idNode == null || !idNode.isTextual()) {
            throw invalid("id", "must be the id of a node this connection registered");
        }
        String id = idNode.asText();
        String ref = ref(frame);
        Hosted h = hosted.get(id);
        if (h == null) {
            throw new ProtocolException(ErrorCode.INVALID_FIELD, "node '" + abbreviate(id)
                    + "' is not registered by this connection", "id");
        }
        quotas.fanout().admitChange(session.tenant(), h.node.service());
        hosted.remove(id);
        registry.remove(session.tenant(), id, RemovalReason.DEREGISTERED, session.id()).onComplete(ar -> {
            if (ar.succeeded()) {
                StringBuilder answer = new StringBuilder(96).append("{\"type\":\"deregistered\",\"id\":");
                session.sendText(JsonText.field(JsonText.string(answer, id), "ref", ref).append('}').toString());
            } else {
                session.error(ErrorCode.UNAVAILABLE, "the registry could not remove '" + id + "': "
                        + ar.cause().getMessage() + "; it will expire by its TTL", "id", ref);
            }
        });
    }

    void subscribe(JsonNode frame) {
        String id = text(frame, "id", true);
        if (!SUBSCRIPTION_ID.matcher(id).matches()) {
            throw invalid("id", "must be 1 to 64 of letters, digits and . _ : -");
        }
        if (subscriptions.containsKey(id)) {
            throw invalid("id", "subscription '" + id + "' already exists on this connection; unsubscribe it first");
        }
        if (subscriptions.size() >= config.maxSubscriptionsPerConnection()) {
            throw new ProtocolException(ErrorCode.LIMIT_EXCEEDED, "this connection already holds "
                    + subscriptions.size() + " subscriptions, the limit", "id");
        }
        String service = text(frame, "service", false);
        String environment = text(frame, "environment", false);
        checkName("service", service);
        checkName("environment", environment);
        if (!quotas.subscriptions().tryAcquire(session.tenant())) {
            quotas.meter().refused(quotas.subscriptions().quota(), session.tenant(), 1);
            throw new io.switchboard.common.quota.QuotaExceeded(quotas.subscriptions().quota(), "tenant " + session.tenant()
                    + " already holds " + quotas.subscriptions().limit() + " subscriptions on this replica, its quota "
                    + "(quota.subscriptions); unsubscribe some first", "id", 0);
        }
        long prepaid;
        try {
            prepaid = quotas.fanout().admitSubscribe(session.tenant(), quotas.nodes().registered(session.tenant()));
        } catch (ProtocolException e) {
            quotas.subscriptions().release(session.tenant());
            throw e;
        }
        Subscription sub = new Subscription(id, service, environment, session, context, registry, hub.policies(), config,
                metrics, quotas.fanout(), prepaid);
        subscriptions.put(id, sub);
        String ref = ref(frame);
        hub.add(session.tenant(), sub).onFailure(e -> {
            if (subscriptions.remove(id) != null) {
                quotas.subscriptions().release(session.tenant());
            }
            hub.remove(session.tenant(), sub);
            if (e instanceof ProtocolException refused) {
                session.error(refused.code(), refused.getMessage(), refused.field(), ref, refused.details());
            } else {
                session.error(ErrorCode.UNAVAILABLE, "the registry could not be read: " + e.getMessage() + "; retry",
                        "id", ref);
            }
        });
    }

    void unsubscribe(JsonNode frame) {
        String id = text(frame, "id", true);
        Subscription sub = subscriptions.remove(id);
        if (sub == null) {
            throw invalid("id", "there is no subscription '" + abbreviate(id) + "' on this connection");
        }
        quotas.subscriptions().release(session.tenant());
        hub.remove(session.tenant(), sub);
        session.send(session.frame("unsubscribed").put("id", id));
    }

    /** The connection ended: a graceful close removes its nodes now, a dropped one leaves them to their TTL. */
    void closed(boolean graceful) {
        vertx.cancelTimer(timer);
        subscriptions.values().forEach(s -> {
            hub.remove(session.tenant(), s);
            quotas.subscriptions().release(session.tenant());
        });
        subscriptions.clear();
        if (graceful && !hosted.isEmpty()) {
            registry.removeAll(session.tenant(), List.copyOf(hosted.keySet()), RemovalReason.DISCONNECTED, session.id());
        }
        hosted.clear();
    }

    private void tick() {
        long now = System.currentTimeMillis();
        for (Subscription s : subscriptions.values()) {
            if (s.blockedMillis(now) > config.slowSubscriberTimeout().toMillis()) {
                metrics.slowDisconnects.increment();
                session.close(CloseCode.TOO_SLOW, "subscription " + s.id() + " could not take changes for "
                        + config.slowSubscriberTimeout().toSeconds() + " s");
                return;
            }
        }
        refreshDue(now);
    }

    private void refreshDue(long now) {
        if (refreshing || hosted.isEmpty()) {
            return;
        }
        Map<Node, Duration> due = new HashMap<>();
        List<String> silent = new ArrayList<>();
        for (Hosted h : hosted.values()) {
            long sinceHeartbeat = now - h.lastHeartbeat;
            long ttl = h.ttl.toMillis();
            if (sinceHeartbeat >= ttl) {
                silent.add(h.node.id());
            } else if (now - h.lastRefresh >= ttl / 3) {
                due.put(h.node, Duration.ofMillis(ttl - sinceHeartbeat));
                h.lastRefresh = now;
            }
        }
        // A node the client stopped heartbeating is left to expire; it is no longer this connection's to keep.
        silent.forEach(hosted::remove);
        if (due.isEmpty()) {
            return;
        }
        refreshing = true;
        registry.refresh(session.tenant(), due).onComplete(ar -> {
            refreshing = false;
            if (ar.succeeded()) {
                rewrite(ar.result());
            }
        });
    }

    /**
     * Writes again the nodes the cluster lost while this connection kept them alive. One whose id another service
     * took meanwhile is no longer this connection's.
     */
    private void rewrite(Set<String> lost) {
        for (String id : lost) {
            Hosted h = hosted.get(id);
            if (h != null) {
                registry.register(session.tenant(), h.node, h.ttl, session.id()).onSuccess(refused -> {
                    if (refused.containsKey(id) && hosted.get(id) == h) {
                        hosted.remove(id);
                    }
                });
            }
        }
    }

    /** The refusal of a node id that a live node of another service holds (docs/protocol.md, section 7.1). */
    private static ProtocolException heldBy(String id, String service, String advice) {
        return new ProtocolException(ErrorCode.INVALID_FIELD, "node id '" + abbreviate(id) + "' is held by a live node of service '"
                + abbreviate(service) + "'; a node id belongs to one service while it lives: " + advice, "node.id");
    }

    private Duration ttl(JsonNode ttl) {
        if (ttl == null || ttl.isNull()) {
            return config.defaultTtl();
        }
        long min = config.minTtl().toSeconds();
        long max = config.maxTtl().toSeconds();
        if (!ttl.isIntegralNumber() || ttl.asLong() < min || ttl.asLong() > max) {
            throw invalid("ttl", "must be a whole number of seconds from " + min + " to " + max + ", got " + ttl);
        }
        return Duration.ofSeconds(ttl.asLong());
    }

    private void checkName(String field, String value) {
        if (value != null && (value.length() > codec.validator().limits().maxNameLength()
                || !value.matches("[A-Za-z0-9][A-Za-z0-9._-]*"))) {
            throw invalid(field, "must be a service or environment name (letters, digits and . _ -), got '"
                    + abbreviate(value) + "'");
        }
    }
}
