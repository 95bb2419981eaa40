package io.switchboard.common.protocol;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.common.auth.Principal;
import io.switchboard.common.codec.Json;
import io.vertx.core.Future;
import io.vertx.core.http.ServerWebSocket;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One authenticated WebSocket connection speaking protocol v1. All methods run on the connection's event loop.
 * Services keep their per-connection state in {@link #attributes()}.
 */
public final class Session {
    private final String id = UUID.randomUUID().toString();
    private final ServerWebSocket socket;
    private final Principal principal;
    private final Map<String, Object> attributes = new ConcurrentHashMap<>();
    private boolean open;
    private boolean closing;
    private boolean clientClosed;

    Session(ServerWebSocket socket, Principal principal) {
        this.socket = socket;
        this.principal = principal;
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

    /** Called when the outbound buffer has drained below its low-water mark (after {@link #writeQueueFull()}). */
    public void onDrain(io.vertx.core.Handler<Void> handler) {
        socket.drainHandler(handler);
    }

    public Future<Void> send(ObjectNode frame) {
        if (closing) {
            return Future.failedFuture("session " + id + " is closing");
        }
        return socket.writeTextMessage(Json.write(frame));
    }

    /** Sends a frame already encoded as JSON text (for frames assembled from stored JSON without re-parsing). */
    public Future<Void> sendText(String json) {
        if (closing) {
            return Future.failedFuture("session " + id + " is closing");
        }
        return socket.writeTextMessage(json);
    }

    /** Stops reading frames from the client (TCP back-pressure) until {@link #resume()}. */
    public void pause() {
        socket.pause();
    }

    public void resume() {
        socket.resume();
    }

    public ObjectNode frame(String type) {
        ObjectNode frame = Json.MAPPER.createObjectNode();
        frame.put("type", type);
        return frame;
    }

    /** Sends an {@code error} frame; {@code field} and {@code ref} may be null. */
    public void error(String code, String message, String field, String ref) {
        ObjectNode frame = frame("error");
        frame.put("code", code);
        frame.put("message", message);
        if (field != null) {
            frame.put("field", field);
        }
        if (ref != null) {
            frame.put("ref", ref);
        }
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
        // WebSocket close reasons are limited to 123 bytes.
        String shortReason = reason.length() > 120 ? reason.substring(0, 120) : reason;
        return socket.close(code, shortReason);
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
