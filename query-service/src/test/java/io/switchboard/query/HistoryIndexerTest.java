package io.switchboard.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.ringbuffer.OverflowPolicy;
import io.switchboard.common.buffer.TraceRings;
import io.switchboard.common.model.Level;
import io.switchboard.common.model.LogEvent;
import io.switchboard.query.internal.EventDocuments;
import io.switchboard.testsupport.RealStores;
import io.switchboard.testsupport.ServiceHarness;
import io.switchboard.testsupport.TestElasticsearch;
import io.switchboard.testsupport.TcpProxy;
import io.switchboard.testsupport.TestHazelcast;
import io.switchboard.testsupport.WsTestClient;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The history indexer against a real Elasticsearch node and real Hazelcast rings. */
@ExtendWith(RealStores.class)
class HistoryIndexerTest {
    static final HistoryConfig CONFIG = new HistoryConfig(true, 500, 8L << 20, 4, 0, Duration.ofDays(7));

    static List<String> write(HazelcastInstance hz, String tenant, int count, long timestampMicros) {
        TraceRings rings = new TraceRings(hz, CONFIG.ringShards());
        List<String> ids = new ArrayList<>();
        List<List<String>> perRing = new ArrayList<>();
        for (int r = 0; r < rings.shards(); r++) {
            perRing.add(new ArrayList<>());
        }
        for (int i = 0; i < count; i++) {
            String id = UUID.randomUUID().toString().replace("-", "");
            ids.add(id);
            perRing.get(i % rings.shards()).add(TraceRings.encode(new LogEvent(tenant, id, timestampMicros + i, "orders",
                    "orders-1", "prod", Level.INFO, "c", "message " + i, null, null, Map.of("order", "o" + i))));
        }
        for (int r = 0; r < rings.shards(); r++) {
            if (!perRing.get(r).isEmpty()) {
                WsTestClient.await(io.vertx.core.Future.fromCompletionStage(rings.ring(r).addAllAsync(perRing.get(r), OverflowPolicy.OVERWRITE)));
            }
        }
        return ids;
    }

    static long count(HistoryStore store, String tenant) throws Exception {
        store.client().indices().refresh(r -> r.index(EventDocuments.INDEX_PATTERN).ignoreUnavailable(true)).get();
        return store.client().count(c -> c.index(EventDocuments.INDEX_PATTERN).ignoreUnavailable(true).allowNoIndices(true)
                .query(q -> q.term(t -> t.field("tenant").value(tenant)))).get().count();
    }

    static long now() {
        return System.currentTimeMillis() * 1_000;
    }

    @Test
    void indexesEveryItemOnceAndAReplayMakesNoDuplicates(TestHazelcast cluster, TestElasticsearch es) throws Exception {
        HazelcastInstance hz = cluster.member();
        TraceRings.configureSlots(hz, CONFIG.ringShards(), 40_000);
        String tenant = "idx" + UUID.randomUUID().toString().substring(0, 6);
        List<String> ids = write(hz, tenant, 1_200, now());
        try (ServiceHarness harness = new ServiceHarness();
             HistoryStore store = new HistoryStore(harness.vertx(), new ElasticsearchConfig(List.of(URI.create(es.url())), null, null))) {
            QueryService service = new QueryService(harness.vertx(), store, hz, CONFIG, io.switchboard.testsupport.Tokens.verifier(), harness.registry());
            harness.serve(vertx -> List.of(service));
            await().ignoreExceptions().atMost(Duration.ofSeconds(60)).until(() -> count(store, tenant) == ids.size());
            assertThat(harness.registry().get("switchboard.history.indexed").counter().count()).isGreaterThanOrEqualTo(ids.size());
            var doc = store.client().get(g -> g.index(EventDocuments.index(new LogEvent(tenant, ids.getFirst(), now(), "orders", null, null, Level.INFO, null, "m", null, null, null)))
                    .id(tenant + ":" + ids.getFirst()), Map.class).get();
            assertThat(doc.found()).isTrue();
            assertThat(doc.source()).containsEntry("tenant", tenant).containsEntry("levelNum", Level.INFO.ordinal());
            assertThat((List<String>) doc.source().get("attrs")).containsExactly("order=o0");

            // Forget every checkpoint: the indexer reads the whole buffer again, and nothing is counted twice.
            service.stop();
            hz.getMap(TraceRings.CHECKPOINTS).clear();
            hz.getMap(HistoryIndexer.LEASES).clear();
            QueryService again = new QueryService(harness.vertx(), store, hz, CONFIG, io.switchboard.testsupport.Tokens.verifier(),
                    new io.micrometer.core.instrument.simple.SimpleMeterRegistry());
            again.start();
            await().ignoreExceptions().atMost(Duration.ofSeconds(60)).until(() -> checkpointsCover(hz, ids.size()));
            assertThat(count(store, tenant)).isEqualTo(ids.size());
            again.stop();
        }
    }

    @Test
    void withSeveralBulkRequestsInFlightARingsCheckpointOnlyMovesForwardAndEndsAtItsLastItem(TestHazelcast cluster, TestElasticsearch es)
            throws Exception {
        HazelcastInstance hz = cluster.member();
        TraceRings.configureSlots(hz, CONFIG.ringShards(), 40_000);
        String tenant = "seq" + UUID.randomUUID().toString().substring(0, 6);
        // One busy ring, indexed in bulks of 50: 40 bulk requests, several in flight at once.
        TraceRings rings = new TraceRings(hz, CONFIG.ringShards());
        List<String> records = new ArrayList<>();
        for (int i = 0; i < 2_000; i++) {
            records.add(TraceRings.encode(new LogEvent(tenant, UUID.randomUUID().toString().replace("-", ""), now() + i, "orders",
                    "orders-1", "prod", Level.INFO, "c", "message " + i, null, null, Map.of())));
        }
        long last = -1;
        for (int from = 0; from < records.size(); from += 1_000) { // Hazelcast adds at most 1,000 at once
            last = WsTestClient.await(io.vertx.core.Future.fromCompletionStage(
                    rings.ring(0).addAllAsync(records.subList(from, from + 1_000), OverflowPolicy.OVERWRITE)));
        }
        long lastSequence = last;
        List<Long> seen = java.util.Collections.synchronizedList(new ArrayList<>());
        com.hazelcast.map.IMap<String, Long> checkpoints = hz.getMap(TraceRings.CHECKPOINTS);
        java.util.UUID listener = checkpoints.addEntryListener(
                (com.hazelcast.map.listener.EntryUpdatedListener<String, Long>) e -> seen.add(e.getValue()), TraceRings.PREFIX + 0, true);
        try (ServiceHarness harness = new ServiceHarness();
             HistoryStore store = new HistoryStore(harness.vertx(), new ElasticsearchConfig(List.of(URI.create(es.url())), null, null))) {
            QueryService service = new QueryService(harness.vertx(), store, hz, CONFIG.withBatch(50, 8L << 20),
                    io.switchboard.testsupport.Tokens.verifier(), harness.registry());
            harness.serve(vertx -> List.of(service));
            await().ignoreExceptions().atMost(Duration.ofSeconds(60)).until(() -> checkpoints.get(TraceRings.PREFIX + 0) == lastSequence);
            assertThat(count(store, tenant)).isEqualTo(records.size());
            service.stop();
        } finally {
            checkpoints.removeEntryListener(listener);
        }
        List<Long> values = List.copyOf(seen);
        assertThat(values).isSortedAccordingTo(Long::compare).contains(lastSequence);
        assertThat(values.size()).as("checkpoints written along the way").isGreaterThan(1);
    }

    private static boolean checkpointsCover(HazelcastInstance hz, int items) {
        long total = 0;
        for (int r = 0; r < CONFIG.ringShards(); r++) {
            Object cp = hz.getMap(TraceRings.CHECKPOINTS).get(TraceRings.PREFIX + r);
            total += cp == null ? 0 : (Long) cp + 1;
        }
        return total >= items;
    }

    @Test
    void afterAnElasticsearchOutageIndexingResumesWithNoLossAndNoDuplicates(TestHazelcast cluster, TestElasticsearch es) throws Exception {
        HazelcastInstance hz = cluster.member();
        TraceRings.configureSlots(hz, CONFIG.ringShards(), 40_000);
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String tenant = "outage" + UUID.randomUUID().toString().substring(0, 6);
        try (ServiceHarness harness = new ServiceHarness();
             TcpProxy proxy = new TcpProxy(harness.vertx(), URI.create(es.url()).getPort(), port);
             HistoryStore direct = new HistoryStore(harness.vertx(), new ElasticsearchConfig(List.of(URI.create(es.url())), null, null));
             HistoryStore store = new HistoryStore(harness.vertx(), new ElasticsearchConfig(List.of(URI.create("http://127.0.0.1:" + port)), null, null))) {
            harness.serve(vertx -> List.of(new QueryService(vertx, store, hz, CONFIG, io.switchboard.testsupport.Tokens.verifier(), harness.registry())));
            List<String> before = write(hz, tenant, 300, now());
            await().ignoreExceptions().atMost(Duration.ofSeconds(60)).until(() -> count(direct, tenant) == before.size());

            proxy.cut(); // Elasticsearch is unreachable for the indexer; items keep arriving in the buffer
            List<String> during = write(hz, tenant, 400, now() + 1_000);
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    harness.registry().get("switchboard.history.retries").counter().count() > 0);
            assertThat(count(direct, tenant)).isEqualTo(before.size());

            proxy.restore();
            await().ignoreExceptions().atMost(Duration.ofSeconds(90))
                    .until(() -> count(direct, tenant) == before.size() + during.size());
            assertThat(harness.registry().get("switchboard.history.lost").counter().count()).isZero();
        }
    }

    @Test
    void whatTheBufferOverwroteBeforeItWasIndexedIsCounted(TestElasticsearch es) throws Exception {
        try (TestHazelcast own = new TestHazelcast()) {
            HazelcastInstance hz = own.member();
            HistoryConfig oneRing = new HistoryConfig(true, 100, 8L << 20, 1, 0, Duration.ofDays(7));
            TraceRings.configureSlots(hz, 1, 200);
            TraceRings rings = new TraceRings(hz, 1);
            List<String> records = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                records.add(TraceRings.encode(new LogEvent("lost", UUID.randomUUID().toString().replace("-", ""), now(),
                        "orders", null, null, Level.INFO, null, "m" + i, null, null, null)));
            }
            WsTestClient.await(io.vertx.core.Future.fromCompletionStage(rings.ring(0).addAllAsync(records, OverflowPolicy.OVERWRITE)));
            hz.getMap(TraceRings.CHECKPOINTS).put(TraceRings.PREFIX + 0, -1L); // the indexer had read nothing
            try (ServiceHarness harness = new ServiceHarness();
                 HistoryStore store = new HistoryStore(harness.vertx(), new ElasticsearchConfig(List.of(URI.create(es.url())), null, null))) {
                harness.serve(vertx -> List.of(new QueryService(vertx, store, hz, oneRing, io.switchboard.testsupport.Tokens.verifier(), harness.registry())));
                await().ignoreExceptions().atMost(Duration.ofSeconds(60)).until(() -> count(store, "lost") == 200);
                assertThat(harness.registry().get("switchboard.history.lost").counter().count()).isEqualTo(300.0);

                // The tracing replica that wrote them counts them for their tenant; that tenant's operators read it here.
                new io.switchboard.common.buffer.BufferLosses(hz).add(Map.of("lost", 300L), System.currentTimeMillis());
                var mine = io.switchboard.common.codec.Json.parse(harness.get("/api/v1/losses",
                        io.switchboard.testsupport.Tokens.operator("lost")).body());
                assertThat(mine.get("lostSlots").asLong()).isEqualTo(300);
                assertThat(mine.get("lastLostAt").asText()).isNotEmpty();
                var other = io.switchboard.common.codec.Json.parse(harness.get("/api/v1/losses",
                        io.switchboard.testsupport.Tokens.operator("someone-else")).body());
                assertThat(other.get("lostSlots").asLong()).isZero();
                assertThat(other.get("lastLostAt").isNull()).isTrue();
                assertThat(harness.get("/api/v1/losses", io.switchboard.testsupport.Tokens.client("lost")).statusCode())
                        .as("operators only").isEqualTo(403);
            }
        }
    }

    @Test
    void retentionDeletesWholeDailyIndicesOlderThanTheWindow(TestElasticsearch es) throws Exception {
        try (ServiceHarness harness = new ServiceHarness();
             HistoryStore store = new HistoryStore(harness.vertx(), new ElasticsearchConfig(List.of(URI.create(es.url())), null, null))) {
            WsTestClient.await(store.installTemplate(0));
            LocalDate today = LocalDate.now(ZoneOffset.UTC);
            for (int age : new int[] {0, 6, 7, 8, 30}) {
                String index = EventDocuments.INDEX_PREFIX + today.minusDays(age).format(java.time.format.DateTimeFormatter.ofPattern("yyyy.MM.dd"));
                store.client().index(i -> i.index(index).id("retention-" + age).document(Map.of("tenant", "retention"))).get();
            }
            QueryService service = new QueryService(harness.vertx(), store, null, new HistoryConfig(false, 100, 8L << 20, 1, 0, Duration.ofDays(7)),
                    io.switchboard.testsupport.Tokens.verifier(), harness.registry());
            List<String> deleted = WsTestClient.await(service.applyRetention());
            assertThat(deleted).containsExactly(
                    EventDocuments.INDEX_PREFIX + today.minusDays(30).format(java.time.format.DateTimeFormatter.ofPattern("yyyy.MM.dd")),
                    EventDocuments.INDEX_PREFIX + today.minusDays(8).format(java.time.format.DateTimeFormatter.ofPattern("yyyy.MM.dd")));
            var left = store.client().indices().get(g -> g.index(EventDocuments.INDEX_PATTERN)).get().indices().keySet();
            assertThat(left).contains(EventDocuments.INDEX_PREFIX + today.minusDays(7).format(java.time.format.DateTimeFormatter.ofPattern("yyyy.MM.dd")));
        }
    }
}
