package io.switchboard.common.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.common.auth.AuthHandler;
import io.switchboard.common.auth.Principal;
import io.switchboard.common.codec.Json;
import io.switchboard.common.model.ValidationException;
import io.switchboard.common.model.Violation;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A WebSocket endpoint speaking protocol v1 (docs/protocol.md): authenticates the upgrade request, runs the
 * open/close handshake, checks every frame's size and shape, and dispatches by {@code type} to the service's
 * {@link MessageHandler}s. Bad frames get an {@code error} frame and the connection goes on; bad auth is refused
 * before the upgrade with 401/403, and an expiring token closes the connection with 4001.
 */
public final class ProtocolEndpoint implements Handler<RoutingContext> {
    private static final Logger LOG = LoggerFactory.getLogger(ProtocolEndpoint.class);
    private static final int MAX_REF_LENGTH = 64;

    private final Vertx vertx;
    private final String name;
    private final AuthHandler auth;
    private final ProtocolLimits limits;
    private final Map<String, MessageHandler> handlers;
    private final SessionListener listener;
    private final Map<String, Integer> advertised;
    /** Whether some message type reads its own text; if none does, every frame is parsed once, as a tree. */
    private final boolean anyStreaming;
    private io.micrometer.core.instrument.Counter slowClients = io.micrometer.core.instrument.Counter
            .builder("switchboard.ws.slow.clients").register(new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
    private io.switchboard.common.quota.TenantCount connectionQuota;
    private io.switchboard.common.quota.QuotaMeter quotaMeter;
    private final PartialFrames partialFrames;
    private java.util.Set<String> features = java.util.Set.of();

    /**
     * @param name     the service name, reported in the {@code open} answer
     * @param auth     decides who may connect (roles)
     * @param handlers message handlers by type; {@code open} and {@code close} are handled here
     */
    public ProtocolEndpoint(Vertx vertx, String name, AuthHandler auth, ProtocolLimits limits,
                            Map<String, MessageHandler> handlers, SessionListener listener) {
        this(vertx, name, auth, limits, handlers, listener, Map.of());
    }

    /**
     * @param advertised the service's own limits, announced to clients in the {@code open} answer's {@code limits}
     */
    public ProtocolEndpoint(Vertx vertx, String name, AuthHandler auth, ProtocolLimits limits,
                            Map<String, MessageHandler> handlers, SessionListener listener, Map<String, Integer> advertised) {
        if (handlers.containsKey("open") || handlers.containsKey("close")) {
            throw new IllegalArgumentException("open and close are handled by the endpoint itself");
        }
        this.vertx = vertx;
        this.name = name;
        this.auth = auth;
        this.limits = limits;
        this.handlers = Map.copyOf(handlers);
        this.listener = listener;
        this.advertised = Map.copyOf(advertised);
        this.anyStreaming = handlers.values().stream().anyMatch(h -> h instanceof MessageHandler.Streaming);
        this.partialFrames = PartialFrames.of(vertx, limits);
    }

    /**
     * The optional features this endpoint offers (docs/protocol.md, section 2): a client names those it wants in
     * {@code open}'s {@code features}; the answer lists those agreed. Unknown names are ignored.
     */
    public ProtocolEndpoint offering(java.util.Set<String> offered) {
        this.features = java.util.Set.copyOf(offered);
        return this;
    }

    /** Counts this endpoint's sessions closed for not reading what was sent ({@code switchboard_ws_slow_clients_total}). */
    public ProtocolEndpoint meter(io.micrometer.core.instrument.MeterRegistry registry) {
        slowClients = io.micrometer.core.instrument.Counter.builder("switchboard.ws.slow.clients").tag("service", name)
                .description("WebSocket sessions closed (4008) because the client left what was sent unread")
                .register(registry);
        return this;
    }

    /**
     * Caps the connections each tenant holds open on this endpoint: an upgrade over the quota is refused with 429
     * (limit_exceeded, naming the quota) before it becomes a WebSocket.
     */
    public ProtocolEndpoint limitConnections(io.switchboard.common.quota.TenantCount quota,
                                             io.switchboard.common.quota.QuotaMeter meter) {
        this.connectionQuota = quota;
        this.quotaMeter = meter;
        return this;
    }

    @Override
    public void handle(RoutingContext ctx) {
        ctx.request().pause();
        auth.authenticate(ctx.request()).onComplete(ar -> {
            if (ar.failed()) {
                ctx.request().resume();
                AuthHandler.refuse(ctx, ar.cause());
                return;
            }
            String tenant = ar.result().tenant();
            if (connectionQuota != null && !connectionQuota.tryAcquire(tenant)) {
                quotaMeter.refused(connectionQuota.quota(), tenant, 1);
                ctx.request().resume();
                ctx.response().putHeader("Retry-After", "10");
                io.switchboard.common.service.HttpErrors.send(ctx, 429, ErrorCode.LIMIT_EXCEEDED, "tenant " + tenant
                        + " already holds " + connectionQuota.limit() + " " + name + " connections on this replica, its "
                        + "quota (" + connectionQuota.quota() + "); close some, or spread them over replicas");
                return;
            }
            ctx.request().toWebSocket().onComplete(ws -> {
                if (ws.succeeded()) {
                    accept(ws.result(), ctx.request().connection(), ar.result());
                } else {
                    releaseConnection(tenant);
                    LOG.debug("WebSocket upgrade failed: {}", ws.cause().getMessage());
                }
            });
        });
    }

    private void releaseConnection(String tenant) {
        if (connectionQuota != null) {
            connectionQuota.release(tenant);
        }
    }

    private void accept(ServerWebSocket socket, io.vertx.core.http.HttpConnection connection, Principal principal) {
        Session session = new Session(socket, principal, vertx, limits.slowClientTimeout(), slowClients::increment);
        partialFrames.track(connection, principal.tenant(), session::close);
        long openTimer = vertx.setTimer(limits.openTimeout().toMillis(), t -> {
            if (!session.isOpen()) {
                session.close(CloseCode.OPEN_TIMEOUT, "no open frame within " + limits.openTimeout().toSeconds() + " s");
            }
        });
        long millisLeft = Duration.between(Instant.now(), principal.expiresAt()).toMillis();
        long expiryTimer = vertx.setTimer(Math.max(1, millisLeft), t ->
                session.close(CloseCode.TOKEN_EXPIRED, "the token expired; reconnect with a fresh token"));
        socket.textMessageHandler(text -> onText(session, text));
        socket.binaryMessageHandler(buffer -> session.error(ErrorCode.UNSUPPORTED_FRAME,
                "binary frames are not supported; send JSON text frames", null, null));
        socket.exceptionHandler(e -> LOG.debug("session {}: {}", session.id(), e.getMessage()));
        socket.closeHandler(v -> {
            vertx.cancelTimer(openTimer);
            vertx.cancelTimer(expiryTimer);
            releaseConnection(principal.tenant());
            if (session.isOpen() || session.closing()) {
                safely(() -> listener.closed(session, session.clientClosed()), session);
            }
        });
    }

    private void onText(Session session, String text) {
        if (session.closing()) {
            return;
        }
        // A char is at most 3 UTF-8 bytes; count exactly only when the cheap bound is over the limit.
        if ((long) text.length() * 3 > limits.maxFrameBytes()
                && text.getBytes(StandardCharsets.UTF_8).length > limits.maxFrameBytes()) {
            session.error(ErrorCode.FRAME_TOO_LARGE, "the frame is larger than " + limits.maxFrameBytes()
                    + " bytes; split it into smaller ones", null, null);
            return;
        }
        String type;
        String ref;
        MessageHandler handler;
        JsonNode tree = null;
        if (anyStreaming) {
            // Peek at the type: hot message types read their own text; every other frame is read as a tree once.
            Json.FrameHead head;
            try {
                head = Json.head(text);
            } catch (Json.DecodeException e) {
                session.error(ErrorCode.MALFORMED_FRAME, "the frame " + e.getMessage(), null, null);
                return;
            }
            if (!head.object()) {
                session.error(ErrorCode.MALFORMED_FRAME, "a frame must be a JSON object with a type", null, null);
                return;
            }
            type = head.type();
            ref = head.ref();
            handler = type == null ? null : handlers.get(type);
        } else {
            type = null;
            ref = null;
            handler = null;
        }
        if (!(handler instanceof MessageHandler.Streaming)) {
            tree = parseOrReport(session, text);
            if (tree == null) {
                return;
            }
            if (!tree.isObject()) {
                session.error(ErrorCode.MALFORMED_FRAME, "a frame must be a JSON object with a type", null, null);
                return;
            }
            JsonNode typeNode = tree.get("type");
            type = typeNode != null && typeNode.isTextual() ? typeNode.asText() : null;
            handler = type == null ? null : handlers.get(type);
            JsonNode refNode = tree.get("ref");
            ref = refNode != null && refNode.isTextual() ? refNode.asText() : ref;
        }
        ref = ref != null && ref.length() <= MAX_REF_LENGTH ? ref : null;
        if (type == null) {
            session.error(ErrorCode.MISSING_TYPE, "the frame has no string 'type'", "type", ref);
            return;
        }
        switch (type) {
            case "open" -> open(session, tree, ref);
            case "close" -> {
                session.markClientClosed();
                session.close(CloseCode.NORMAL, "closed by the client");
            }
            default -> dispatch(session, type, handler, text, tree, ref);
        }
    }

    /** The whole frame as a tree, or null after telling the client it is not valid JSON. */
    private static JsonNode parseOrReport(Session session, String text) {
        try {
            return Json.parse(text);
        } catch (Json.DecodeException e) {
            session.error(ErrorCode.MALFORMED_FRAME, "the frame " + e.getMessage(), null, null);
            return null;
        }
    }

    private void open(Session session, JsonNode frame, String ref) {
        if (session.isOpen()) {
            session.error(ErrorCode.ALREADY_OPEN, "the session is already open", null, ref);
            return;
        }
        JsonNode protocol = frame.get("protocol");
        if (protocol == null || !protocol.canConvertToInt() || !protocol.isIntegralNumber()) {
            session.error(ErrorCode.INVALID_FIELD, "open needs an integer 'protocol'; this server speaks "
                    + ProtocolLimits.VERSION, "protocol", ref);
            return;
        }
        if (protocol.asInt() != ProtocolLimits.VERSION) {
            session.error(ErrorCode.UNSUPPORTED_PROTOCOL, "protocol " + protocol.asInt()
                    + " is not supported; this server speaks " + ProtocolLimits.VERSION, "protocol", ref);
            session.close(CloseCode.UNSUPPORTED_PROTOCOL, "unsupported protocol version");
            return;
        }
        java.util.Set<String> agreed = new java.util.TreeSet<>();
        JsonNode asked = frame.get("features");
        if (asked != null && asked.isArray()) {
            asked.forEach(f -> {
                if (f.isTextual() && features.contains(f.asText())) {
                    agreed.add(f.asText());
                }
            });
        }
        session.useFeatures(agreed);
        session.markOpen();
        ObjectNode answer = session.frame("open");
        answer.put("protocol", ProtocolLimits.VERSION);
        answer.put("service", name);
        answer.put("session", session.id());
        answer.put("tenant", session.tenant());
        answer.put("role", session.principal().role().wireName());
        answer.put("expiresAt", session.principal().expiresAt().toString());
        if (!features.isEmpty()) {
            var list = answer.putArray("features");
            agreed.forEach(list::add);
        }
        ObjectNode announced = answer.putObject("limits").put("maxFrameBytes", limits.maxFrameBytes());
        advertised.forEach(announced::put);
        if (ref != null) {
            answer.put("ref", ref);
        }
        session.send(answer);
        safely(() -> listener.opened(session), session);
    }

    private void dispatch(Session session, String type, MessageHandler handler, String text, JsonNode tree, String ref) {
        if (handler == null) {
            session.error(ErrorCode.UNKNOWN_TYPE, "unknown frame type '" + abbreviate(type) + "'; this endpoint takes "
                    + String.join(", ", new java.util.TreeSet<>(handlers.keySet())) + ", close", "type", ref);
            return;
        }
        if (!session.isOpen()) {
            session.error(ErrorCode.NOT_OPEN, "send {\"type\":\"open\",\"protocol\":1} before '" + type + "'", null, ref);
            return;
        }
        try {
            if (handler instanceof MessageHandler.Streaming streaming) {
                streaming.handleText(session, text);
            } else {
                handler.handle(session, tree);
            }
        } catch (ValidationException e) {
            Violation first = e.violations().getFirst();
            session.error(ErrorCode.INVALID_FIELD, e.getMessage(), first.field(), ref);
        } catch (ProtocolException e) {
            session.error(e.code(), e.getMessage(), e.field(), ref, e.details());
        } catch (RuntimeException e) {
            LOG.error("session {}: handler for '{}' failed", session.id(), type, e);
            session.error(ErrorCode.INTERNAL, "the server failed to handle '" + type + "'; it has been logged", null, ref);
        }
    }

    private static void safely(Runnable action, Session session) {
        try {
            action.run();
        } catch (RuntimeException e) {
            LOG.error("session {}: listener failed", session.id(), e);
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }
}
