package io.switchboard.discovery;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.micrometer.core.instrument.MeterRegistry;
import io.switchboard.common.auth.AuthHandler;
import io.switchboard.common.auth.Role;
import io.switchboard.common.auth.TokenVerifier;
import io.switchboard.common.codec.EventCodec;
import io.switchboard.common.hazelcast.HazelcastConnector;
import io.switchboard.common.model.EventValidator;
import io.switchboard.common.model.Limits;
import io.switchboard.common.observe.HealthCheck;
import io.switchboard.common.protocol.CloseCode;
import io.switchboard.common.protocol.MessageHandler;
import io.switchboard.common.protocol.ProtocolEndpoint;
import io.switchboard.common.protocol.ProtocolLimits;
import io.switchboard.common.protocol.Session;
import io.switchboard.common.protocol.SessionListener;
import io.switchboard.common.service.SwitchboardService;
import io.switchboard.discovery.internal.HazelcastNodeRegistry;
import io.switchboard.discovery.internal.HazelcastPolicyStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

/**
 * The discovery service: the live registry over WebSocket ({@value #PATH}, protocol v1 section 7) on Hazelcast,
 * and {@code GET /api/v1/services} for operators. It keeps no state that matters: the registry is in the
 * cluster, and clients re-register after any restart.
 */
public final class DiscoveryService implements SwitchboardService {
    public static final String PATH = "/v1/discovery";
    private static final String STATE = "discovery";

    private final Vertx vertx;
    private final ProtocolLimits limits;
    private final DiscoveryConfig config;
    private final HazelcastInstance hazelcast;
    private final TokenVerifier verifier;
    private final NodeRegistry registry;
    private final SubscriptionHub hub;
    private final DiscoveryMetrics metrics;
    private final EventCodec codec = new EventCodec(new EventValidator(Limits.DEFAULT));
    private final Set<Session> sessions = ConcurrentHashMap.newKeySet();
    private final MeterRegistry meters;
    private final io.switchboard.common.quota.QuotaMeter quotaMeter;
    private final io.switchboard.common.quota.TenantCount connectionQuota;
    private final io.switchboard.common.quota.TenantCount subscriptionQuota;
    private final NodeQuota nodeQuota;
    private final FanoutQuota fanout;

    public DiscoveryService(Vertx vertx, ProtocolLimits limits, DiscoveryConfig config, HazelcastInstance hazelcast,
                            TokenVerifier verifier, MeterRegistry meters) {
        this.vertx = vertx;
        this.limits = limits;
        this.config = config;
        this.hazelcast = hazelcast;
        this.verifier = verifier;
        this.registry = new HazelcastNodeRegistry(vertx, hazelcast);
        this.hub = new SubscriptionHub(vertx, registry, new HazelcastPolicyStore(vertx, hazelcast));
        this.metrics = new DiscoveryMetrics(meters);
        this.meters = meters;
        this.quotaMeter = new io.switchboard.common.quota.QuotaMeter(meters, "discovery");
        this.connectionQuota = new io.switchboard.common.quota.TenantCount("quota.connections", config.quotas().connections());
        this.subscriptionQuota = new io.switchboard.common.quota.TenantCount("quota.subscriptions", config.quotas().subscriptions());
        this.nodeQuota = new NodeQuota(vertx, hazelcast, config.quotas().nodes(), config.quotas().registryBytes(), quotaMeter);
        this.fanout = new FanoutQuota(vertx, hazelcast, hub, config.quotas().fanoutPerSecond(), quotaMeter);
    }

    @Override
    public Future<Void> start() {
        fanout.start();
        return Future.succeededFuture();
    }

    @Override
    public io.switchboard.common.service.WarmUp.Warmer warmer(io.switchboard.common.service.WarmUp.Context context) {
        return new DiscoveryWarmer(context, hazelcast, hub, config.quotas().fanoutPerSecond());
    }

    @Override
    public String name() {
        return "discovery";
    }

    @Override
    public void mount(Router router) {
        AuthHandler any = AuthHandler.requiring(vertx, verifier, Role.CLIENT, Role.OPERATOR);
        Map<String, MessageHandler> handlers = Map.of(
                "register", on(DiscoverySession::register),
                "heartbeat", on(DiscoverySession::heartbeat),
                "deregister", on(DiscoverySession::deregister),
                "subscribe", on(DiscoverySession::subscribe),
                "unsubscribe", on(DiscoverySession::unsubscribe));
        router.route(PATH).handler(new ProtocolEndpoint(vertx, name(), any, limits, handlers, new Lifecycle(),
                Map.of("maxNodesPerConnection", config.maxNodesPerConnection(),
                        "maxSubscriptionsPerConnection", config.maxSubscriptionsPerConnection(),
                        "minTtl", (int) config.minTtl().toSeconds(), "maxTtl", (int) config.maxTtl().toSeconds()))
                .limitConnections(connectionQuota, quotaMeter).meter(meters).offering(java.util.Set.of(Subscription.PAGES)));
        ServicesResource services = new ServicesResource(registry);
        router.get("/api/v1/services").handler(AuthHandler.requiring(vertx, verifier, Role.OPERATOR)).handler(services::handle);
    }

    private static MessageHandler on(BiConsumer<DiscoverySession, com.fasterxml.jackson.databind.JsonNode> action) {
        return (session, frame) -> action.accept((DiscoverySession) session.attributes().get(STATE), frame);
    }

    @Override
    public List<HealthCheck> healthChecks() {
        return List.of(HazelcastConnector.healthCheck(vertx, hazelcast));
    }

    /** Tells every client to go elsewhere (1001) before the replica leaves; their nodes live on by TTL. */
    /** A member leaves once the cluster is safe (every partition backed up), so that its data is not lost. */
    @Override
    public Future<Map<String, Object>> preStop() {
        return HazelcastConnector.awaitSafeToLeave(vertx, hazelcast, HazelcastConnector.PRE_STOP_WAIT);
    }

    @Override
    public Future<Void> stop() {
        fanout.stop();
        List<Future<Void>> closing = sessions.stream()
                .map(s -> s.close(CloseCode.GOING_AWAY, "this replica is shutting down; reconnect")).toList();
        return Future.join(closing).timeout(5, java.util.concurrent.TimeUnit.SECONDS).otherwiseEmpty().mapEmpty();
    }

    /** The registry this service uses, for tests and benchmarks. */
    public NodeRegistry registry() {
        return registry;
    }

    private final class Lifecycle implements SessionListener {
        @Override
        public void opened(Session session) {
            sessions.add(session);
            metrics.connections.incrementAndGet();
            IMap<String, io.switchboard.common.registry.RegistryEntry> nodes = hazelcast.getMap("registry." + session.tenant());
            metrics.tenantNodes(session.tenant(), nodes, IMap::size);
            session.attributes().put(STATE, new DiscoverySession(session, vertx, registry, hub, codec, config, metrics,
                    new DiscoverySession.Quotas(nodeQuota, subscriptionQuota, quotaMeter, fanout)));
        }

        @Override
        public void closed(Session session, boolean graceful) {
            sessions.remove(session);
            metrics.connections.decrementAndGet();
            DiscoverySession state = (DiscoverySession) session.attributes().remove(STATE);
            if (state != null) {
                state.closed(graceful);
            }
        }
    }
}
