package io.switchboard.bench;

import io.switchboard.client.Switchboard;
import io.switchboard.client.SwitchboardOptions;
import io.switchboard.common.model.Level;
import io.switchboard.discovery.DiscoveryConfig;
import io.switchboard.discovery.DiscoveryService;
import io.switchboard.testsupport.ServiceHarness;
import io.switchboard.testsupport.TestHazelcast;
import io.switchboard.testsupport.Tokens;
import io.switchboard.tracing.TracingConfig;
import io.switchboard.tracing.TracingService;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Tracing: events per second from the Java client to acknowledged-in-buffer with 1 and with 8 connections, and the
 * cost of one log call in the application thread while the server is down.
 */
final class TracingBench {
    private static final int EVENTS_PER_CLIENT = 200_000;

    private TracingBench() {
    }

    static void run() {
        System.out.println("== tracing");
        logCallCost();
        try (TestHazelcast cluster = new TestHazelcast()) {
            var member = cluster.member();
            try (ServiceHarness harness = new ServiceHarness()) {
                harness.serve(vertx -> List.of(
                        new DiscoveryService(vertx, ServiceHarness.LIMITS, DiscoveryConfig.DEFAULT, member, Tokens.verifier(), harness.registry()),
                        new TracingService(vertx, ServiceHarness.LIMITS, TracingConfig.DEFAULT.withSlots((1 << 22) / 8, 8).withQuotas(TracingConfig.Quotas.NONE), member,
                                Tokens.verifier(), harness.registry())));
                URI base = URI.create("ws://127.0.0.1:" + harness.port());
                throughput(base, 8, "warm-up", 50_000);
                throughput(base, 1, "warm-up", 100_000);
                throughput(base, 1, "1 connection", EVENTS_PER_CLIENT);
                throughput(base, 8, "8 connections", EVENTS_PER_CLIENT / 4);
            }
        }
    }

    private static void throughput(URI base, int clients, String label, int perClient) {
        List<Switchboard> sbs = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            sbs.add(Switchboard.connect(base, Tokens.client("bench"), SwitchboardOptions.defaults()
                    .withIdentity("bench", "prod", "bench-" + c).withBuffer(perClient, Duration.ofMillis(100))));
        }
        long start = System.nanoTime();
        List<Thread> threads = new ArrayList<>();
        for (Switchboard sb : sbs) {
            Thread t = Thread.ofPlatform().start(() -> {
                Map<String, String> attrs = Map.of("order", "42");
                for (int i = 0; i < perClient; i++) {
                    sb.tracing().log(Level.INFO, "bench.Orders", "order placed", attrs);
                }
            });
            threads.add(t);
        }
        try {
            for (Thread t : threads) {
                t.join();
            }
            for (Switchboard sb : sbs) {
                sb.tracing().flush(Duration.ofMinutes(2)).get(3, TimeUnit.MINUTES);
            }
        } catch (Exception e) {
            throw new IllegalStateException("the benchmark did not finish: " + e, e);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long total = (long) perClient * clients;
        long dropped = sbs.stream().mapToLong(sb -> sb.tracing().dropped()).sum();
        if (!"warm-up".equals(label)) {
            System.out.printf("  client -> acknowledged in buffer (%s): %,d events in %.2f s = %,.0f events/s (dropped %d)%n",
                    label, total, seconds, total / seconds, dropped);
        }
        sbs.forEach(Switchboard::close);
    }

    private static void logCallCost() {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        try (Switchboard sb = Switchboard.connect(URI.create("ws://127.0.0.1:" + port), Tokens.client("bench"),
                SwitchboardOptions.defaults().withIdentity("bench", "prod", "bench-0"))) {
            Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(1), 3);
            Map<String, String> attrs = Map.of("order", "42");
            for (int round = 0; round < 2; round++) {
                h.reset();
                for (int i = 0; i < 500_000; i++) {
                    long t0 = System.nanoTime();
                    sb.tracing().log(Level.INFO, "bench.Orders", "order placed", attrs);
                    h.recordValue(System.nanoTime() - t0);
                }
            }
            System.out.printf("  log call with the server down (500,000 calls after 500,000 warm-up): p50 %.2f µs, p99 %.2f µs, "
                    + "p99.9 %.2f µs; dropped %,d (buffer 10,000)%n", h.getValueAtPercentile(50) / 1e3,
                    h.getValueAtPercentile(99) / 1e3, h.getValueAtPercentile(99.9) / 1e3, sb.tracing().dropped());
        }
    }
}
