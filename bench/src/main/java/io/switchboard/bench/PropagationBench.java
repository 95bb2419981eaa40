package io.switchboard.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.common.codec.Json;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * How soon a change reaches a subscriber, as an outside client sees it: 20 connections each register 200 nodes, 2 ms
 * apart (10,000 registrations a second in all, for 0.4 s), while another connection subscribes to everything; then
 * they deregister them the same way. The
 * time from sending {@code register} (or {@code deregister}) to the subscriber receiving the {@code changes} frame
 * that carries it, p50 and p99. The server is measured from when it is ready: a first round on a new tenant, rounds
 * on that tenant ({@code bench.rounds}), then rounds each on a new tenant ({@code bench.new-tenant-rounds}), with
 * every round's p99 and the worst from the 4th on. Against standalone, or {@code ./switchboard cluster} with
 * {@code -Dbench.propagation.target=cluster}. Beside it, the same load on etcd (put and delete, one watcher), when
 * installed.
 */
final class PropagationBench {
    static final int CONNECTIONS = 20;
    static final int NODES_PER_CONNECTION = Integer.getInteger("bench.nodes", 200);
    /** Between two registrations of one connection; the connections are staggered within it. */
    static final long GAP_NANOS = 2_000_000;

    private PropagationBench() {
    }

    static void run(Path work) throws Exception {
        System.out.println("== propagation: register/deregister -> subscriber (20 connections x 200 nodes, each 2 ms apart: 10,000/s)");
        // -Dbench.propagation.target=cluster runs it against ./switchboard cluster (through its gateway) instead.
        boolean cluster = "cluster".equals(System.getProperty("bench.propagation.target", "standalone"));
        try (ServerProcess server = new ServerProcess(work.resolve("propagation"), "1g",
                Map.of("SWITCHBOARD_QUOTA_NODES", "0"), cluster)) {
            System.out.printf("  %s started and ready in %.1f s (pid %d)%n", server.what(), server.start().toMillis() / 1e3,
                    server.pid());
            double cpuAtStart = server.cpuSeconds();
            String warmUp = server.startupLine("warm-up");
            System.out.println("  " + (warmUp == null ? "warm-up: in each replica's log" : warmUp.trim())
                    + String.format("; server CPU to ready %.1f s", cpuAtStart));
            // The first round meets a server that has just become ready; the rounds after it run on the same tenant
            // (a customer's system redeploying), then some on a tenant each (a new customer's first deploy).
            int rounds = Integer.getInteger("bench.rounds", 25);
            int newTenantRounds = Integer.getInteger("bench.new-tenant-rounds", 5);
            round(server, "t0", "first round, fresh server (a new tenant)");
            StringBuilder p99s = new StringBuilder();
            Round worst = null;
            int worstAt = 0;
            for (int r = 2; r <= rounds + 1; r++) {
                boolean last = r == rounds + 1;
                Round round = round(server, "t0", last ? "round " + r + ", same tenant" : null);
                p99s.append(r == 2 ? "" : ", ").append(round);
                if (r >= 4 && (worst == null || round.p99() > worst.p99())) {
                    worst = round;
                    worstAt = r;
                }
            }
            // The server's stop-the-world collection pauses during each round (its /metrics, standalone only) are
            // shown beside the round's p99: "12.0 (GC 9)" is a round whose p99 was 12.0 ms with 9 ms of pauses.
            System.out.println("  register p99 of rounds 2-" + (rounds + 1) + " on the same tenant, in ms: " + p99s);
            if (worst != null) {
                System.out.printf("  worst register p99 from the 4th round on: %s ms (round %d)%n", worst, worstAt);
            }
            StringBuilder fresh = new StringBuilder();
            for (int r = 1; r <= newTenantRounds; r++) {
                Round round = round(server, "new" + r, r == newTenantRounds ? "a new tenant's first round, warm server" : null);
                fresh.append(r == 1 ? "" : ", ").append(round);
            }
            System.out.println("  register p99 of " + newTenantRounds + " rounds each on a new tenant, in ms: " + fresh);
        }
        EtcdPeer.propagation(work.resolve("etcd"));
    }

    /** A round's register p99 and the server's collection pauses meanwhile, in milliseconds. */
    private record Round(double p99, double gcPauseMillis) {
        @Override
        public String toString() {
            return String.format("%.1f", p99) + (gcPauseMillis >= 0.5 ? String.format(" (GC %.0f)", gcPauseMillis) : "");
        }
    }

    /** The server's collection pauses so far, in milliseconds (0 where its /metrics is not on the public port). */
    private static double gcPauseMillis(ServerProcess server) throws Exception {
        return server.metric("jvm_gc_pause_seconds_sum", null) * 1e3;
    }

    /** One round on the given tenant: registrations, then deregistrations, each timed at the subscriber. */
    private static Round round(ServerProcess server, String tenant, String label) throws Exception {
        String client = io.switchboard.common.auth.DevTokens.issue(server.secret(), tenant,
                io.switchboard.common.auth.Role.CLIENT, java.time.Duration.ofHours(1), java.time.Instant.now());
        Map<String, Long> sentUp = new ConcurrentHashMap<>();
        Map<String, Long> sentDown = new ConcurrentHashMap<>();
        Histogram up = new Histogram(60_000_000_000L, 3);
        Histogram down = new Histogram(60_000_000_000L, 3);
        int total = CONNECTIONS * NODES_PER_CONNECTION;
        CountDownLatch upserted = new CountDownLatch(total);
        CountDownLatch removed = new CountDownLatch(total);
        int[] snapshots = new int[1];
        // In a cluster, the subscriber is on the first discovery replica and the registrations alternate between the
        // two: half of the changes cross from one member to the other.
        Ws subscriber = Ws.open(server.ws("discovery-1", "/v1/discovery"), client, (text, nanos) -> {
            boolean snapshot = text.contains("\"snapshot\"");
            if (!text.contains("\"changes\"") && !snapshot) {
                return;
            }
            JsonNode frame = Json.parse(text);
            if (snapshot) {
                // A subscriber that fell too far behind gets the whole view instead of the changes it missed.
                snapshots[0]++;
                java.util.Set<String> present = new java.util.HashSet<>();
                frame.path("nodes").forEach(n -> present.add(n.path("id").asText()));
                for (String id : java.util.List.copyOf(sentUp.keySet())) {
                    Long sent = present.contains(id) ? sentUp.remove(id) : null;
                    if (sent != null) {
                        up.recordValue(nanos - sent);
                        upserted.countDown();
                    }
                }
                for (String id : java.util.List.copyOf(sentDown.keySet())) {
                    Long sent = present.contains(id) ? null : sentDown.remove(id);
                    if (sent != null) {
                        down.recordValue(nanos - sent);
                        removed.countDown();
                    }
                }
                return;
            }
            for (JsonNode n : frame.path("upserted")) {
                Long sent = sentUp.remove(n.path("id").asText());
                if (sent != null) {
                    up.recordValue(nanos - sent);
                    upserted.countDown();
                }
            }
            for (JsonNode n : frame.path("removed")) {
                Long sent = sentDown.remove(n.path("id").asText());
                if (sent != null) {
                    down.recordValue(nanos - sent);
                    removed.countDown();
                }
            }
        });
        subscriber.send("{\"type\":\"subscribe\",\"id\":\"all\"}");
        double cpuBefore = server.cpuSeconds();
        double gcBefore = gcPauseMillis(server);
        long wallBefore = System.nanoTime();
        List<Ws> senders = new ArrayList<>();
        for (int c = 0; c < CONNECTIONS; c++) {
            senders.add(Ws.open(server.ws("discovery-" + (c % 2 + 1), "/v1/discovery"), client, Ws.ignore()));
        }
        paced(total, i -> {
            String id = "n-" + (i % CONNECTIONS) + "-" + (i / CONNECTIONS);
            String frame = "{\"type\":\"register\",\"ttl\":120,\"node\":{\"id\":\"" + id + "\",\"service\":\"svc" + (i % 40)
                    + "\",\"version\":\"1.0.0\",\"address\":\"10.0." + (i % CONNECTIONS) + "." + (i / CONNECTIONS)
                    + ":8080\",\"environment\":\"prod\"}}";
            sentUp.put(id, System.nanoTime());
            senders.get(i % CONNECTIONS).send(frame);
        });
        if (!upserted.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException(upserted.getCount() + " registrations never reached the subscriber");
        }
        paced(total, i -> {
            String id = "n-" + (i % CONNECTIONS) + "-" + (i / CONNECTIONS);
            sentDown.put(id, System.nanoTime());
            senders.get(i % CONNECTIONS).send("{\"type\":\"deregister\",\"id\":\"" + id + "\"}");
        });
        if (!removed.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException(removed.getCount() + " deregistrations never reached the subscriber");
        }
        double cpu = server.cpuSeconds() - cpuBefore;
        double gc = gcPauseMillis(server) - gcBefore;
        double wall = (System.nanoTime() - wallBefore) / 1e9;
        senders.forEach(Ws::close);
        subscriber.close();
        if (label != null) {
            System.out.printf("  %s: server CPU %.2f s over %.2f s = %.3f s per 1,000 registrations and deregistrations%s%n",
                    label, cpu, wall, cpu * 1000 / (2.0 * total),
                    snapshots[0] > 1 ? " (the subscriber fell behind; " + (snapshots[0] - 1) + " fresh snapshots)" : "");
            System.out.printf("    switchboard  register -> subscriber   p50 %6.2f ms   p99 %6.2f ms   max %6.2f ms%n",
                    ms(up, 50), ms(up, 99), up.getMaxValue() / 1e6);
            System.out.printf("    switchboard  deregister -> subscriber p50 %6.2f ms   p99 %6.2f ms   max %6.2f ms%n",
                    ms(down, 50), ms(down, 99), down.getMaxValue() / 1e6);
        }
        return new Round(ms(up, 99), gc);
    }

    /**
     * Runs {@code action(i)} for i from 0 to n - 1: the i-th is the (i / 20)-th of connection i % 20, each connection
     * every 2 ms, the connections evenly staggered.
     */
    static void paced(int n, java.util.function.IntConsumer action) {
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            long due = start + (i / CONNECTIONS) * GAP_NANOS + (i % CONNECTIONS) * (GAP_NANOS / CONNECTIONS);
            long wait;
            while ((wait = due - System.nanoTime()) > 0) {
                LockSupport.parkNanos(wait);
            }
            action.accept(i);
        }
    }

    static double ms(Histogram h, double percentile) {
        return h.getValueAtPercentile(percentile) / 1e6;
    }
}
