package io.switchboard.query;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.common.codec.Json;
import io.switchboard.common.model.CallOutcome;
import io.switchboard.common.model.Span;
import io.switchboard.common.model.TraceItem;
import io.switchboard.testsupport.RealStores;
import io.switchboard.testsupport.ServiceHarness;
import io.switchboard.testsupport.TestElasticsearch;
import io.switchboard.testsupport.Tokens;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** GET /api/v1/dependencies equals the edges counted independently from the items the test wrote. */
@ExtendWith(RealStores.class)
class DependenciesTest {

    static String id() {
        return UUID.randomUUID().toString().replace("-", "");
    }

    @Test
    void edgesCountCallsAndErrorsFromOutcomesAndClientSpans(TestElasticsearch es) throws Exception {
        String tenant = "deps" + UUID.randomUUID().toString().substring(0, 6);
        long now = System.currentTimeMillis() * 1_000;
        Random random = new Random(7);
        List<TraceItem> items = new ArrayList<>();
        Map<String, long[]> expected = new HashMap<>();
        String[][] edges = {{"gateway", "orders"}, {"orders", "payments"}, {"orders", "inventory"}};
        for (int i = 0; i < 120; i++) {
            String[] edge = edges[i % edges.length];
            boolean ok = random.nextInt(4) != 0;
            if (i % 2 == 0) {
                items.add(new CallOutcome(tenant, id(), now - i * 1_000L, edge[0], edge[0] + "-1", "prod", edge[1],
                        edge[1] + "-" + (i % 3), ok, 500, null));
            } else {
                items.add(new Span(tenant, id(), now - i * 1_000L, 900, edge[0], edge[0] + "-1", "prod",
                        "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", null, "call " + edge[1], Span.SpanKind.CLIENT,
                        ok ? Span.Status.OK : Span.Status.ERROR, edge[1], Map.of()));
            }
            long[] counts = expected.computeIfAbsent(edge[0] + ">" + edge[1], k -> new long[2]);
            counts[0]++;
            if (!ok) {
                counts[1]++;
            }
        }
        // Server spans and another tenant's outcomes are not edges of this tenant.
        items.add(new Span(tenant, id(), now, 900, "orders", "orders-1", "prod", "4bf92f3577b34da6a3ce929d0e0e4736",
                "00f067aa0ba902b8", null, "serve", Span.SpanKind.SERVER, Span.Status.OK, "gateway", Map.of()));
        items.add(new CallOutcome("stranger", id(), now, "evil", null, "prod", "orders", "o-1", false, 1, null));
        try (QueryFixture fixture = new QueryFixture(es, items)) {
            ServiceHarness harness = fixture.harness;

            var response = harness.get("/api/v1/dependencies?since=1h", Tokens.operator(tenant));
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            JsonNode body = Json.parse(response.body());
            assertThat(body.get("services")).extracting(JsonNode::asText).containsExactly("gateway", "inventory", "orders", "payments");
            Map<String, long[]> actual = new HashMap<>();
            body.get("edges").forEach(e -> actual.put(e.get("from").asText() + ">" + e.get("to").asText(),
                    new long[] {e.get("calls").asLong(), e.get("errors").asLong()}));
            assertThat(actual.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
            expected.forEach((edge, counts) -> assertThat(actual.get(edge)).as(edge).containsExactly(counts));

            assertThat(harness.get("/api/v1/dependencies?since=soon", Tokens.operator(tenant)).statusCode()).isEqualTo(400);
            assertThat(harness.get("/api/v1/dependencies?service=x", Tokens.operator(tenant)).statusCode()).isEqualTo(400);
        }
    }
}
