package io.switchboard.query;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.common.codec.Json;
import io.switchboard.common.model.Level;
import io.switchboard.common.model.LogEvent;
import io.switchboard.common.model.Span;
import io.switchboard.common.model.TraceItem;
import io.switchboard.testsupport.RealStores;
import io.switchboard.testsupport.ServiceHarness;
import io.switchboard.testsupport.TestElasticsearch;
import io.switchboard.testsupport.Tokens;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** GET /api/v1/traces/{traceId}: a trace from spans and logs of three services, against a real Elasticsearch node. */
@ExtendWith(RealStores.class)
class TraceViewTest {
    static final String TRACE = "0af7651916cd43dd8448eb211c80319c";

    static String id() {
        return UUID.randomUUID().toString().replace("-", "");
    }

    static Span span(String tenant, String service, String spanId, String parent, long start, long duration, Span.Status status) {
        return new Span(tenant, id(), start, duration, service, service + "-1", "prod", TRACE, spanId, parent,
                "op " + service, parent == null ? Span.SpanKind.SERVER : Span.SpanKind.INTERNAL, status, null, Map.of());
    }

    @Test
    void aTraceFromThreeServicesIsAssembledAsATreeWithItsLogs(TestElasticsearch es) throws Exception {
        String tenant = "trace" + UUID.randomUUID().toString().substring(0, 6);
        long t0 = System.currentTimeMillis() * 1_000;
        List<TraceItem> items = List.of(
                span(tenant, "gateway", "1000000000000001", null, t0, 10_000, Span.Status.OK),
                span(tenant, "orders", "1000000000000002", "1000000000000001", t0 + 1_000, 7_000, Span.Status.OK),
                span(tenant, "payments", "1000000000000003", "1000000000000002", t0 + 2_000, 3_000, Span.Status.ERROR),
                span(tenant, "orders", "1000000000000004", "1000000000000002", t0 + 6_000, 1_000, Span.Status.OK),
                new LogEvent(tenant, id(), t0 + 2_500, "payments", "payments-1", "prod", Level.ERROR, "c", "card declined",
                        TRACE, "1000000000000003", Map.of()),
                new LogEvent(tenant, id(), t0 + 100, "gateway", "gateway-1", "prod", Level.INFO, "c", "no span", TRACE, null, Map.of()),
                // The same trace id in another tenant must not appear.
                span("intruder", "evil", "1000000000000009", null, t0, 1, Span.Status.OK));
        try (QueryFixture fixture = new QueryFixture(es, items)) {
            ServiceHarness harness = fixture.harness;

            var response = harness.get("/api/v1/traces/" + TRACE, Tokens.operator(tenant));
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            JsonNode trace = Json.parse(response.body());
            assertThat(trace.get("spanCount").asInt()).isEqualTo(4);
            assertThat(trace.get("services")).extracting(JsonNode::asText).containsExactly("gateway", "orders", "payments");
            assertThat(trace.get("durationMicros").asLong()).isEqualTo(10_000);
            assertThat(trace.get("error").asBoolean()).isTrue();
            assertThat(trace.get("spans")).hasSize(1);
            JsonNode root = trace.at("/spans/0");
            assertThat(root.get("service").asText()).isEqualTo("gateway");
            assertThat(root.get("children")).hasSize(1);
            JsonNode orders = root.at("/children/0");
            assertThat(orders.get("children")).extracting(c -> c.get("spanId").asText())
                    .containsExactly("1000000000000003", "1000000000000004");
            assertThat(orders.at("/children/0/logs/0/message").asText()).isEqualTo("card declined");
            assertThat(trace.get("logs")).extracting(l -> l.get("message").asText()).containsExactly("no span");
            assertThat(response.body()).doesNotContain("evil").doesNotContain("intruder");

            assertThat(harness.get("/api/v1/traces/" + "1".repeat(32), Tokens.operator(tenant)).statusCode()).isEqualTo(404);
            var bad = harness.get("/api/v1/traces/not-a-trace", Tokens.operator(tenant));
            assertThat(bad.statusCode()).isEqualTo(400);
            assertThat(Json.parse(bad.body()).at("/error/field").asText()).isEqualTo("traceId");
            assertThat(harness.get("/api/v1/traces/" + TRACE, Tokens.operator("nobody")).statusCode()).isEqualTo(404);
        }
    }
}
