package io.switchboard.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.common.codec.Json;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The demo's two progressive rollouts, with no one touching anything, on the whole product (real PostgreSQL,
 * Elasticsearch and Hazelcast, Java clients calling each other): the healthy inventory candidate is promoted step by
 * step, the failing payments candidate is rolled back within two intervals, each move in the strategy's history
 * with the figures that justified it.
 */
class DemoRolloutTest {

    private static List<JsonNode> moves(DemoProcess demo, String service) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        Json.parse(demo.get("/api/v1/routing/" + service + "/history?environment=prod")).path("versions").forEach(v -> {
            if (v.has("note")) {
                out.add(0, v);
            }
        });
        return out;
    }

    private static List<String> events(DemoProcess demo, String service) throws Exception {
        return moves(demo, service).stream().map(v -> v.at("/note/event").asText()).toList();
    }

    @Test
    void theHealthyCandidateIsPromotedAndTheFailingOneRolledBackOnTheirOwn() throws Exception {
        try (DemoProcess demo = new DemoProcess("-Dswitchboard.demo.bad-after=10m", "-Dswitchboard.demo.rollout-interval=8s")) {
            await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofSeconds(1))
                    .until(() -> !events(demo, "payments").isEmpty());
            // The failing candidate never gets past its first step (10 %), however slowly its calls arrive on a
            // loaded machine: a step with too few calls holds, and one with enough fails.
            assertThat(events(demo, "payments")).as("payments' moves: %s", moves(demo, "payments"))
                    .containsExactly("rolled-back");
            JsonNode rolledBack = moves(demo, "payments").getLast();
            assertThat(rolledBack.at("/strategy/split/2.1.0").asInt()).isEqualTo(100);
            assertThat(rolledBack.at("/note/figures/candidate/version").asText()).isEqualTo("2.2.0");
            assertThat(rolledBack.at("/note/figures/candidate/errorRate").asDouble()).isGreaterThan(0.05);

            await().atMost(Duration.ofSeconds(200)).pollInterval(Duration.ofSeconds(1)).until(() ->
                    events(demo, "inventory").contains("promoted") || events(demo, "inventory").contains("rolled-back"));
            assertThat(events(demo, "inventory")).as("inventory's moves: %s", moves(demo, "inventory"))
                    .containsExactly("advanced", "advanced", "promoted");
            JsonNode promoted = moves(demo, "inventory").getLast();
            assertThat(promoted.at("/strategy/split/1.1.0").asInt()).isEqualTo(100);
            assertThat(promoted.at("/note/figures/candidate/calls").asLong()).isGreaterThanOrEqualTo(30);
            assertThat(moves(demo, "inventory").getFirst().at("/note/figures/baseline/calls").asLong())
                    .isGreaterThanOrEqualTo(30);
        }
    }
}
