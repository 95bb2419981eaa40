package io.switchboard.bench;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * A protocol v1 connection as any outside client makes one: the JDK's WebSocket, text frames only, written from
 * docs/protocol.md alone. Frames are handed to {@code onFrame} as text on the JDK's thread, stamped with
 * {@link System#nanoTime()} when the last fragment arrived; sends are queued, since the JDK takes one at a time.
 */
final class Ws implements WebSocket.Listener {
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    /** A received frame and when it arrived. */
    interface Handler {
        void frame(String text, long nanos);
    }

    private final Handler handler;
    private final StringBuilder partial = new StringBuilder();
    private final ConcurrentLinkedQueue<String> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean sending = new AtomicBoolean();
    private final CompletableFuture<Integer> closed = new CompletableFuture<>();
    private WebSocket socket;

    private Ws(Handler handler) {
        this.handler = handler;
    }

    /** Connects with the token and completes the open handshake. */
    static Ws open(URI uri, String token, Handler handler) {
        CompletableFuture<String> opened = new CompletableFuture<>();
        Ws ws = new Ws((text, nanos) -> {
            if (!opened.isDone() && text.contains("\"type\":\"open\"")) {
                opened.complete(text);
            } else {
                handler.frame(text, nanos);
            }
        });
        try {
            ws.socket = HTTP.newWebSocketBuilder().header("Authorization", "Bearer " + token)
                    .connectTimeout(Duration.ofSeconds(30)).buildAsync(uri, ws).get(60, TimeUnit.SECONDS);
            ws.send("{\"type\":\"open\",\"protocol\":1,\"client\":\"bench\"}");
            opened.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot open " + uri + ": " + e, e);
        }
        return ws;
    }

    /** Queues a frame; frames go out in order. */
    void send(String text) {
        queue.add(text);
        pump();
    }

    private void pump() {
        if (!sending.compareAndSet(false, true)) {
            return;
        }
        String next = queue.poll();
        if (next == null) {
            sending.set(false);
            if (!queue.isEmpty()) {
                pump();
            }
            return;
        }
        socket.sendText(next, true).whenComplete((w, e) -> {
            sending.set(false);
            if (e == null) {
                pump();
            }
        });
    }

    /** Frames queued and not yet handed to the socket. */
    int queued() {
        return queue.size();
    }

    boolean isClosed() {
        return closed.isDone();
    }

    void close() {
        try {
            socket.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            socket.abort();
        }
    }

    /** Drops the connection without a goodbye, as a crashed client does. */
    void abort() {
        socket.abort();
    }

    @Override
    public void onOpen(WebSocket webSocket) {
        webSocket.request(Long.MAX_VALUE);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        partial.append(data);
        if (last) {
            String text = partial.toString();
            partial.setLength(0);
            handler.frame(text, System.nanoTime());
        }
        return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
        closed.complete(statusCode);
        return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
        closed.complete(1006);
    }

    /** A consumer of frames that ignores them. */
    static Handler ignore() {
        return (t, n) -> { };
    }

    static Handler of(Consumer<String> c) {
        return (t, n) -> c.accept(t);
    }
}
