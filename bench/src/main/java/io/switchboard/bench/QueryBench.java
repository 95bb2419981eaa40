package io.switchboard.bench;

import com.hazelcast.core.HazelcastInstance;
import io.switchboard.common.buffer.TraceRings;
import io.switchboard.common.model.Level;
import io.switchboard.common.model.LogEvent;
import io.switchboard.embedded.EmbeddedElasticsearch;
import io.switchboard.query.ElasticsearchConfig;
import io.switchboard.query.HistoryConfig;
import io.switchboard.query.HistoryStore;
import io.switchboard.query.QueryService;
import io.switchboard.testsupport.ServiceHarness;
import io.switchboard.testsupport.TestHazelcast;
import io.switchboard.testsupport.Tokens;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * History: the sustained indexing rate of one million events from the trace buffer into an Elasticsearch node in this
 * JVM, then p50 / p99 of a filtered full-text search over them through GET /api/v1/logs.
 */
final class QueryBench {
    private static final int EVENTS = 1_000_000;
    private static final int SHARDS = 8;
    private static final String[] WORDS = ("order payment timeout stock refund customer invoice shipment retry cache "
            + "database latency checkout cart price discount coupon address warehouse carrier token session login "
            + "logout profile search index query result page limit error warning accepted declined pending").split(" ");
    private static final String[] SERVICES = {"gateway", "orders", "payments", "inventory", "shipping", "users",
            "search", "cart", "pricing", "notifications"};

    private QueryBench() {
    }

    static void run() {
        System.out.println("== query");
        Path dir;
        try {
            dir = Files.createTempDirectory("switchboard-bench-es");
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        try (TestHazelcast cluster = new TestHazelcast(); EmbeddedElasticsearch es = EmbeddedElasticsearch.start(dir, "bench", 0)) {
            HazelcastInstance hz = cluster.member();
            TraceRings.configureSlots(hz, SHARDS, EVENTS + 8_000);
            fill(hz);
            try (ServiceHarness harness = new ServiceHarness();
                 HistoryStore store = new HistoryStore(harness.vertx(), new ElasticsearchConfig(List.of(URI.create(es.httpUrl())), null, null))) {
                long start = System.nanoTime();
                harness.serve(vertx -> List.of(new QueryService(vertx, store, hz, new HistoryConfig(true, 5_000, 8L << 20, SHARDS, 0,
                        Duration.ofDays(7)), Tokens.verifier(), harness.registry())));
                var indexed = harness.registry().get("switchboard.history.indexed").counter();
                long lastPrint = System.nanoTime();
                long at10 = 0;
                long at90 = 0;
                while (indexed.count() < EVENTS) {
                    sleep(200);
                    if (at10 == 0 && indexed.count() >= EVENTS / 10) {
                        at10 = System.nanoTime();
                    }
                    if (at90 == 0 && indexed.count() >= EVENTS * 9 / 10) {
                        at90 = System.nanoTime();
                    }
                    if (System.nanoTime() - lastPrint > 15_000_000_000L) {
                        System.out.printf("  ... %,.0f indexed%n", indexed.count());
                        lastPrint = System.nanoTime();
                    }
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                System.out.printf("  indexing: %,d events in %.1f s = %,.0f events/s overall (start-up included); sustained "
                        + "(from 10%% to 90%% indexed) %,.0f events/s; into one embedded node in this JVM%n",
                        EVENTS, seconds, EVENTS / seconds, EVENTS * 0.8 / ((at90 - at10) / 1e9));
                store.client().indices().refresh(r -> r.index("switchboard-events-*")).get();
                search(harness);
            }
        } catch (Exception e) {
            throw new IllegalStateException("the query benchmark failed: " + e, e);
        }
    }

    private static void fill(HazelcastInstance hz) {
        Random random = new Random(42);
        long now = System.currentTimeMillis() * 1_000;
        BufferFill.fill(hz, SHARDS, EVENTS, i -> {
            StringBuilder message = new StringBuilder();
            for (int w = 0; w < 8; w++) {
                message.append(w == 0 ? "" : " ").append(WORDS[random.nextInt(WORDS.length)]);
            }
            Level level = Level.values()[random.nextInt(Level.values().length)];
            String service = SERVICES[random.nextInt(SERVICES.length)];
            return new LogEvent("bench", Long.toHexString(random.nextLong() | 1) + Long.toHexString(random.nextLong() | 1),
                    now - (long) random.nextInt(3_600_000) * 1_000, service, service + "-" + random.nextInt(5), "prod", level,
                    "bench." + service, message.toString(), null, null, Map.of("order", Integer.toString(random.nextInt(10_000))));
        });
        System.out.printf("  (%,d events written to the trace buffer)%n", EVENTS);
    }

    private static void search(ServiceHarness harness) throws Exception {
        HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        String token = Tokens.operator("bench");
        Random random = new Random(7);
        Histogram h = new Histogram(TimeUnit.SECONDS.toNanos(30), 3);
        for (int i = 0; i < 1_200; i++) {
            String q = WORDS[random.nextInt(WORDS.length)] + "+" + WORDS[random.nextInt(WORDS.length)];
            String url = harness.url("/api/v1/logs?q=" + q + "&service=" + SERVICES[random.nextInt(SERVICES.length)]
                    + "&level=warn&since=2h&limit=100");
            long t0 = System.nanoTime();
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + token).build(),
                    HttpResponse.BodyHandlers.ofString());
            long elapsed = System.nanoTime() - t0;
            if (response.statusCode() != 200) {
                throw new IllegalStateException("search failed: " + response.statusCode() + " " + response.body());
            }
            if (i >= 200) {
                h.recordValue(elapsed);
            }
        }
        System.out.printf("  filtered full-text search over %,d events (q of two words, service, level >= warn, 2 h, 100 results; "
                + "1,000 requests after 200 warm-up): p50 %.1f ms, p99 %.1f ms%n", EVENTS,
                h.getValueAtPercentile(50) / 1e6, h.getValueAtPercentile(99) / 1e6);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
