package io.switchboard.query;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.common.codec.Json;
import io.switchboard.testsupport.RealStores;
import io.switchboard.testsupport.ServiceHarness;
import io.switchboard.testsupport.TestElasticsearch;
import io.switchboard.testsupport.Tokens;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The query service against a real Elasticsearch node: readiness, and who-am-I for the dashboard. */
@ExtendWith(RealStores.class)
class QueryServiceTest {

    @Test
    void isReadyWhenElasticsearchAnswersAndTellsCallersWhoTheyAre(TestElasticsearch es) throws Exception {
        try (ServiceHarness harness = new ServiceHarness()) {
            HistoryStore history = new HistoryStore(harness.vertx(), new ElasticsearchConfig(List.of(URI.create(es.url())), null, null));
            try (history) {
                harness.serve(vertx -> List.of(new QueryService(vertx, history, null, HistoryConfig.DEFAULT, Tokens.verifier(), harness.registry())));
                assertThat(harness.get("/ready", null).statusCode()).isEqualTo(200);
                assertThat(harness.componentStatus("elasticsearch")).isEqualTo("up");

                var session = Json.parse(harness.get("/api/v1/session", Tokens.operator("acme")).body());
                assertThat(session.get("tenant").asText()).isEqualTo("acme");
                assertThat(session.get("role").asText()).isEqualTo("operator");
                assertThat(harness.get("/api/v1/session", "garbage").statusCode()).isEqualTo(401);
            }
        }
    }

    @Test
    void isNotReadyWhenElasticsearchIsUnreachable() throws Exception {
        try (ServiceHarness harness = new ServiceHarness()) {
            HistoryStore history = new HistoryStore(harness.vertx(),
                    new ElasticsearchConfig(List.of(URI.create("http://127.0.0.1:1")), null, null));
            try (history) {
                harness.serve(vertx -> List.of(new QueryService(vertx, history, null, HistoryConfig.DEFAULT, Tokens.verifier(), harness.registry())));
                var ready = harness.get("/ready", null);
                assertThat(ready.statusCode()).isEqualTo(503);
                assertThat(Json.parse(ready.body()).at("/components/elasticsearch/status").asText()).isEqualTo("down");
            }
        }
    }
}
