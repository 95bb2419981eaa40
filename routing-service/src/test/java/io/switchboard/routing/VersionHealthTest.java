package io.switchboard.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.common.codec.Json;
import io.switchboard.common.model.CallOutcome;
import io.switchboard.common.buffer.TraceRings;
import io.switchboard.testsupport.RealStores;
import io.switchboard.testsupport.TestHazelcast;
import io.switchboard.testsupport.TestPostgres;
import io.switchboard.testsupport.Tokens;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Outcomes naming their callee's version, from the trace buffer into version_outcomes in real PostgreSQL, and read
 * back per version over REST: throughput, error rate, latency percentiles, tenants apart, names bounded.
 */
@ExtendWith(RealStores.class)
class VersionHealthTest {

    private static CallOutcome outcome(String tenant, String caller, String version, String environment, boolean success,
                                       long latencyMicros) {
        return new CallOutcome(tenant, UUID.randomUUID().toString(), System.currentTimeMillis() * 1_000, caller, caller + "-1",
                "prod", "payments", "payments-" + version, success, latencyMicros, null).ofCallee(version, environment);
    }

    private static JsonNode versions(RoutingFixture routing, String tenant, String query) {
        HttpResponse<String> r = routing.harness.send("GET", "/api/v1/routing/payments/versions?" + query,
                Tokens.operator(tenant), null);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return Json.parse(r.body());
    }

    private static JsonNode version(JsonNode body, String version) {
        for (JsonNode v : body.path("versions")) {
            if (v.path("version").asText().equals(version)) {
                return v;
            }
        }
        return null;
    }

    @Test
    void eachVersionsHealthIsCountedAndServedPerTenantAndEnvironment(TestPostgres pg, TestHazelcast cluster) throws Exception {
        TraceRings.configureSlots(cluster.member(), RoutingFixture.CONFIG.ringShards(), 200_000);
        List<CallOutcome> outcomes = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            // 1.2.0: fast, 1% failing. 1.3.0: ten times slower, 20% failing. Both from two callers.
            String caller = "caller-" + (i % 2);
            outcomes.add(outcome("vh-a", caller, "1.2.0", "prod", i % 100 != 0, 1_000 + i));
            if (i < 200) {
                outcomes.add(outcome("vh-a", caller, "1.3.0", "prod", i % 5 != 0, 10_000 + 10 * i));
            }
            // The same service in staging, and another tenant's payments: neither shows in vh-a's prod figures.
            outcomes.add(outcome("vh-a", caller, "1.2.0", "staging", false, 50));
            outcomes.add(outcome("vh-b", caller, "9.9.9", "prod", true, 5));
        }
        // An outcome from an older client, naming no version: counted for its node only.
        outcomes.add(RoutingFixture.outcome("vh-a", "payments", "payments-old", true, 1_000));
        try (RoutingFixture routing = new RoutingFixture(pg, pg.newDatabase(), cluster.client(), RoutingFixture.CONFIG)) {
            RoutingFixture.append(cluster.member(), outcomes);
            await().atMost(Duration.ofSeconds(60)).until(() -> routing.scalar(
                    "select coalesce(sum(successes + failures), 0) from version_outcomes") == 3_200);
            JsonNode prod = versions(routing, "vh-a", "environment=prod&since=10m");
            assertThat(prod.path("versions")).hasSize(2);
            assertThat(prod.path("versions").get(0).path("version").asText()).as("most called first").isEqualTo("1.2.0");
            JsonNode good = version(prod, "1.2.0");
            assertThat(good.path("calls").asLong()).isEqualTo(1_000);
            assertThat(good.path("failures").asLong()).isEqualTo(10);
            assertThat(good.path("errorRate").asDouble()).isEqualTo(0.01);
            assertThat(good.path("callers").asInt()).isEqualTo(2);
            assertThat(good.path("callsPerSecond").asDouble()).isPositive();
            // Exact p50 1,500 µs and p99 1,990 µs; the buckets are within 19 % of them.
            assertThat(good.at("/latencyMicros/p50").asLong()).isBetween(1_500L * 100 / 119, 1_500L * 119 / 100);
            assertThat(good.at("/latencyMicros/p99").asLong()).isBetween(1_990L * 100 / 119, 1_999L);
            assertThat(good.at("/latencyMicros/max").asLong()).isEqualTo(1_999);
            JsonNode bad = version(prod, "1.3.0");
            assertThat(bad.path("calls").asLong()).isEqualTo(200);
            assertThat(bad.path("errorRate").asDouble()).isEqualTo(0.2);
            assertThat(bad.at("/latencyMicros/p50").asLong()).isBetween(11_000L * 100 / 119, 11_000L * 119 / 100);

            JsonNode staging = versions(routing, "vh-a", "environment=staging");
            assertThat(staging.path("versions")).hasSize(1);
            assertThat(version(staging, "1.2.0").path("errorRate").asDouble()).isEqualTo(1.0);
            JsonNode other = versions(routing, "vh-b", "environment=prod");
            assertThat(other.path("versions")).hasSize(1);
            assertThat(version(other, "9.9.9").path("calls").asLong()).isEqualTo(1_000);
            assertThat(versions(routing, "vh-c", "environment=prod").path("versions")).isEmpty();

            HttpResponse<String> badSince = routing.harness.send("GET",
                    "/api/v1/routing/payments/versions?environment=prod&since=forever", Tokens.operator("vh-a"), null);
            assertThat(badSince.statusCode()).isEqualTo(400);
            assertThat(Json.parse(badSince.body()).at("/error/field").asText()).isEqualTo("since");
            HttpResponse<String> noEnvironment = routing.harness.send("GET", "/api/v1/routing/payments/versions",
                    Tokens.operator("vh-a"), null);
            assertThat(noEnvironment.statusCode()).isEqualTo(400);
            assertThat(routing.harness.send("GET", "/api/v1/routing/payments/versions?environment=prod",
                    Tokens.client("vh-a"), null).statusCode()).isEqualTo(403);
        }
    }

    @Test
    void oneCallerFloodingFailuresCountsNoMoreThanTheCapPerWindow(TestPostgres pg, TestHazelcast cluster) throws Exception {
        TraceRings.configureSlots(cluster.member(), RoutingFixture.CONFIG.ringShards(), 200_000);
        RoutingConfig config = RoutingFixture.CONFIG.withMaxCallsPerCaller(100);
        long window = System.currentTimeMillis() * 1_000;
        List<CallOutcome> outcomes = new ArrayList<>();
        // In one window: a leaked token reporting as "rogue" floods 2,000 failures; an honest caller sees 100 successes.
        for (int i = 0; i < 2_000; i++) {
            outcomes.add(at(outcome("vc-a", "rogue", "1.3.0", "prod", false, 2_000), window));
        }
        for (int i = 0; i < 100; i++) {
            outcomes.add(at(outcome("vc-a", "honest", "1.3.0", "prod", true, 2_000), window));
        }
        try (RoutingFixture routing = new RoutingFixture(pg, pg.newDatabase(), cluster.client(), config)) {
            RoutingFixture.append(cluster.member(), outcomes);
            await().atMost(Duration.ofSeconds(60)).until(() -> routing.scalar(
                    "select coalesce(sum(successes + failures), 0) from version_outcomes where tenant = 'vc-a'") == 2_100);
            JsonNode v = version(versions(routing, "vc-a", "environment=prod"), "1.3.0");
            assertThat(v.path("calls").asLong()).isEqualTo(200);
            assertThat(v.path("errorRate").asDouble()).isEqualTo(0.5);
        }
    }

    /** The outcome at a given time (µs), so that a test's outcomes fall in one window. */
    private static CallOutcome at(CallOutcome o, long micros) {
        return new CallOutcome(o.tenant(), o.id(), micros, o.service(), o.node(), o.environment(), o.calleeService(),
                o.calleeNode(), o.success(), o.latencyMicros(), o.traceId(), o.reporter(), o.calleeVersion(),
                o.calleeEnvironment());
    }

    @Test
    void versionsPastTheBoundAreCountedForTheirNodesOnly(TestPostgres pg, TestHazelcast cluster) throws Exception {
        TraceRings.configureSlots(cluster.member(), RoutingFixture.CONFIG.ringShards(), 200_000);
        RoutingConfig config = RoutingFixture.CONFIG.withCardinality(new RoutingConfig.Cardinality(20_000, 1_000, 1_000, 3));
        List<CallOutcome> outcomes = new ArrayList<>();
        for (int v = 0; v < 10; v++) {
            outcomes.add(outcome("vb-a", "caller-0", "1." + v + ".0", "prod", true, 1_000));
        }
        try (RoutingFixture routing = new RoutingFixture(pg, pg.newDatabase(), cluster.client(), config)) {
            RoutingFixture.append(cluster.member(), outcomes);
            await().atMost(Duration.ofSeconds(60)).until(() -> routing.scalar(
                    "select coalesce(sum(successes + failures), 0) from node_outcomes where tenant = 'vb-a'") == 10);
            assertThat(routing.scalar("select count(distinct version) from version_outcomes where tenant = 'vb-a'"))
                    .isEqualTo(3);
            assertThat(versions(routing, "vb-a", "environment=prod").path("versions")).hasSize(3);
            assertThat(routing.harness.registry().get("switchboard.routing.outcomes.refused")
                    .tag("bound", "routing.max-versions-per-service").counter().count()).isEqualTo(7);
        }
    }
}
