package io.switchboard.testsupport;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.common.codec.Json;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * A real WebSocket client for tests: connects with a token, queues every text frame it receives as JSON, and
 * waits for frames or for the close with a deadline (never a sleep).
 */
public final class WsTestClient implements AutoCloseable {
    public static final Duration DEADLINE = Duration.ofSeconds(10);

    private final WebSocketClient client;
    private final WebSocket socket;
    private final BlockingQueue<JsonNode> frames = new LinkedBlockingQueue<>();
    private final CompletableFuture<Short> closed = new CompletableFuture<>();

    private final io.vertx.core.Context context;

    private WsTestClient(WebSocketClient client, WebSocket socket, io.vertx.core.Context context) {
        this.client = client;
        this.socket = socket;
        this.context = context;
        socket.textMessageHandler(text -> frames.add(Json.parse(text)));
        socket.closeHandler(v -> closed.complete(socket.closeStatusCode()));
    }

    /** Connects with the token in the Authorization header (null for none). */
    public static WsTestClient connect(Vertx vertx, int port, String path, String token) {
        WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions()
                .setMaxFrameSize(64 * 1024 * 1024).setMaxMessageSize(64 * 1024 * 1024));
        WebSocketConnectOptions options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI(path);
        if (token != null) {
            options.addHeader("Authorization", "Bearer " + token);
        }
        try {
            io.vertx.core.Context[] context = new io.vertx.core.Context[1];
            WebSocket ws = client.connect(options).map(w -> {
                context[0] = Vertx.currentContext();
                return w;
            }).await(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
            return new WsTestClient(client, ws, context[0]);
        } catch (Exception e) {
            client.close();
            throw e instanceof RuntimeException r ? r : new IllegalStateException(e);
        }
    }

    /** Connects and completes the protocol v1 handshake; returns the client after the server's open answer. */
    public static WsTestClient open(Vertx vertx, int port, String path, String token) {
        WsTestClient c = connect(vertx, port, path, token);
        c.send("{\"type\":\"open\",\"protocol\":1}");
        JsonNode answer = c.next();
        if (!"open".equals(answer.path("type").asText())) {
            throw new AssertionError("expected the open answer, got " + answer);
        }
        return c;
    }

    /** Tries to connect and returns the HTTP status of the refused upgrade; fails if it was accepted. */
    public static UpgradeRejectedException refused(Vertx vertx, int port, String path, String token) {
        WebSocketClient client = vertx.createWebSocketClient();
        WebSocketConnectOptions options = new WebSocketConnectOptions().setHost("127.0.0.1").setPort(port).setURI(path);
        if (token != null) {
            options.addHeader("Authorization", "Bearer " + token);
        }
        try {
            client.connect(options).await(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (UpgradeRejectedException e) {
            return e;
        } catch (Exception e) {
            throw new AssertionError("expected a refused upgrade, got " + e, e);
        } finally {
            client.close();
        }
        throw new AssertionError("the upgrade was accepted");
    }

    public void send(String text) {
        await(socket.writeTextMessage(text));
    }

    /** Queues a frame without waiting for it to be written (for load). */
    public io.vertx.core.Future<Void> sendNoWait(String text) {
        return socket.writeTextMessage(text);
    }

    /** Queues many frames in order, written from the connection's own event loop in one go (for load). */
    public void sendAllNoWait(java.util.List<String> texts) {
        context.runOnContext(v -> texts.forEach(socket::writeTextMessage));
    }

    /** Stops reading from the socket (frames back up in the server's buffers) until {@link #resume()}. */
    public void pause() {
        socket.pause();
    }

    public void resume() {
        socket.resume();
    }

    public void sendBinary(byte[] data) {
        await(socket.writeBinaryMessage(Buffer.buffer(data)));
    }

    /** Waits for a future from a test thread, up to {@link #DEADLINE}; failures are rethrown unchecked. */
    public static <T> T await(io.vertx.core.Future<T> future) {
        try {
            return future.await(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            throw new AssertionError("not done within " + DEADLINE.toSeconds() + " s", e);
        }
    }

    /** The next frame, waiting up to the deadline. */
    public JsonNode next() {
        try {
            JsonNode frame = frames.poll(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
            if (frame == null) {
                throw new AssertionError("no frame within " + DEADLINE.toSeconds() + " s");
            }
            return frame;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError("interrupted");
        }
    }

    /** The next frame of the given type, skipping others, waiting up to the deadline. */
    public JsonNode next(String type) {
        return next(f -> type.equals(f.path("type").asText()));
    }

    public JsonNode next(Predicate<JsonNode> matching) {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (System.nanoTime() < deadline) {
            try {
                JsonNode frame = frames.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
                if (frame != null && matching.test(frame)) {
                    return frame;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted");
            }
        }
        throw new AssertionError("no matching frame within " + DEADLINE.toSeconds() + " s");
    }

    /** Frames received and not yet taken. */
    public BlockingQueue<JsonNode> pending() {
        return frames;
    }

    /** Waits for the server to close the connection and returns the close status code. */
    public short awaitClose() {
        try {
            return closed.get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            throw new AssertionError("the connection was not closed within " + DEADLINE.toSeconds() + " s");
        }
    }

    public boolean isClosed() {
        return closed.isDone();
    }

    @Override
    public void close() {
        if (!closed.isDone()) {
            socket.close().otherwiseEmpty();
        }
        client.close();
    }
}
