package io.switchboard.query;

import static io.switchboard.query.HistoryIndexerTest.count;
import static io.switchboard.query.HistoryIndexerTest.now;
import static io.switchboard.query.HistoryPoisonTest.ONE_RING;
import static io.switchboard.query.HistoryPoisonTest.append;
import static io.switchboard.query.HistoryPoisonTest.logs;
import static io.switchboard.query.HistoryPoisonTest.tenant;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hazelcast.core.HazelcastInstance;
import io.switchboard.common.buffer.TraceRings;
import io.switchboard.common.codec.Json;
import io.switchboard.testsupport.ServiceHarness;
import io.switchboard.testsupport.TestElasticsearch;
import io.switchboard.testsupport.TestHazelcast;
import io.switchboard.testsupport.Tokens;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A bulk request over the Elasticsearch node's size limit is split, and a document too large for any request is
 * set aside (counted and listed for its own tenant only), so the ring moves on for every tenant. Needs a node with a
 * small http.max_content_length, a static setting, and one Elasticsearch node per JVM works: so this class runs in a
 * JVM of its own (the dedicated-elasticsearch execution in pom.xml).
 */
class OversizedBulkTest {

    @Test
    void anOversizedBatchIsSplitAndADocumentNoRequestCanHoldIsSetAsideSoTheRingMovesOn() throws Exception {
        String sender = tenant("big");
        String other = tenant("bystander");
        try (TestHazelcast own = new TestHazelcast();
             TestElasticsearch small = TestElasticsearch.dedicated(Map.of("http.max_content_length", "100kb"));
             ServiceHarness harness = new ServiceHarness();
             HistoryStore store = new HistoryStore(harness.vertx(), new ElasticsearchConfig(List.of(URI.create(small.url())), null, null))) {
            HazelcastInstance hz = own.member();
            TraceRings.configureSlots(hz, 1, 5_000);
            List<String> records = new ArrayList<>();
            List<String> before = logs(sender, 300, 400, now(), records);
            List<String> poison = logs(sender, 1, 120_000, now() + 500, records);
            List<String> after = logs(other, 100, 400, now() + 1_000, records);
            append(hz, records);
            harness.serve(vertx -> List.of(new QueryService(vertx, store, hz, ONE_RING, Tokens.verifier(), harness.registry())));

            await().ignoreExceptions().atMost(Duration.ofSeconds(60)).until(() ->
                    count(store, sender) == before.size() && count(store, other) == after.size());
            assertThat(harness.registry().get("switchboard.history.refused").tag("tenant", sender)
                    .tag("reason", "request_too_large").counter().count()).isEqualTo(1.0);
            assertThat(harness.registry().find("switchboard.history.refused").tag("tenant", other).counter()).isNull();

            var listed = Json.parse(harness.get("/api/v1/refused", Tokens.operator(sender)).body()).get("items");
            assertThat(listed).hasSize(1);
            assertThat(listed.get(0).get("id").asText()).isEqualTo(poison.getFirst());
            assertThat(listed.get(0).get("reason").asText()).isEqualTo("request_too_large");
            assertThat(Json.parse(harness.get("/api/v1/refused", Tokens.operator(other)).body()).get("items")).isEmpty();
        }
    }

}
