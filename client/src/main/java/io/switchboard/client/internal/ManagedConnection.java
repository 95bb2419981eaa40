package io.switchboard.client.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A protocol v1 session that stays up: connects, sends {@code open}, and when the connection is lost reconnects
 * with jittered exponential backoff (from the minimum, doubling, to the maximum, each delay ±50 %), calling
 * {@link Handler#opened} after every successful handshake so that the owner can resynchronise. Everything runs on
 * the client's one executor thread; nothing here throws to the application.
 */
public final class ManagedConnection {
    private static final Logger LOG = LoggerFactory.getLogger(ManagedConnection.class);

    /** What the owner of a connection does with it. */
    public interface Handler {
        /** The handshake completed ({@code open} is the server's answer); (re)send whatever the server must know. */
        void opened(JsonNode open);

        void frame(JsonNode frame);

        /** The connection was lost; it is being re-established. */
        default void lost(int code) {
        }
    }

    private final HttpClient http;
    private final java.util.List<URI> uris;
    private final Supplier<String> token;
    private final long minDelayMillis;
    private final long maxDelayMillis;
    private final ScheduledExecutorService executor;
    private final Handler handler;
    private WireConnection wire;
    private boolean open;
    private boolean closed;
    /** Failed attempts since the last connection that opened. */
    private int failures;
    private int attempts;

    /**
     * @param uris the endpoints of the service on every replica (or one load-balanced one); each reconnect attempt
     *             tries the next, so a client fails over to a live replica by itself
     */
    public ManagedConnection(HttpClient http, java.util.List<URI> uris, Supplier<String> token, long minDelayMillis,
                             long maxDelayMillis, ScheduledExecutorService executor, Handler handler) {
        this.http = http;
        this.uris = java.util.List.copyOf(uris);
        this.token = token;
        this.minDelayMillis = minDelayMillis;
        this.maxDelayMillis = maxDelayMillis;
        this.executor = executor;
        this.handler = handler;
    }

    /**
     * The delay before the next attempt after {@code failures} failed ones in a row (docs/client-behaviour.md,
     * section 5; clients/vectors/reconnect.json): the minimum doubled per failure up to the maximum, times
     * {@code 0.5 + random}, with {@code random} in [0, 1).
     */
    public static long delay(int failures, long minMillis, long maxMillis, double random) {
        double base = Math.min(maxMillis, minMillis * Math.pow(2, Math.min(failures, 30)));
        return Math.round(base * (0.5 + random));
    }

    public void start() {
        executor.execute(this::connect);
    }

    /** True once the handshake has completed and until the connection is lost. Executor thread only. */
    public boolean isOpen() {
        return open;
    }

    /** How many connection attempts have been made (for tests and diagnostics). */
    public int attempts() {
        return attempts;
    }

    /** Sends if open; returns false (and sends nothing) while disconnected, since opened() will resynchronise. */
    public boolean send(String text) {
        if (!open) {
            return false;
        }
        wire.send(text);
        return true;
    }

    /** Graceful close: the server learns that this client is leaving on purpose. */
    public void close() {
        executor.execute(() -> {
            closed = true;
            open = false;
            if (wire != null) {
                wire.close();
            }
        });
    }

    private void connect() {
        if (closed) {
            return;
        }
        URI uri = uris.get(attempts++ % uris.size());
        WireConnection.connect(http, uri, token.get(), this::onFrame, this::onClosed, executor).whenCompleteAsync((w, e) -> {
            if (e != null) {
                LOG.debug("connecting to {} failed: {}", uri, e.getMessage());
                scheduleReconnect();
                return;
            }
            if (closed) {
                w.close();
                return;
            }
            wire = w;
            // Snapshots in pages (discovery): a big view never arrives as one huge frame. Endpoints that do not
            // offer a feature ignore it.
            w.send("{\"type\":\"open\",\"protocol\":1,\"client\":\"switchboard-java\",\"features\":[\"snapshot-pages\"]}");
        }, executor);
    }

    private void onFrame(JsonNode frame) {
        if (!open && "open".equals(frame.path("type").asText())) {
            open = true;
            failures = 0;
            safely(() -> handler.opened(frame));
            return;
        }
        safely(() -> handler.frame(frame));
    }

    private void onClosed(int code) {
        boolean wasOpen = open;
        open = false;
        wire = null;
        if (closed) {
            return;
        }
        if (wasOpen) {
            safely(() -> handler.lost(code));
        }
        scheduleReconnect();
    }

    private void scheduleReconnect() {
        if (closed) {
            return;
        }
        long jittered = delay(failures++, minDelayMillis, maxDelayMillis, ThreadLocalRandom.current().nextDouble());
        executor.schedule(this::connect, jittered, TimeUnit.MILLISECONDS);
    }

    private static void safely(Runnable action) {
        try {
            action.run();
        } catch (RuntimeException e) {
            LOG.warn("Switchboard client handler failed: {}", e.toString());
        }
    }
}
