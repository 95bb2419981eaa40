package io.switchboard.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.common.codec.Json;
import io.switchboard.common.model.Node;
import io.switchboard.common.routing.RoutingPolicy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** clients/vectors/choices.json: which nodes a client may choose under a pushed routing policy. */
class ChoiceVectorsTest {
    @Test
    void theNodesChosenAreExactlyThoseTheVectorsAllow() throws IOException {
        JsonNode cases = Json.parse(Files.readString(Path.of("..", "clients", "vectors", "choices.json"))).path("cases");
        assertThat(cases.size()).isPositive();
        for (JsonNode c : cases) {
            List<Node> candidates = new ArrayList<>();
            for (JsonNode n : c.path("candidates")) {
                candidates.add(new Node(null, n.path("id").asText(), "s", n.path("version").asText(), "10.0.0.1:80",
                        c.path("environment").asText(), Map.of()));
            }
            // Read as the client reads a pushed policy.
            RoutingPolicy policy = c.path("policy").isNull() ? null
                    : Json.MAPPER.treeToValue(c.path("policy"), RoutingPolicy.class);
            String caller = c.path("caller").isNull() ? null : c.path("caller").asText();
            AtomicInteger turn = new AtomicInteger();
            Set<String> chosen = new TreeSet<>();
            for (int i = 0; i < 400; i++) {
                chosen.add(Balancer.choose(candidates, policy, c.path("environment").asText(), turn, caller).id());
            }
            Set<String> allowed = new TreeSet<>();
            c.path("mayChoose").forEach(id -> allowed.add(id.asText()));
            assertThat(chosen).as(c.path("name").asText()).isEqualTo(allowed);
        }
    }
}
