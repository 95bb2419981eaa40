package io.switchboard.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.common.codec.Json;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.HdrHistogram.Histogram;

/**
 * One tracing connection as docs/protocol.md tells a client to keep it: at most 8 batches unacknowledged; a batch
 * refused with {@code limit_exceeded} (the buffer pushing back, or a quota) is sent again after {@code retryAfterMs}.
 * Records each batch's time from its first send to its ack, and counts refusals.
 */
final class TracingSender implements AutoCloseable {
    static final int IN_FLIGHT = 8;
    private static final ScheduledExecutorService LATER = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "bench-resend");
        t.setDaemon(true);
        return t;
    });

    private final Semaphore window = new Semaphore(IN_FLIGHT);
    private final Map<Long, String> unacked = new ConcurrentHashMap<>();
    private final Map<Long, Long> sentAt = new ConcurrentHashMap<>();
    private final Map<Long, Runnable> onAck = new ConcurrentHashMap<>();
    final AtomicLong accepted = new AtomicLong();
    final AtomicLong refusals = new AtomicLong();
    /** First send to ack, per batch, in nanoseconds. */
    final Histogram ackLatency = new Histogram(600_000_000_000L, 3);
    private final Ws ws;
    private volatile String failure;

    TracingSender(ServerProcess server, String token) {
        ws = Ws.open(server.ws("/v1/tracing"), token, (text, nanos) -> {
            JsonNode frame = Json.parse(text);
            long seq;
            switch (frame.path("type").asText()) {
                case "ack" -> {
                    seq = frame.path("seq").asLong();
                    accepted.addAndGet(frame.path("accepted").asLong());
                    Long sent = sentAt.remove(seq);
                    if (sent != null) {
                        synchronized (ackLatency) {
                            ackLatency.recordValue(Math.max(0, nanos - sent));
                        }
                    }
                    unacked.remove(seq);
                    Runnable r = onAck.remove(seq);
                    if (r != null) {
                        r.run();
                    }
                    window.release();
                }
                case "error" -> {
                    String ref = frame.path("ref").asText("");
                    if (frame.path("code").asText().equals("limit_exceeded") && ref.startsWith("seq:")) {
                        refusals.incrementAndGet();
                        long again = Long.parseLong(ref.substring(4));
                        LATER.schedule(() -> resend(again), Math.max(1, frame.path("retryAfterMs").asLong(1_000)),
                                TimeUnit.MILLISECONDS);
                    } else {
                        failure = text;
                        window.release(IN_FLIGHT);
                    }
                }
                default -> { }
            }
        });
    }

    private void resend(long seq) {
        String frame = unacked.get(seq);
        if (frame != null) {
            ws.send(frame);
        }
    }

    void onAck(long seq, Runnable r) {
        onAck.put(seq, r);
    }

    /** Sends a batch numbered {@code seq} once fewer than 8 are unacknowledged. */
    void send(long seq, String frame) {
        window.acquireUninterruptibly();
        check();
        unacked.put(seq, frame);
        sentAt.put(seq, System.nanoTime());
        ws.send(frame);
    }

    /** Waits for every batch sent to be acknowledged. */
    void drain() throws InterruptedException {
        if (!window.tryAcquire(IN_FLIGHT, 5, TimeUnit.MINUTES)) {
            throw new IllegalStateException("batches were never acknowledged");
        }
        check();
        window.release(IN_FLIGHT);
    }

    private void check() {
        if (failure != null) {
            throw new IllegalStateException("the server refused a batch: " + failure);
        }
    }

    @Override
    public void close() {
        ws.close();
    }
}
