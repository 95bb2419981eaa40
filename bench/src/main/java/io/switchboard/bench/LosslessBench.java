package io.switchboard.bench;

import io.switchboard.common.auth.DevTokens;
import io.switchboard.common.auth.Role;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * The lossless rate: the highest rate a client can keep up, on 1 and on 8 connections, at which every batch is
 * acknowledged at once (no push-back) and history keeps up, in standalone with Elasticsearch on the same cores. It
 * steps the offered rate up, {@value #STEP_SECONDS} s a step, until a step fails; then it offers twice the lossless
 * rate and shows how push-back looks to the client (ack latency, refusals a second), and checks that nothing
 * acknowledged was lost. Quotas are lifted for the run.
 */
final class LosslessBench {
    private static final int STEP_SECONDS = 20;
    private static final int[] RATES = {5_000, 10_000, 15_000, 20_000, 25_000, 30_000, 40_000, 50_000};

    private LosslessBench() {
    }

    /** What one step of offered load came to. */
    private record Step(int offered, double acked, double refusalsPerSecond, Histogram latency, double backlog) {
        boolean held() {
            return acked >= offered * 0.98 && refusalsPerSecond == 0 && latency.getValueAtPercentile(99) < 1_000_000_000L
                    && backlog <= offered * 3.0; // history at most ~3 s behind (indices refresh every 2 s)
        }

        String describe() {
            return String.format("offered %,6d/s: acked %,7.0f/s, ack p50 %6.1f ms p99 %7.1f ms, refusals %5.1f/s,"
                            + " history behind by %,8.0f events", offered, acked, latency.getValueAtPercentile(50) / 1e6,
                    latency.getValueAtPercentile(99) / 1e6, refusalsPerSecond, backlog);
        }
    }

    static void run(Path work) throws Exception {
        System.out.println("== lossless: the highest sustained rate with no push-back and history keeping up (standalone,"
                + " batches of 500, 8 in flight per connection, " + STEP_SECONDS + " s per step)");
        try (ServerProcess server = new ServerProcess(work.resolve("lossless"), "2g", Map.of(
                "SWITCHBOARD_QUOTA_EVENTS_PER_SECOND", "0", "SWITCHBOARD_QUOTA_BYTES_PER_SECOND", "0"))) {
            System.out.printf("  standalone started in %.1f s (pid %d); quotas lifted%n", server.start().toMillis() / 1e3, server.pid());
            String token = DevTokens.issue(DevTokens.DEV_SECRET, "lossless", Role.CLIENT, Duration.ofHours(2), Instant.now());
            step(server, token, 2, 10_000, 30); // warm-up: the JIT needs some hundred thousand events
            caughtUp(server);
            for (int connections : new int[] {1, 8}) {
                Step best = null;
                for (int rate : RATES) {
                    Step s = step(server, token, connections, rate, STEP_SECONDS);
                    System.out.printf("  %d conn %s  %s%n", connections, s.describe(), s.held() ? "" : "  <- not sustained");
                    caughtUp(server);
                    if (!s.held()) {
                        break;
                    }
                    best = s;
                }
                int lossless = best == null ? 0 : best.offered();
                System.out.printf("  lossless rate on %d connection%s: %,d events/s%n", connections, connections == 1 ? "" : "s", lossless);
                int above = Math.max(10_000, lossless * 2);
                Step over = step(server, token, connections, above, 30);
                System.out.printf("  above it, %d conn %s%n", connections, over.describe());
                double lostBefore = server.metric("switchboard_history_lost_total", null);
                caughtUp(server);
                System.out.printf("    then: history caught up; lost in the buffer: %,.0f (tracing: %,.0f)%n",
                        server.metric("switchboard_history_lost_total", null) - lostBefore,
                        server.metric("switchboard_tracing_lost_total", null));
            }
        }
    }

    /** Offers {@code rate} events a second over {@code connections} connections for {@code seconds}, paced. */
    private static Step step(ServerProcess server, String token, int connections, int rate, int seconds) throws Exception {
        List<TracingSender> senders = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            senders.add(new TracingSender(server, token));
        }
        double acceptedBefore = server.metric("switchboard_tracing_items_accepted_total", null);
        int batchesPerConnection = Math.max(1, rate * seconds / IngestBench.BATCH / connections);
        long gap = (long) seconds * 1_000_000_000L / batchesPerConnection;
        long start = System.nanoTime();
        List<CompletableFuture<Void>> done = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            TracingSender s = senders.get(c);
            String node = "c" + c;
            long offset = gap * c / connections;
            done.add(CompletableFuture.runAsync(() -> {
                for (int b = 0; b < batchesPerConnection; b++) {
                    long due = start + offset + b * gap;
                    long wait;
                    while ((wait = due - System.nanoTime()) > 0) {
                        LockSupport.parkNanos(wait);
                    }
                    s.send(b + 1, IngestBench.batch(b + 1, node, null));
                }
            }, Thread::startVirtualThread));
        }
        CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(10, TimeUnit.MINUTES);
        for (TracingSender s : senders) {
            s.drain();
        }
        double took = (System.nanoTime() - start) / 1e9;
        double accepted = server.metric("switchboard_tracing_items_accepted_total", null);
        double backlog = accepted - server.metric("switchboard_history_indexed_total", null)
                - server.metric("switchboard_history_lost_total", null);
        Histogram latency = new Histogram(600_000_000_000L, 3);
        long refusals = 0;
        long acked = 0;
        for (TracingSender s : senders) {
            latency.add(s.ackLatency);
            refusals += s.refusals.get();
            acked += s.accepted.get();
            s.close();
        }
        if (accepted - acceptedBefore < acked) {
            throw new IllegalStateException(acked + " acknowledged but the server counted " + (accepted - acceptedBefore));
        }
        return new Step(rate, acked / took, refusals / took, latency, backlog);
    }

    /** Waits until history holds everything accepted (indexed, or counted lost). */
    private static void caughtUp(ServerProcess server) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
        while (System.nanoTime() < deadline) {
            double accepted = server.metric("switchboard_tracing_items_accepted_total", null);
            double done = server.metric("switchboard_history_indexed_total", null) + server.metric("switchboard_history_lost_total", null);
            if (done >= accepted) {
                return;
            }
            LockSupport.parkNanos(500_000_000);
        }
        throw new IllegalStateException("history did not catch up within 10 minutes");
    }
}
