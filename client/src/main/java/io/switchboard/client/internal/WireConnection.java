package io.switchboard.client.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.common.codec.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.IntConsumer;

/**
 * One WebSocket connection with the JDK's client: whole text frames in, serialised sends out (the JDK allows one
 * outstanding send at a time). Callbacks run on the given executor.
 */
final class WireConnection implements WebSocket.Listener {
    private final Consumer<JsonNode> onFrame;
    private final IntConsumer onClosed;
    private final Executor executor;
    private final StringBuilder partial = new StringBuilder();
    private volatile WebSocket socket;
    private CompletableFuture<?> tail = CompletableFuture.completedFuture(null);
    private volatile boolean closedReported;

    private WireConnection(Consumer<JsonNode> onFrame, IntConsumer onClosed, Executor executor) {
        this.onFrame = onFrame;
        this.onClosed = onClosed;
        this.executor = executor;
    }

    /** Connects; {@code onClosed} gets the close code (1006 when the connection was lost without one). */
    static CompletableFuture<WireConnection> connect(HttpClient http, URI uri, String token, Consumer<JsonNode> onFrame,
                                                     IntConsumer onClosed, Executor executor) {
        WireConnection c = new WireConnection(onFrame, onClosed, executor);
        return http.newWebSocketBuilder()
                .header("Authorization", "Bearer " + token)
                .connectTimeout(Duration.ofSeconds(10))
                .buildAsync(uri, c)
                .thenApply(ws -> {
                    c.socket = ws;
                    return c;
                });
    }

    /** Queues a text frame; frames go out in the order given. */
    synchronized CompletableFuture<?> send(String text) {
        tail = tail.handle((r, e) -> null).thenCompose(v -> {
            WebSocket ws = socket;
            return ws == null || ws.isOutputClosed() ? CompletableFuture.completedFuture(null) : ws.sendText(text, true);
        });
        return tail;
    }

    void close() {
        WebSocket ws = socket;
        if (ws != null && !ws.isOutputClosed()) {
            send("{\"type\":\"close\"}");
            synchronized (this) {
                tail = tail.handle((r, e) -> null).thenCompose(v -> ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye"));
            }
        }
    }

    void abort() {
        WebSocket ws = socket;
        if (ws != null) {
            ws.abort();
        }
        reportClosed(1006);
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        webSocket.request(1);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            String text = partial.toString();
            partial.setLength(0);
            executor.execute(() -> {
                JsonNode frame;
                try {
                    frame = Json.parse(text);
                } catch (Json.DecodeException e) {
                    return;
                }
                onFrame.accept(frame);
            });
        }
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onBinary(WebSocket webSocket, ByteBuffer data, boolean last) {
        webSocket.request(1);
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        reportClosed(statusCode);
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        reportClosed(1006);
    }

    private void reportClosed(int code) {
        if (!closedReported) {
            closedReported = true;
            executor.execute(() -> onClosed.accept(code));
        }
    }
}
