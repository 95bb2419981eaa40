package io.switchboard.tracing;

import com.fasterxml.jackson.databind.JsonNode;
import com.hazelcast.core.HazelcastInstance;
import io.micrometer.core.instrument.MeterRegistry;
import io.switchboard.common.auth.AuthHandler;
import io.switchboard.common.auth.Role;
import io.switchboard.common.auth.TokenVerifier;
import io.switchboard.common.buffer.TraceRings;
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
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;

/**
 * The tracing service: ingest of logs, spans and call outcomes over WebSocket ({@value #PATH}, protocol v1
 * section 8), and of OpenTelemetry (OTLP/HTTP {@code /v1/traces}, {@code /v1/logs}) and Zipkin v2
 * ({@code /api/v2/spans}) exports, into the trace buffer (Hazelcast ring buffers); and filtered live tails of it.
 */
public final class TracingService implements SwitchboardService {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(TracingService.class);
    public static final String PATH = "/v1/tracing";
    private static final String STATE = "tracing";

    private final Vertx vertx;
    private final ProtocolLimits limits;
    private final TracingConfig config;
    private final HazelcastInstance hazelcast;
    private final TokenVerifier verifier;
    private final TraceRings rings;
    private final TracingMetrics metrics;
    private final EventCodec codec;
    private final Set<Session> sessions = ConcurrentHashMap.newKeySet();
    private final TracingQuotas quotas;
    private final MeterRegistry meters;
    private final BufferAdmission admission;
    /** A warm-up's rings, by its scratch tenant: every connection of the warm-up writes and tails the same ones. */
    private final Map<String, TraceRings> scratchRings = new ConcurrentHashMap<>();

    public TracingService(Vertx vertx, ProtocolLimits limits, TracingConfig config, HazelcastInstance hazelcast,
                          TokenVerifier verifier, MeterRegistry meters) {
        this.vertx = vertx;
        this.limits = limits;
        this.config = config;
        this.hazelcast = hazelcast;
        this.verifier = verifier;
        long slots = TraceRings.configureBytes(hazelcast, config.bufferShards(), config.bufferBytes());
        LOG.info("trace buffer: {} rings of {} slots of at most {} bytes ({} MiB at most, primary copies)",
                config.bufferShards(), slots, io.switchboard.common.buffer.RingSlots.SLOT_BYTES, config.bufferBytes() >> 20);
        this.rings = new TraceRings(hazelcast, config.bufferShards());
        this.metrics = new TracingMetrics(meters, hazelcast, rings);
        this.codec = new EventCodec(new EventValidator(Limits.DEFAULT.withMaxAge(config.maxEventAge())));
        this.quotas = new TracingQuotas(config, limits, meters);
        this.meters = meters;
        this.admission = new BufferAdmission(vertx, hazelcast, rings, config.pushBack(),
                new BufferLedger(rings.shards(), meters), meters);
    }

    @Override
    public String name() {
        return "tracing";
    }

    /** The buffer this service writes, for tests and benchmarks. */
    public TraceRings rings() {
        return rings;
    }

    @Override
    public void mount(Router router) {
        AuthHandler any = AuthHandler.requiring(vertx, verifier, Role.CLIENT, Role.OPERATOR);
        Map<String, MessageHandler> handlers = Map.of(
                "events", (MessageHandler.Streaming) (session, text) -> state(session).events(text),
                "tail", on(TracingSession::tail),
                "untail", on(TracingSession::untail));
        // Existing instrumentation: OTLP/HTTP and Zipkin v2, with the same token, checks, quotas and buffer.
        HttpIngest ingest = new HttpIngest(vertx, rings, codec, quotas, metrics, admission, config.maxItemsPerBatch(),
                limits.maxFrameBytes());
        new OtlpReceiver(ingest, any).mount(router);
        new ZipkinReceiver(ingest, any).mount(router);
        router.route(PATH).handler(new ProtocolEndpoint(vertx, name(), any, limits, handlers, new Lifecycle(),
                Map.of("maxInFlight", config.maxInFlight(), "maxItemsPerBatch", config.maxItemsPerBatch(),
                        "maxItemBytes", io.switchboard.common.buffer.RingSlots.MAX_ITEM_BYTES))
                .limitConnections(quotas.connections, quotas.meter).meter(meters));
    }

    private static MessageHandler on(BiConsumer<TracingSession, JsonNode> action) {
        return (session, frame) -> action.accept(state(session), frame);
    }

    private static TracingSession state(Session session) {
        return (TracingSession) session.attributes().get(STATE);
    }

    @Override
    public List<HealthCheck> healthChecks() {
        return List.of(HazelcastConnector.healthCheck(vertx, hazelcast));
    }

    @Override
    public io.switchboard.common.service.WarmUp.Warmer warmer(io.switchboard.common.service.WarmUp.Context context) {
        return new TracingWarmer(context, hazelcast, config.quotas(), tenant -> {
            boolean connected = sessions.stream().anyMatch(session -> tenant.equals(session.tenant()));
            if (!connected) {
                scratchRings.remove(tenant);
            }
            return connected;
        });
    }

    /** Starts reading where the buffer's readers are, for push-back and the loss ledger. */
    @Override
    public Future<Void> start() {
        return admission.start();
    }

    /** A member leaves once the cluster is safe (every partition backed up), so that its data is not lost. */
    @Override
    public Future<Map<String, Object>> preStop() {
        return HazelcastConnector.awaitSafeToLeave(vertx, hazelcast, HazelcastConnector.PRE_STOP_WAIT);
    }

    @Override
    public Future<Void> stop() {
        admission.stop();
        List<Future<Void>> closing = sessions.stream()
                .map(s -> s.close(CloseCode.GOING_AWAY, "this replica is shutting down; reconnect")).toList();
        return Future.join(closing).timeout(5, java.util.concurrent.TimeUnit.SECONDS).otherwiseEmpty().mapEmpty();
    }

    private final class Lifecycle implements SessionListener {
        @Override
        public void opened(Session session) {
            sessions.add(session);
            // A warm-up's scratch tenant writes to rings of its own that nothing reads, past no admission.
            boolean scratch = io.switchboard.common.auth.WarmUpKey.isScratch(session.tenant());
            session.attributes().put(STATE, new TracingSession(session, vertx,
                    scratch ? scratchRings.computeIfAbsent(session.tenant(),
                            t -> TraceRings.scratch(hazelcast, rings.shards(), t)) : rings,
                    codec, config, metrics, quotas, scratch ? null : admission));
        }

        @Override
        public void closed(Session session, boolean graceful) {
            // Its tails stop before it leaves the set (a warm-up waits on the set before removing its rings).
            TracingSession state = (TracingSession) session.attributes().remove(STATE);
            if (state != null) {
                state.closed();
            }
            sessions.remove(session);
        }
    }
}
