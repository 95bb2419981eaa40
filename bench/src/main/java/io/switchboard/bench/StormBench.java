package io.switchboard.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.common.auth.DevTokens;
import io.switchboard.common.auth.Role;
import io.switchboard.common.codec.Json;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The reconnect storm: 1,000 connections hold 5 nodes each (5,000 in all) and 10 more subscribe to everything; the
 * server is restarted (a full restart of standalone, so the registry is rebuilt from what clients send again), and
 * the 1,010 connections come back within one second of it serving, each registering its nodes again. Reported:
 * the time from the first reconnect until every subscriber's view holds all 5,000 nodes, and the server's peak heap
 * meanwhile (its /metrics, read every 100 ms).
 */
final class StormBench {
    static final int CONNECTIONS = 1_000;
    static final int NODES_PER_CONNECTION = 5;
    static final int SUBSCRIBERS = 10;

    private StormBench() {
    }

    static void run(Path work) throws Exception {
        System.out.printf("== reconnect storm: %,d nodes on %,d connections and %d subscribers come back within 1 s of a restart%n",
                CONNECTIONS * NODES_PER_CONNECTION, CONNECTIONS, SUBSCRIBERS);
        try (ServerProcess server = new ServerProcess(work.resolve("storm"), "1g", Map.of())) {
            System.out.printf("  standalone started in %.1f s (pid %d)%n", server.start().toMillis() / 1e3, server.pid());
            String token = DevTokens.issue(DevTokens.DEV_SECRET, "storm", Role.CLIENT, Duration.ofHours(1), Instant.now());
            // Before: everyone connected and registered, at an easy pace.
            Storm before = storm(server, token, Duration.ofSeconds(5));
            System.out.printf("  before the restart: %,d nodes registered, every subscriber's view whole %.2f s after the first connect%n",
                    CONNECTIONS * NODES_PER_CONNECTION, before.wholeAfter / 1e9);
            server.stop();
            before.connections.forEach(Ws::abort);
            System.out.printf("  restarted in %.1f s%n", server.start().toMillis() / 1e3);
            Storm after = storm(server, token, Duration.ofSeconds(1));
            System.out.printf("  after: every subscriber's view whole %.2f s after the first reconnect; %d connections refused and retried;"
                            + " peak heap %,d MiB (of %,d), server CPU %.2f s%n", after.wholeAfter / 1e9, after.refused.get(),
                    after.peakHeap / (1 << 20), (long) server.metric("jvm_memory_max_bytes", "area=\"heap\"") / (1 << 20), after.cpu);
            after.connections.forEach(Ws::close);
        }
    }

    /** What one storm took. */
    private record Storm(List<Ws> connections, long wholeAfter, long peakHeap, double cpu, AtomicLong refused) {
    }

    /** Connects everyone within {@code spread}, each at a random moment of it, and waits until every view is whole. */
    private static Storm storm(ServerProcess server, String token, Duration spread) throws Exception {
        int total = CONNECTIONS * NODES_PER_CONNECTION;
        List<Set<String>> views = new ArrayList<>();
        AtomicLong refused = new AtomicLong();
        double cpuBefore = server.cpuSeconds();
        long start = System.nanoTime();
        List<CompletableFuture<Ws>> opening = new ArrayList<>();
        for (int s = 0; s < SUBSCRIBERS; s++) {
            Set<String> view = ConcurrentHashMap.newKeySet();
            views.add(view);
            opening.add(at(start, spread, refused, () -> {
                Ws ws = Ws.open(server.ws("/v1/discovery"), token, (text, nanos) -> apply(view, text));
                ws.send("{\"type\":\"subscribe\",\"id\":\"all\"}");
                return ws;
            }));
        }
        for (int c = 0; c < CONNECTIONS; c++) {
            int conn = c;
            opening.add(at(start, spread, refused, () -> {
                Ws ws = Ws.open(server.ws("/v1/discovery"), token, Ws.ignore());
                for (int n = 0; n < NODES_PER_CONNECTION; n++) {
                    ws.send("{\"type\":\"register\",\"ttl\":60,\"node\":{\"id\":\"n-" + conn + "-" + n + "\",\"service\":\"svc" + (conn % 50)
                            + "\",\"version\":\"1.0.0\",\"address\":\"10." + (conn / 250) + "." + (conn % 250) + "." + n
                            + ":8080\",\"environment\":\"prod\"}}");
                }
                return ws;
            }));
        }
        long peak = 0;
        long deadline = start + TimeUnit.MINUTES.toNanos(3);
        while (!views.stream().allMatch(v -> v.size() == total)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("after 3 minutes the subscribers saw " + views.stream().map(Set::size).toList()
                        + " of " + total + " nodes");
            }
            peak = Math.max(peak, (long) server.metric("jvm_memory_used_bytes", "area=\"heap\""));
            LockSupport.parkNanos(100_000_000);
        }
        long whole = System.nanoTime() - start;
        peak = Math.max(peak, (long) server.metric("jvm_memory_used_bytes", "area=\"heap\""));
        List<Ws> connections = new ArrayList<>();
        for (CompletableFuture<Ws> f : opening) {
            connections.add(f.get(1, TimeUnit.MINUTES));
        }
        return new Storm(connections, whole, peak, server.cpuSeconds() - cpuBefore, refused);
    }

    /** Opens a connection at a random moment within {@code spread} of {@code start}; a refused one tries again after 1 s. */
    private static CompletableFuture<Ws> at(long start, Duration spread, AtomicLong refused, java.util.concurrent.Callable<Ws> open) {
        long due = start + ThreadLocalRandom.current().nextLong(spread.toNanos());
        CompletableFuture<Ws> f = new CompletableFuture<>();
        Thread.startVirtualThread(() -> {
            LockSupport.parkNanos(due - System.nanoTime());
            for (int attempt = 0; ; attempt++) {
                try {
                    f.complete(open.call());
                    return;
                } catch (Exception e) {
                    refused.incrementAndGet();
                    if (attempt == 20) {
                        f.completeExceptionally(e);
                        return;
                    }
                    LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(1)); // the protocol's first reconnect backoff
                }
            }
        });
        return f;
    }

    private static void apply(Set<String> view, String text) {
        if (!text.contains("\"snapshot\"") && !text.contains("\"changes\"")) {
            return;
        }
        JsonNode frame = Json.parse(text);
        if ("snapshot".equals(frame.path("type").asText())) {
            view.clear();
            frame.path("nodes").forEach(n -> view.add(n.path("id").asText()));
            return;
        }
        frame.path("upserted").forEach(n -> view.add(n.path("id").asText()));
        frame.path("removed").forEach(n -> view.remove(n.path("id").asText()));
    }
}
