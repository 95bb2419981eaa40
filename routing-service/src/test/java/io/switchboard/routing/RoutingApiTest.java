package io.switchboard.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.common.codec.Json;
import io.switchboard.testsupport.RealStores;
import io.switchboard.testsupport.ServiceHarness;
import io.switchboard.testsupport.TestHazelcast;
import io.switchboard.testsupport.TestPostgres;
import io.switchboard.testsupport.Tokens;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The operators' routing API against real PostgreSQL: versions, history, rollback, bad input, tenants, outages. */
@ExtendWith(RealStores.class)
class RoutingApiTest {
    private static RoutingFixture routing;
    private static com.hazelcast.core.HazelcastInstance member;

    @BeforeAll
    static void start(TestPostgres pg, TestHazelcast cluster) {
        member = cluster.member();
        routing = new RoutingFixture(pg, pg.newDatabase(), member, RoutingFixture.CONFIG);
        await().atMost(Duration.ofSeconds(60)).until(() -> routing.harness.get("/ready", null).statusCode() == 200);
    }

    @AfterAll
    static void stop() {
        routing.close();
    }

    private static HttpResponse<String> call(String method, String path, String tenant, String body) {
        return routing.harness.send(method, path, Tokens.operator(tenant), body);
    }

    private static JsonNode ok(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return Json.parse(response.body());
    }

    private static JsonNode error(HttpResponse<String> response, int status) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
        return Json.parse(response.body()).path("error");
    }

    @Test
    void strategiesAreVersionedAndARollbackIsANewVersion() throws Exception {
        String path = "/api/v1/routing/orders?environment=prod";
        JsonNode initial = ok(call("GET", path, "acme", null));
        assertThat(initial.path("version").asInt()).isZero();
        assertThat(initial.path("default").asBoolean()).isTrue();
        assertThat(initial.at("/strategy/strategy").asText()).isEqualTo("round-robin");

        JsonNode v1 = ok(call("PUT", path, "acme", "{\"strategy\": \"weighted\"}"));
        assertThat(v1.path("version").asInt()).isEqualTo(1);
        assertThat(v1.path("changedBy").asText()).isNotEmpty();
        JsonNode v2 = ok(call("PUT", path, "acme", "{\"strategy\": \"canary\", \"split\": {\"1.2.0\": 90, \"1.3.0\": 10}}"));
        assertThat(v2.path("version").asInt()).isEqualTo(2);
        assertThat(v2.at("/strategy/split/1.3.0").asInt()).isEqualTo(10);
        JsonNode current = ok(call("GET", path, "acme", null));
        assertThat(current.path("version").asInt()).isEqualTo(2);
        assertThat(current.at("/strategy/strategy").asText()).isEqualTo("canary");
        // Another environment of the same service is separate.
        assertThat(ok(call("GET", "/api/v1/routing/orders?environment=staging", "acme", null)).path("version").asInt()).isZero();

        JsonNode rolledBack = ok(call("POST", "/api/v1/routing/orders/rollback?environment=prod&to=1", "acme", null));
        assertThat(rolledBack.path("version").asInt()).isEqualTo(3);
        assertThat(rolledBack.path("rollbackOf").asInt()).isEqualTo(1);
        assertThat(rolledBack.at("/strategy/strategy").asText()).isEqualTo("weighted");

        JsonNode history = ok(call("GET", "/api/v1/routing/orders/history?environment=prod", "acme", null));
        assertThat(history.path("versions")).extracting(v -> v.path("version").asInt()).containsExactly(3, 2, 1);
        assertThat(history.path("versions").get(1).at("/strategy/strategy").asText()).isEqualTo("canary");

        JsonNode all = ok(call("GET", "/api/v1/routing", "acme", null));
        assertThat(all.path("services")).anySatisfy(s -> {
            assertThat(s.path("service").asText()).isEqualTo("orders");
            assertThat(s.at("/strategies/prod/strategy").asText()).isEqualTo("weighted");
        });
        assertThat(routing.scalar("select count(*) from audit_trail where tenant = 'acme' and subject = 'orders'"))
                .isEqualTo(3);
        assertThat(routing.scalar("select count(*) from audit_trail where action = 'strategy.rolled-back'")).isEqualTo(1);
    }

    @Test
    void tenantsNeverSeeEachOthersStrategies() {
        ok(call("PUT", "/api/v1/routing/billing?environment=prod", "tenant-a", "{\"strategy\": \"least-errors\"}"));
        assertThat(ok(call("GET", "/api/v1/routing/billing?environment=prod", "tenant-b", null)).path("version").asInt()).isZero();
        assertThat(ok(call("GET", "/api/v1/routing/billing/history?environment=prod", "tenant-b", null)).path("versions")).isEmpty();
        assertThat(ok(call("GET", "/api/v1/routing", "tenant-b", null)).path("services")).isEmpty();
        error(call("POST", "/api/v1/routing/billing/rollback?environment=prod&to=1", "tenant-b", null), 404);
        assertThat(ok(call("GET", "/api/v1/routing/billing?environment=prod", "tenant-a", null)).at("/strategy/strategy").asText())
                .isEqualTo("least-errors");
    }

    @Test
    void onlyOperatorsMayReadOrChangeRouting() {
        var asClient = routing.harness.send("PUT", "/api/v1/routing/orders?environment=prod", Tokens.client("acme"),
                "{\"strategy\": \"weighted\"}");
        assertThat(asClient.statusCode()).isEqualTo(403);
        assertThat(routing.harness.get("/api/v1/routing", null).statusCode()).isEqualTo(401);
    }

    @Test
    void badStrategiesAreRefusedNamingTheField() throws Exception {
        String path = "/api/v1/routing/search?environment=prod";
        record Case(String body, String field) {
        }
        List<Case> cases = List.of(
                new Case("{\"strategy\": \"fastest\"}", "strategy"),
                new Case("{}", "strategy"),
                new Case("{\"strategy\": 3}", "strategy"),
                new Case("{\"strategy\": \"canary\"}", "split"),
                new Case("{\"strategy\": \"canary\", \"split\": {\"1.2.0\": 90, \"1.3.0\": 5}}", "split"),
                new Case("{\"strategy\": \"canary\", \"split\": {\"latest\": 100}}", "split.latest"),
                new Case("{\"strategy\": \"canary\", \"split\": {\"1.2.0\": 100.5}}", "split.1.2.0"),
                new Case("{\"strategy\": \"canary\", \"split\": {\"1.2.0\": 0, \"1.3.0\": 100}}", "split.1.2.0"),
                new Case("{\"strategy\": \"weighted\", \"split\": {\"1.2.0\": 100}}", "split"),
                new Case("{\"strategy\": \"weighted\", \"weights\": {}}", "weights"),
                new Case("[1, 2]", "body"),
                new Case("{\"strategy\": ", "body"),
                new Case("", "body"));
        for (Case c : cases) {
            JsonNode e = error(call("PUT", path, "acme", c.body()), 400);
            assertThat(e.path("field").asText()).as(c.body()).isEqualTo(c.field());
            assertThat(e.path("message").asText()).as(c.body()).isNotEmpty();
        }
        assertThat(routing.scalar("select count(*) from routing_strategies where service = 'search'")).isZero();
        assertThat(error(call("PUT", path, "acme", "{\"strategy\": \"x\", \"pad\": \"" + "a".repeat(20_000) + "\"}"), 413)
                .path("field").asText()).isEqualTo("body");
    }

    @Test
    void hostileNamesAndParametersGetA400() throws Exception {
        for (String service : List.of("../etc", "a b", "x'; drop table routing_strategies; --", "-leading", "é",
                "a".repeat(300), "%00")) {
            String encoded = URLEncoder.encode(service, StandardCharsets.UTF_8).replace("+", "%20");
            var response = call("GET", "/api/v1/routing/" + encoded + "?environment=prod", "acme", null);
            assertThat(response.statusCode()).as(service).isIn(400, 404);
            if (response.statusCode() == 400) {
                assertThat(Json.parse(response.body()).at("/error/field").asText()).isEqualTo("service");
            }
        }
        assertThat(error(call("GET", "/api/v1/routing/orders", "acme", null), 400).path("field").asText()).isEqualTo("environment");
        assertThat(error(call("GET", "/api/v1/routing/orders?environment=a%20b", "acme", null), 400).path("field").asText())
                .isEqualTo("environment");
        for (String to : List.of("abc", "0", "-1", "", "99999999999")) {
            assertThat(error(call("POST", "/api/v1/routing/orders/rollback?environment=prod&to=" + to, "acme", null), 400)
                    .path("field").asText()).isEqualTo("to");
        }
        assertThat(error(call("POST", "/api/v1/routing/orders/rollback?environment=prod&to=77", "acme", null), 404)
                .path("field").asText()).isEqualTo("to");
        assertThat(routing.scalar("select count(*) from information_schema.tables where table_name = 'routing_strategies'"))
                .isEqualTo(1);
    }

    @Test
    void answers503WhenTheDatabaseIsUnreachable() {
        try (ServiceHarness harness = new ServiceHarness()) {
            try (RoutingDatabase db = RoutingFixture.serveWithoutDatabase(harness, member)) {
                var response = harness.send("GET", "/api/v1/routing/orders?environment=prod", Tokens.operator("acme"), null);
                assertThat(response.statusCode()).isEqualTo(503);
                assertThat(response.headers().firstValue("Retry-After")).contains("5");
                assertThat(Json.parse(response.body()).at("/error/code").asText()).isEqualTo("unavailable");
                assertThat(harness.send("PUT", "/api/v1/routing/orders?environment=prod", Tokens.operator("acme"),
                        "{\"strategy\": \"weighted\"}").statusCode()).isEqualTo(503);
            }
        }
    }
}
