package io.switchboard.query;

import static io.switchboard.query.HistoryIndexerTest.count;
import static io.switchboard.query.HistoryIndexerTest.now;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import co.elastic.clients.json.JsonData;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.ringbuffer.OverflowPolicy;
import io.switchboard.common.buffer.TraceRings;
import io.switchboard.common.codec.Json;
import io.switchboard.common.model.Level;
import io.switchboard.common.model.LogEvent;
import io.switchboard.testsupport.RealStores;
import io.switchboard.testsupport.ServiceHarness;
import io.switchboard.testsupport.TestElasticsearch;
import io.switchboard.testsupport.TestHazelcast;
import io.switchboard.testsupport.Tokens;
import io.switchboard.testsupport.WsTestClient;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A day whose index Elasticsearch cannot create yet (the node is at its shard limit, as a tenant flooding it with
 * backdated days would leave it) is retried without dropping anything, and other days are indexed meanwhile. The
 * oversized-request case is {@link OversizedBulkTest}, on a node of its own.
 */
@ExtendWith(RealStores.class)
class HistoryPoisonTest {
    static final HistoryConfig ONE_RING = new HistoryConfig(true, 2_000, 8L << 20, 1, 0, Duration.ofDays(7));

    static String tenant(String prefix) {
        return prefix + UUID.randomUUID().toString().substring(0, 6);
    }

    static List<String> logs(String tenant, int count, int messageChars, long timestampMicros, List<String> records) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            String id = UUID.randomUUID().toString().replace("-", "");
            ids.add(id);
            records.addAll(TraceRings.slots(TraceRings.encode(new LogEvent(tenant, id, timestampMicros + i, "orders", null,
                    "prod", Level.INFO, null, "m".repeat(messageChars), null, null, Map.of()))));
        }
        return ids;
    }

    static void append(HazelcastInstance hz, List<String> records) {
        for (int from = 0; from < records.size(); from += 1_000) {
            WsTestClient.await(io.vertx.core.Future.fromCompletionStage(new TraceRings(hz, 1).ring(0)
                    .addAllAsync(records.subList(from, Math.min(records.size(), from + 1_000)), OverflowPolicy.OVERWRITE)));
        }
    }

    @Test
    void aDayWhoseIndexCannotBeCreatedIsRetriedAndOtherDaysAreIndexedMeanwhile(TestElasticsearch es) throws Exception {
        String late = tenant("late");
        String today = tenant("today");
        try (TestHazelcast own = new TestHazelcast();
             ServiceHarness harness = new ServiceHarness();
             HistoryStore store = new HistoryStore(harness.vertx(), new ElasticsearchConfig(List.of(URI.create(es.url())), null, null))) {
            HazelcastInstance hz = own.member();
            TraceRings.configureSlots(hz, 1, 5_000);
            WsTestClient.await(store.installTemplate(0));
            // Today's index exists; no other index can be created while the node is at its shard limit.
            store.client().index(i -> i.index(io.switchboard.query.internal.EventDocuments.index(now())).id("warm")
                    .document(Map.of("tenant", "warm"))).get();
            int shards = store.client().cluster().health().get().activeShards();
            store.client().cluster().putSettings(s -> s.persistent("cluster.max_shards_per_node", JsonData.of(shards))).get();
            try {
                List<String> records = new ArrayList<>();
                long threeDaysAgo = now() - Duration.ofDays(3).toNanos() / 1_000;
                List<String> stuck = logs(late, 1, 10, threeDaysAgo, records);
                List<String> fine = logs(today, 50, 10, now(), records);
                append(hz, records);
                harness.serve(vertx -> List.of(new QueryService(vertx, store, hz, ONE_RING, Tokens.verifier(), harness.registry())));

                await().ignoreExceptions().atMost(Duration.ofSeconds(60)).until(() -> count(store, today) == fine.size());
                await().atMost(Duration.ofSeconds(30)).until(() ->
                        harness.registry().get("switchboard.history.retries").counter().count() > 0);
                assertThat(count(store, late)).isZero();
                assertThat(harness.registry().find("switchboard.history.refused").counter()).isNull();

                store.client().cluster().putSettings(s -> s.persistent("cluster.max_shards_per_node", JsonData.of(1_000))).get();
                await().ignoreExceptions().atMost(Duration.ofSeconds(60)).until(() -> count(store, late) == stuck.size());
            } finally {
                store.client().cluster().putSettings(s -> s.persistent("cluster.max_shards_per_node", JsonData.of(1_000))).get();
            }
        }
    }
}
