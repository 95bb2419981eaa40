package io.switchboard.bench;

import io.switchboard.common.auth.DevTokens;
import io.switchboard.common.auth.Role;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * Ingest as an outside client sees it: logs sent over {@code /v1/tracing} in batches of 500 with 8 unacknowledged,
 * counting what is acknowledged per second, first on one connection and then on eight; then a sustained 15,000
 * events a second, timing how long after its ack a batch is found by {@code GET /api/v1/logs}. The tenant's
 * event-rate quotas are lifted for the run (they would otherwise cap it at 10,000 a second, which is their point).
 */
final class IngestBench {
    static final int BATCH = 500;

    private IngestBench() {
    }

    static void run(Path work) throws Exception {
        System.out.println("== ingest: logs acknowledged per second (batches of 500, 8 in flight), and searchable after the ack");
        System.out.println("  (quota.events-per-second and quota.bytes-per-second set to 0, no limit, for this run)");
        // First the tracing service's own rate: with the history indexer off, nothing else works beside it, as in a
        // deployment where Elasticsearch and the indexer have machines of their own.
        try (ServerProcess server = new ServerProcess(work.resolve("ingest-alone"), "2g", Map.of(
                "SWITCHBOARD_QUOTA_EVENTS_PER_SECOND", "0", "SWITCHBOARD_QUOTA_BYTES_PER_SECOND", "0",
                "SWITCHBOARD_INDEXER_ENABLED", "false"))) {
            System.out.printf("  standalone with indexer.enabled=false started in %.1f s (pid %d)%n", server.start().toMillis() / 1e3,
                    server.pid());
            String token = DevTokens.issue(DevTokens.DEV_SECRET, "ingest", Role.CLIENT, Duration.ofHours(1), Instant.now());
            // Warm the server's hot paths first (its JIT needs a few hundred thousand events on 2 cores).
            blast(server, token, 2, 200_000, false);
            blast(server, token, 1, 200_000, true);
            blast(server, token, 8, 400_000, true);
        }
        // Then all of standalone at once: Elasticsearch indexes on the same two cores while the events arrive.
        try (ServerProcess server = new ServerProcess(work.resolve("ingest"), "2g", Map.of(
                "SWITCHBOARD_QUOTA_EVENTS_PER_SECOND", "0", "SWITCHBOARD_QUOTA_BYTES_PER_SECOND", "0"))) {
            System.out.printf("  standalone (indexing into its Elasticsearch meanwhile) started in %.1f s (pid %d)%n",
                    server.start().toMillis() / 1e3, server.pid());
            String token = DevTokens.issue(DevTokens.DEV_SECRET, "ingest", Role.CLIENT, Duration.ofHours(1), Instant.now());
            blast(server, token, 2, 100_000, false);
            blast(server, token, 1, 200_000, true);
            blast(server, token, 8, 400_000, true);
            indexed(server);
            searchable(server, token, 15_000, 30);
        }
    }

    /** Sends {@code total} logs over {@code connections} connections as fast as acks allow; prints the rate. */
    private static void blast(ServerProcess server, String token, int connections, int total, boolean print) throws Exception {
        int batchesPerConnection = total / connections / BATCH;
        List<List<String>> frames = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            List<String> mine = new ArrayList<>();
            for (int b = 0; b < batchesPerConnection; b++) {
                mine.add(batch(b + 1, "conn-" + c, null));
            }
            frames.add(mine);
        }
        List<TracingSender> senders = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            senders.add(new TracingSender(server, token));
        }
        double cpuBefore = server.cpuSeconds();
        double selfBefore = ServerProcess.cpuSecondsOf("self");
        long start = System.nanoTime();
        List<CompletableFuture<Void>> done = new ArrayList<>();
        for (int c = 0; c < connections; c++) {
            TracingSender s = senders.get(c);
            List<String> mine = frames.get(c);
            done.add(CompletableFuture.runAsync(() -> {
                for (int b = 0; b < mine.size(); b++) {
                    s.send(b + 1, mine.get(b));
                }
            }, Thread::startVirtualThread));
        }
        CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(10, TimeUnit.MINUTES);
        for (TracingSender s : senders) {
            s.drain();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        double cpu = server.cpuSeconds() - cpuBefore;
        double self = ServerProcess.cpuSecondsOf("self") - selfBefore;
        long acked = senders.stream().mapToLong(s -> s.accepted.get()).sum();
        senders.forEach(TracingSender::close);
        int sent = batchesPerConnection * BATCH * connections;
        if (acked != sent) {
            throw new IllegalStateException(sent + " logs sent but " + acked + " acknowledged as accepted");
        }
        if (print) {
            System.out.printf("  %d connection%s: %,d logs acknowledged in %.2f s = %,.0f events/s; server CPU %.3f s per 1,000 events"
                            + " (load generator %.3f s)%n", connections, connections == 1 ? "" : "s", acked, seconds, acked / seconds,
                    cpu * 1000 / acked, self * 1000 / acked);
        }
    }

    /**
     * Sends {@code rate} logs a second for {@code seconds} on one connection; one batch a second carries a marker
     * word, and a poller searches for each marker until found. Prints the time from a marked batch's ack until the
     * search finds it.
     */
    private static void searchable(ServerProcess server, String token, int rate, int seconds) throws Exception {
        String operator = DevTokens.issue(DevTokens.DEV_SECRET, "ingest", Role.OPERATOR, Duration.ofHours(1), Instant.now());
        TracingSender sender = new TracingSender(server, token);
        Map<String, Long> ackedAt = new ConcurrentHashMap<>();
        Histogram delay = new Histogram(600_000_000_000L, 3);
        int batchesPerSecond = rate / BATCH;
        int total = batchesPerSecond * seconds;
        long gap = 1_000_000_000L / batchesPerSecond;
        List<String> markers = new ArrayList<>();
        Thread poller = Thread.ofVirtual().start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                for (Map.Entry<String, Long> e : List.copyOf(ackedAt.entrySet())) {
                    if (found(server, operator, e.getKey())) {
                        delay.recordValue(Math.max(0, System.nanoTime() - e.getValue()));
                        ackedAt.remove(e.getKey());
                    }
                }
                LockSupport.parkNanos(100_000_000); // a search every 100 ms, as an impatient operator would
            }
        });
        double cpuBefore = server.cpuSeconds();
        double lostBefore = server.metric("switchboard_history_lost_total", null);
        long start = System.nanoTime();
        for (int b = 0; b < total; b++) {
            long due = start + b * gap;
            long wait;
            while ((wait = due - System.nanoTime()) > 0) {
                LockSupport.parkNanos(wait);
            }
            String marker = b % batchesPerSecond == 0 ? "mark" + Long.toHexString(ThreadLocalRandom.current().nextLong() >>> 1) : null;
            if (marker != null) {
                markers.add(marker);
                sender.onAck(b + 1L, () -> ackedAt.put(marker, System.nanoTime()));
            }
            sender.send(b + 1, batch(b + 1, "steady", marker));
        }
        sender.drain();
        double sentFor = (System.nanoTime() - start) / 1e9;
        double cpu = server.cpuSeconds() - cpuBefore;
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while ((!ackedAt.isEmpty() || delay.getTotalCount() < markers.size()) && System.nanoTime() < deadline) {
            LockSupport.parkNanos(50_000_000);
        }
        poller.interrupt();
        sender.close();
        long never = markers.size() - delay.getTotalCount();
        System.out.printf("  sustained %,d events/s for %.0f s on one connection (server CPU %.3f s per 1,000 events):"
                        + " searchable after the ack p50 %.2f s, p99 %.2f s, max %.2f s (%d marked batches%s)%n",
                (int) (total * BATCH / sentFor), sentFor, cpu * 1000 / ((double) total * BATCH),
                delay.getValueAtPercentile(50) / 1e9, delay.getValueAtPercentile(99) / 1e9, delay.getMaxValue() / 1e9,
                markers.size(), never == 0 ? "" : "; " + never + " never found within 2 minutes");
        System.out.printf("  of those, %,.0f overwritten in the buffer before they were indexed%n",
                server.metric("switchboard_history_lost_total", null) - lostBefore);
    }

    /**
     * Waits until history has caught up with every item the buffer accepted (indexed, or counted lost because the
     * buffer overwrote it first), and prints how long that took and what was lost.
     */
    private static void indexed(ServerProcess server) throws Exception {
        long start = System.nanoTime();
        double accepted = server.metric("switchboard_tracing_items_accepted_total", null);
        double indexed;
        double lost;
        long deadline = start + TimeUnit.MINUTES.toNanos(5);
        do {
            LockSupport.parkNanos(200_000_000);
            indexed = server.metric("switchboard_history_indexed_total", null);
            lost = server.metric("switchboard_history_lost_total", null);
        } while (indexed + lost < accepted && System.nanoTime() < deadline);
        System.out.printf("  history caught up %.1f s after the last ack: %,.0f of %,.0f accepted items indexed, %,.0f overwritten"
                + " in the buffer before they were indexed%n", (System.nanoTime() - start) / 1e9, indexed, accepted, lost);
    }

    private static boolean found(ServerProcess server, String operator, String marker) {
        try {
            String body = server.get("/api/v1/logs?since=15m&limit=1&q=" + URLEncoder.encode(marker, StandardCharsets.UTF_8), operator).body();
            return body.contains(marker);
        } catch (Exception e) {
            return false;
        }
    }

    /** A batch of 500 logs, ids fresh, timestamps now; with a marker word in its first message if given. */
    static String batch(long seq, String node, String marker) {
        StringBuilder b = new StringBuilder(BATCH * 300);
        b.append("{\"type\":\"events\",\"seq\":").append(seq).append(",\"dropped\":0,\"items\":[");
        long now = System.currentTimeMillis() * 1000;
        ThreadLocalRandom r = ThreadLocalRandom.current();
        for (int i = 0; i < BATCH; i++) {
            if (i > 0) {
                b.append(',');
            }
            b.append("{\"kind\":\"log\",\"id\":\"").append(hex(r.nextLong())).append(hex(r.nextLong()))
                    .append("\",\"timestamp\":").append(now + i).append(",\"service\":\"svc").append(i % 20)
                    .append("\",\"node\":\"").append(node).append("\",\"environment\":\"prod\",\"level\":\"")
                    .append(i % 50 == 0 ? "warn" : "info").append("\",\"category\":\"io.example.Orders\",\"message\":\"order ")
                    .append(seq * BATCH + i).append(" accepted for customer ").append(r.nextInt(100_000));
            if (marker != null && i == 0) {
                b.append(' ').append(marker);
            }
            b.append("\",\"traceId\":\"").append(hex(r.nextLong() | 1)).append(hex(r.nextLong())).append("\"}");
        }
        return b.append("]}").toString();
    }

    private static String hex(long v) {
        String h = Long.toHexString(v);
        return "0".repeat(16 - h.length()) + h;
    }
}
