package io.switchboard.common.protocol;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.common.auth.Principal;
import io.switchboard.common.codec.Json;
import io.vertx.core.Future;
import io.vertx.core.http.ServerWebSocket;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One authenticated WebSocket connection speaking protocol v1. All methods run on the connection's event loop.
 * Services keep their per-connection state in {@link #attributes()}.
 *
 * <p>What the server sends is bounded by what the client reads: once the socket's outbound queue is over its
 * high-water mark, the session stops reading the client's frames (each could add an answer) until the queue drains,
 * and a client that leaves it full for {@link ProtocolLimits#slowClientTimeout()} is closed with 4008. A peer that
 * sends bad frames and never reads therefore costs the server one queue, not unbounded memory.
 */
public final class Session {
    private final String id = UUID.randomUUID().toString();
    private final ServerWebSocket socket;
    /** Told when this session is closed for not reading (a meter). */
    private final Runnable slowClients;
    private final Principal principal;
    private final io.vertx.core.Vertx vertx;
    private final java.time.Duration slowClientTimeout;
    private final Map<String, Object> attributes = new ConcurrentHashMap<>();
    private final java.util.List<io.vertx.core.Handler<Void>> drainListeners = new java.util.ArrayList<>();
    private boolean open;
    private boolean closing;
    private boolean clientClosed;
    private java.util.Set<String> features = java.util.Set.of();
    /** Reading paused by the service (a tracing connection with too many batches in flight). */
    private boolean pausedByService;
    /** Reading paused because the client does not read what is sent to it. */
    private boolean pausedByBacklog;
    private long backlogTimer = -1;

    Session(ServerWebSocket socket, Principal principal, io.vertx.core.Vertx vertx, java.time.Duration slowClientTimeout,
            Runnable slowClients) {
        this.socket = socket;
        this.slowClients = slowClients;
        this.principal = principal;
        this.vertx = vertx;
        this.slowClientTimeout = slowClientTimeout;
        socket.drainHandler(v -> drained());
    }

    public String id() {
        return id;
    }

    public Principal principal() {
        return principal;
    }

    /** Shortcut for {@code principal().tenant()}: the scope of everything this session reads and writes. */
    public String tenant() {
        return principal.tenant();
    }

    public Map<String, Object> attributes() {
        return attributes;
    }

    public boolean isOpen() {
        return open && !closing;
    }

    /** True when the socket's outbound buffer is over its high-water mark; callers should back off or drop. */
    public boolean writeQueueFull() {
        if (closing) {
            return true;
        }
        try {
            return socket.writeQueueFull();
        } catch (IllegalStateException closed) {
            return true; // the socket closed under us: nothing more can be written
        }
    }

    /** Called whenever the outbound buffer has drained below its low-water mark (after {@link #writeQueueFull()}). */
    public void onDrain(io.vertx.core.Handler<Void> handler) {
        drainListeners.add(handler);
    }

    public Future<Void> send(ObjectNode frame) {
        return sendText(Json.write(frame));
    }

    /** Sends a frame already encoded as JSON text (for frames assembled from stored JSON without re-parsing). */
    public Future<Void> sendText(String json) {
        if (closing) {
            return Future.failedFuture("session " + id + " is closing");
        }
        Future<Void> written = socket.writeTextMessage(json);
        if (!pausedByBacklog && writeQueueFull()) {
            backlogged();
        }
        return written;
    }

    /** The client is not reading: stop reading it too, and give it {@code slowClientTimeout} to catch up. */
    private void backlogged() {
        pausedByBacklog = true;
        socket.pause();
        backlogTimer = vertx.setTimer(slowClientTimeout.toMillis(), t -> {
            if (pausedByBacklog) {
                // The close frame waits behind what the client did not read; reading stays paused meanwhile.
                slowClients.run();
                close(CloseCode.TOO_SLOW, "the client left what the server sent unread for "
                        + slowClientTimeout.toSeconds() + " s; read faster, then reconnect");
            }
        });
    }

    private void drained() {
        if (pausedByBacklog) {
            pausedByBacklog = false;
            vertx.cancelTimer(backlogTimer);
            if (!pausedByService && !closing) {
                socket.resume();
            }
        }
        for (io.vertx.core.Handler<Void> listener : List.copyOf(drainListeners)) {
            listener.handle(null);
        }
    }

    /** Stops reading frames from the client (TCP back-pressure) until {@link #resume()}. */
    public void pause() {
        pausedByService = true;
        socket.pause();
    }

    public void resume() {
        pausedByService = false;
        if (!pausedByBacklog) {
            socket.resume();
        }
    }

    public ObjectNode frame(String type) {
        ObjectNode frame = Json.MAPPER.createObjectNode();
        frame.put("type", type);
        return frame;
    }

    /** Sends an {@code error} frame; {@code field} and {@code ref} may be null. */
    public void error(String code, String message, String field, String ref) {
        error(code, message, field, ref, java.util.Map.of());
    }

    /** Sends an {@code error} frame with more fields (a {@link ProtocolException}'s details). */
    public void error(String code, String message, String field, String ref, Map<String, Object> details) {
        ObjectNode frame = frame("error");
        frame.put("code", code);
        frame.put("message", message);
        if (field != null) {
            frame.put("field", field);
        }
        if (ref != null) {
            frame.put("ref", ref);
        }
        details.forEach((k, v) -> frame.set(k, Json.MAPPER.valueToTree(v)));
        send(frame);
    }

    /**
     * Sends a {@code close} frame with the code and reason, then closes the socket with the same; completes when the
     * socket is closed.
     */
    public Future<Void> close(short code, String reason) {
        if (closing) {
            return Future.succeededFuture();
        }
        ObjectNode frame = frame("close");
        frame.put("code", code);
        frame.put("reason", reason);
        send(frame);
        closing = true;
        vertx.cancelTimer(backlogTimer);
        // WebSocket close reasons are limited to 123 bytes.
        String shortReason = reason.length() > 120 ? reason.substring(0, 120) : reason;
        return socket.close(code, shortReason);
    }

    /** The optional protocol features the client asked for in {@code open} and this endpoint offers. */
    public boolean uses(String feature) {
        return features.contains(feature);
    }

    void useFeatures(java.util.Set<String> agreed) {
        features = java.util.Set.copyOf(agreed);
    }

    void markOpen() {
        open = true;
    }

    void markClientClosed() {
        clientClosed = true;
    }

    boolean clientClosed() {
        return clientClosed;
    }

    boolean closing() {
        return closing;
    }
}
