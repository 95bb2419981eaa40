package io.switchboard.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.common.codec.Json;
import io.switchboard.common.model.Span;
import io.switchboard.common.model.TraceItem;
import io.switchboard.testsupport.RealStores;
import io.switchboard.testsupport.ServiceHarness;
import io.switchboard.testsupport.TestElasticsearch;
import io.switchboard.testsupport.Tokens;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** GET /api/v1/stats against figures computed in the test from the spans it wrote. */
@ExtendWith(RealStores.class)
class StatsTest {

    static Span span(String tenant, String service, String operation, long start, long duration, boolean error, Span.SpanKind kind) {
        return new Span(tenant, UUID.randomUUID().toString().replace("-", ""), start, duration, service, service + "-1", "prod",
                "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", null, operation, kind,
                error ? Span.Status.ERROR : Span.Status.OK, null, Map.of());
    }

    /** The nearest-rank percentile of the sorted values. */
    static long percentile(long[] sorted, double p) {
        int rank = (int) Math.ceil(p / 100 * sorted.length);
        return sorted[Math.max(0, rank - 1)];
    }

    @Test
    void requestsErrorRateAndLatencyPercentilesPerServiceOperationAndBucket(TestElasticsearch es) throws Exception {
        String tenant = "stats" + UUID.randomUUID().toString().substring(0, 6);
        long now = System.currentTimeMillis() * 1_000;
        List<TraceItem> items = new ArrayList<>();
        long[] durations = new long[100];
        int errors = 0;
        for (int i = 0; i < 100; i++) {
            durations[i] = (i + 1) * 1_000L;
            boolean error = i % 10 == 3;
            errors += error ? 1 : 0;
            items.add(span(tenant, "orders", i % 4 == 0 ? "GET /orders" : "POST /orders", now - i * 100_000L, durations[i], error, Span.SpanKind.SERVER));
        }
        for (int i = 0; i < 20; i++) {
            items.add(span(tenant, "payments", "charge", now - i * 100_000L, 5_000, false, Span.SpanKind.SERVER));
        }
        // Client and internal spans are not requests served; another tenant's are not ours.
        items.add(span(tenant, "orders", "call payments", now, 9_999_999, true, Span.SpanKind.CLIENT));
        items.add(span("stranger", "orders", "POST /orders", now, 1, true, Span.SpanKind.SERVER));
        Arrays.sort(durations);
        try (QueryFixture fixture = new QueryFixture(es, items)) {
            ServiceHarness harness = fixture.harness;

            var response = harness.get("/api/v1/stats?since=1h&interval=1m", Tokens.operator(tenant));
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            JsonNode body = Json.parse(response.body());
            assertThat(body.get("services")).extracting(s -> s.get("service").asText()).containsExactlyInAnyOrder("orders", "payments");
            JsonNode orders = null;
            for (JsonNode s : body.get("services")) {
                if (s.get("service").asText().equals("orders")) {
                    orders = s;
                }
            }
            assertThat(orders.get("requests").asLong()).isEqualTo(100);
            assertThat(orders.get("errors").asLong()).isEqualTo(errors);
            assertThat(orders.get("errorRate").asDouble()).isEqualTo(errors / 100.0);
            assertThat(orders.at("/latencyMicros/p50").asDouble()).isCloseTo(percentile(durations, 50), within(0.05 * percentile(durations, 50)));
            assertThat(orders.at("/latencyMicros/p95").asDouble()).isCloseTo(percentile(durations, 95), within(0.05 * percentile(durations, 95)));
            assertThat(orders.at("/latencyMicros/p99").asDouble()).isCloseTo(percentile(durations, 99), within(0.05 * percentile(durations, 99)));
            long bucketed = 0;
            for (JsonNode b : orders.get("buckets")) {
                bucketed += b.get("requests").asLong();
            }
            assertThat(bucketed).isEqualTo(100);
            assertThat(orders.get("operations")).extracting(o -> o.get("operation").asText() + "=" + o.get("requests").asLong())
                    .containsExactlyInAnyOrder("GET /orders=25", "POST /orders=75");

            var one = Json.parse(harness.get("/api/v1/stats?since=1h&service=payments", Tokens.operator(tenant)).body());
            assertThat(one.get("services")).hasSize(1);
            assertThat(one.at("/services/0/latencyMicros/p99").asLong()).isEqualTo(5_000);
            assertThat(harness.get("/api/v1/stats?since=1h&interval=1ms", Tokens.operator(tenant)).statusCode()).isEqualTo(400);
            assertThat(harness.get("/api/v1/stats?since=7d&interval=1s", Tokens.operator(tenant)).statusCode()).isEqualTo(400);
            assertThat(harness.get("/api/v1/stats?bucket=1m", Tokens.operator(tenant)).statusCode()).isEqualTo(400);
        }
    }
}
