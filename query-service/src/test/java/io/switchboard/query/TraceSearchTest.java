package io.switchboard.query;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.common.codec.Json;
import io.switchboard.common.model.Span;
import io.switchboard.common.model.TraceItem;
import io.switchboard.testsupport.RealStores;
import io.switchboard.testsupport.ServiceHarness;
import io.switchboard.testsupport.TestElasticsearch;
import io.switchboard.testsupport.Tokens;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** GET /api/v1/traces: finding traces by their spans, against a real Elasticsearch node. */
@ExtendWith(RealStores.class)
class TraceSearchTest {
    static final String A = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1";
    static final String B = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb2";

    static Span span(String tenant, String trace, String service, String op, String spanId, String parent, long start,
                     long duration, boolean error, Map<String, String> attrs) {
        return new Span(tenant, UUID.randomUUID().toString().replace("-", ""), start, duration, service, service + "-1",
                "prod", trace, spanId, parent, op, parent == null ? Span.SpanKind.SERVER : Span.SpanKind.INTERNAL,
                error ? Span.Status.ERROR : Span.Status.OK, null, attrs);
    }

    static List<String> ids(JsonNode body) {
        List<String> out = new ArrayList<>();
        body.get("traces").forEach(t -> out.add(t.get("traceId").asText()));
        return out;
    }

    @Test
    void findsTracesBySpanFiltersAndSummarisesThem(TestElasticsearch es) throws Exception {
        String tenant = "tsearch" + UUID.randomUUID().toString().substring(0, 6);
        long now = System.currentTimeMillis() * 1_000;
        List<TraceItem> items = List.of(
                span(tenant, A, "gateway", "GET /checkout", "a000000000000001", null, now - 20_000, 10_000, false, Map.of()),
                span(tenant, A, "orders", "place", "a000000000000002", "a000000000000001", now - 19_000, 8_000, true, Map.of("order.id", "42")),
                span(tenant, B, "gateway", "GET /health", "b000000000000001", null, now - 900_000, 2_000, false, Map.of()),
                span("someone", A, "orders", "place", "c000000000000001", null, now, 99_000, true, Map.of("order.id", "42")));
        try (QueryFixture fixture = new QueryFixture(es, items)) {
            ServiceHarness harness = fixture.harness;

            JsonNode all = Json.parse(harness.get("/api/v1/traces?since=1h", Tokens.operator(tenant)).body());
            assertThat(ids(all)).containsExactly(A, B);
            JsonNode a = all.at("/traces/0");
            assertThat(a.get("rootService").asText()).isEqualTo("gateway");
            assertThat(a.get("rootOperation").asText()).isEqualTo("GET /checkout");
            assertThat(a.get("durationMicros").asLong()).isEqualTo(10_000);
            assertThat(a.get("spanCount").asInt()).as("the other tenant's span of the same trace id is not counted").isEqualTo(2);
            assertThat(a.get("services")).extracting(JsonNode::asText).containsExactly("gateway", "orders");
            assertThat(a.get("error").asBoolean()).isTrue();

            assertThat(ids(Json.parse(harness.get("/api/v1/traces?since=1h&service=orders&error=true", Tokens.operator(tenant)).body()))).containsExactly(A);
            assertThat(ids(Json.parse(harness.get("/api/v1/traces?since=1h&minDuration=9ms", Tokens.operator(tenant)).body()))).containsExactly(A);
            assertThat(ids(Json.parse(harness.get("/api/v1/traces?since=1h&maxDuration=3ms", Tokens.operator(tenant)).body()))).containsExactly(B);
            assertThat(ids(Json.parse(harness.get("/api/v1/traces?since=1h&attribute=order.id%3D42", Tokens.operator(tenant)).body()))).containsExactly(A);
            assertThat(ids(Json.parse(harness.get("/api/v1/traces?since=1h&operation=GET%20/health", Tokens.operator(tenant)).body()))).containsExactly(B);
            assertThat(ids(Json.parse(harness.get("/api/v1/traces?since=1h&limit=1", Tokens.operator(tenant)).body()))).containsExactly(A);
            assertThat(ids(Json.parse(harness.get("/api/v1/traces?since=1h&service=nothing", Tokens.operator(tenant)).body()))).isEmpty();
            for (String bad : List.of("minDuration=soon", "error=false", "limit=500", "attribute=noequals", "colour=red")) {
                var response = harness.get("/api/v1/traces?" + bad, Tokens.operator(tenant));
                assertThat(response.statusCode()).as(bad).isEqualTo(400);
            }
        }
    }
}
