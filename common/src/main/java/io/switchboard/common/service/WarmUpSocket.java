package io.switchboard.common.service;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * One WebSocket connection of a warm-up to its own replica, on the JDK's client ({@code java.net.http}), not on
 * Vert.x's: a client on the server's own Netty and Vert.x classes would train the JIT on client and server code paths
 * mixed, a mix real traffic (clients in other processes) never makes, and the first real burst would pay for the
 * recompilation. Frames are sent in order; text frames received go to the handler whole.
 */
public final class WarmUpSocket {
    private final Consumer<String> onText;
    private final StringBuilder partial = new StringBuilder();
    private final Promise<Void> closed = Promise.promise();
    private WebSocket socket;
    /** The last send: the JDK's client takes one at a time. */
    private CompletableFuture<?> sending = CompletableFuture.completedFuture(null);

    private WarmUpSocket(Consumer<String> onText) {
        this.onText = onText;
    }

    /** Connects with a bearer token; the handler gets every text frame, from the first (the protocol's open) on. */
    static Future<WarmUpSocket> connect(HttpClient client, URI uri, String token, Consumer<String> onText) {
        WarmUpSocket s = new WarmUpSocket(onText);
        CompletableFuture<WebSocket> connecting = client.newWebSocketBuilder()
                .header("Authorization", "Bearer " + token).connectTimeout(Duration.ofSeconds(10))
                .buildAsync(uri, s.listener());
        return Future.fromCompletionStage(connecting).map(ws -> {
            s.socket = ws;
            return s;
        });
    }

    /** Queues a text frame; frames go out in the order given. */
    public synchronized void send(String text) {
        sending = sending.handle((v, e) -> null).thenCompose(v -> socket.sendText(text, true));
    }

    /** Closes it (normal closure) and completes when the server has answered or the connection is gone. */
    public Future<Void> close() {
        synchronized (this) {
            sending = sending.handle((v, e) -> null).thenCompose(v -> socket.sendClose(WebSocket.NORMAL_CLOSURE, "warm-up done"));
        }
        // Bounded: a server that never answers the close is left to drop the connection itself.
        return closed.future().timeout(5, java.util.concurrent.TimeUnit.SECONDS).otherwise(e -> {
            socket.abort();
            return null;
        });
    }

    private WebSocket.Listener listener() {
        return new WebSocket.Listener() {
            @Override
            public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
                partial.append(data);
                if (last) {
                    String text = partial.toString();
                    partial.setLength(0);
                    onText.accept(text);
                }
                ws.request(1);
                return null;
            }

            @Override
            public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
                closed.tryComplete();
                return null;
            }

            @Override
            public void onError(WebSocket ws, Throwable error) {
                closed.tryComplete();
            }
        };
    }
}
