package io.switchboard.bench;

import com.hazelcast.core.HazelcastInstance;
import io.switchboard.discovery.DiscoveryConfig;
import io.switchboard.discovery.DiscoveryService;
import io.switchboard.testsupport.ServiceHarness;
import io.switchboard.testsupport.TestHazelcast;
import io.switchboard.testsupport.Tokens;
import io.switchboard.testsupport.WsTestClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Discovery on one replica with a real Hazelcast member: registrations per second, heartbeats per second, and the
 * time from {@code register} to a subscriber seeing it, unloaded (p50, p99).
 */
final class DiscoveryBench {
    private static final int CONNECTIONS = 50;
    private static final int NODES_PER_CONNECTION = 200;

    private DiscoveryBench() {
    }

    static void run() {
        System.out.println("== discovery");
        try (TestHazelcast cluster = new TestHazelcast()) {
            HazelcastInstance member = cluster.member();
            DiscoveryConfig config = new DiscoveryConfig(Duration.ofSeconds(120), Duration.ofSeconds(5), Duration.ofSeconds(300),
                    NODES_PER_CONNECTION, 8, Duration.ofMillis(2), 100_000, Duration.ofSeconds(60));
            try (ServiceHarness harness = new ServiceHarness()) {
                harness.serve(vertx -> List.of(new DiscoveryService(vertx, ServiceHarness.LIMITS, config, member,
                        Tokens.verifier(), harness.registry())));
                latency(harness, 200, "warm-up");
                registrations(harness, "warm-up");
                registrations(harness, "bench");
                latency(harness, 2_000, "unloaded");
            }
        }
    }

    /** Registers and heartbeats 10,000 nodes; the first call (tenant warm-up) lets the JIT compile the paths. */
    private static void registrations(ServiceHarness harness, String tenant) {
        boolean print = !"warm-up".equals(tenant);
        List<WsTestClient> clients = new ArrayList<>();
        for (int c = 0; c < CONNECTIONS; c++) {
            clients.add(WsTestClient.open(harness.vertx(), harness.port(), DiscoveryService.PATH, Tokens.client(tenant)));
        }
        int total = CONNECTIONS * NODES_PER_CONNECTION;
        List<List<String>> frames = new ArrayList<>();
        for (int c = 0; c < CONNECTIONS; c++) {
            List<String> mine = new ArrayList<>();
            for (int n = 0; n < NODES_PER_CONNECTION; n++) {
                mine.add(register("r-" + c + "-" + n, "svc" + (n % 20), "10." + c + ".0." + n + ":80"));
            }
            frames.add(mine);
        }
        long start = System.nanoTime();
        for (int c = 0; c < CONNECTIONS; c++) {
            clients.get(c).sendAllNoWait(frames.get(c));
        }
        for (WsTestClient c : clients) {
            for (int n = 0; n < NODES_PER_CONNECTION; n++) {
                c.next("registered");
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (print) System.out.printf("  registrations: %,d nodes from %d connections in %.2f s = %,.0f registrations/s%n",
                total, CONNECTIONS, seconds, total / seconds);

        int rounds = 50;
        StringBuilder ids = new StringBuilder();
        List<String> beatFrames = new ArrayList<>();
        for (int c = 0; c < CONNECTIONS; c++) {
            ids.setLength(0);
            for (int n = 0; n < NODES_PER_CONNECTION; n++) {
                ids.append(n == 0 ? "" : ",").append("\"r-").append(c).append('-').append(n).append('"');
            }
            beatFrames.add("{\"type\":\"heartbeat\",\"ids\":[" + ids + "]}");
        }
        start = System.nanoTime();
        for (int c = 0; c < CONNECTIONS; c++) {
            clients.get(c).sendAllNoWait(java.util.Collections.nCopies(rounds, beatFrames.get(c)));
        }
        // A heartbeat naming an unknown id is answered; it follows the others, so its answer means all were handled.
        for (WsTestClient c : clients) {
            c.sendNoWait("{\"type\":\"heartbeat\",\"ids\":[\"barrier\"]}");
        }
        for (WsTestClient c : clients) {
            c.next("reregister");
        }
        seconds = (System.nanoTime() - start) / 1e9;
        long beats = (long) rounds * total;
        if (print) System.out.printf("  heartbeats:    %,d node heartbeats in %,d frames in %.2f s = %,.0f heartbeats/s%n",
                beats, rounds * CONNECTIONS, seconds, beats / seconds);
        clients.forEach(WsTestClient::close);
    }

    private static void latency(ServiceHarness harness, int samples, String label) {
        try (WsTestClient sub = WsTestClient.open(harness.vertx(), harness.port(), DiscoveryService.PATH, Tokens.client("lat-" + label));
             WsTestClient node = WsTestClient.open(harness.vertx(), harness.port(), DiscoveryService.PATH, Tokens.client("lat-" + label))) {
            sub.send("{\"type\":\"subscribe\",\"id\":\"all\"}");
            sub.next("snapshot");
            Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(10), 3);
            for (int i = 0; i < samples; i++) {
                String id = "lat-" + i;
                long start = System.nanoTime();
                node.sendNoWait(register(id, "latency", "h:" + i));
                sub.next(f -> f.toString().contains("\"" + id + "\""));
                h.recordValue(System.nanoTime() - start);
                node.next("registered");
                node.sendNoWait("{\"type\":\"deregister\",\"id\":\"" + id + "\"}");
                node.next("deregistered");
            }
            if (!"warm-up".equals(label)) {
                System.out.printf("  register -> subscriber sees it (%s, %d samples): p50 %.2f ms, p99 %.2f ms, max %.2f ms%n",
                        label, samples, h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(99) / 1e6, h.getMaxValue() / 1e6);
            }
        }
    }

    private static String register(String id, String service, String address) {
        return "{\"type\":\"register\",\"ttl\":120,\"node\":{\"id\":\"" + id + "\",\"service\":\"" + service
                + "\",\"version\":\"1.0.0\",\"address\":\"" + address + "\",\"environment\":\"prod\"}}";
    }
}
