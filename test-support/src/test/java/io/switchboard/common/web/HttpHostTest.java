package io.switchboard.common.web;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.common.codec.Json;
import io.switchboard.common.observe.HealthCheck;
import io.switchboard.common.protocol.SessionListener;
import io.switchboard.testsupport.Tokens;
import io.vertx.core.Future;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** REST auth, health, readiness and metrics of the shared HTTP host, over real HTTP. */
class HttpHostTest {
    static final AtomicBoolean storeUp = new AtomicBoolean(true);
    static TestHost host;
    static final HttpClient http = HttpClient.newHttpClient();

    @BeforeAll
    static void start() {
        host = new TestHost(Map.of(), SessionListener.NONE, List.of(HealthCheck.store("fake-store",
                () -> storeUp.get() ? Future.succeededFuture() : Future.failedFuture("connection refused"))),
                Duration.ofSeconds(10));
    }

    @AfterAll
    static void stop() {
        host.close();
    }

    static HttpResponse<String> get(String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + host.port + path));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void restRoutesNeedAValidTokenWithTheRightRole() throws Exception {
        HttpResponse<String> none = get("/api/v1/secret", null);
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(Json.parse(none.body()).at("/error/code").asText()).isEqualTo("missing_token");
        assertThat(none.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));

        HttpResponse<String> client = get("/api/v1/secret", Tokens.client("acme"));
        assertThat(client.statusCode()).isEqualTo(403);
        assertThat(Json.parse(client.body()).at("/error/code").asText()).isEqualTo("forbidden");
        assertThat(Json.parse(client.body()).at("/error/message").asText()).contains("operator");

        HttpResponse<String> operator = get("/api/v1/secret", Tokens.operator("acme"));
        assertThat(operator.statusCode()).isEqualTo(200);
        assertThat(operator.body()).isEqualTo("tenant=acme");

        HttpResponse<String> viaQuery = get("/api/v1/secret?token=" + Tokens.operator("qs"), null);
        assertThat(viaQuery.body()).isEqualTo("tenant=qs");
    }

    @Test
    void healthListsEveryComponentAndReadinessFollowsTheStores() throws Exception {
        storeUp.set(true);
        HttpResponse<String> health = get("/health", null);
        assertThat(health.statusCode()).isEqualTo(200);
        var body = Json.parse(health.body());
        assertThat(body.get("status").asText()).isEqualTo("up");
        assertThat(body.at("/components/test/kind").asText()).isEqualTo("service");
        assertThat(body.at("/components/fake-store/status").asText()).isEqualTo("up");
        assertThat(get("/ready", null).statusCode()).isEqualTo(200);

        storeUp.set(false);
        try {
            HttpResponse<String> degraded = get("/health", null);
            assertThat(degraded.statusCode()).as("liveness stays 200").isEqualTo(200);
            assertThat(Json.parse(degraded.body()).get("status").asText()).isEqualTo("degraded");
            HttpResponse<String> ready = get("/ready", null);
            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(Json.parse(ready.body()).at("/components/fake-store/error").asText()).isEqualTo("connection refused");
        } finally {
            storeUp.set(true);
        }
    }

    @Test
    void metricsAreInPrometheusFormatWithJvmAndHttpSeries() throws Exception {
        get("/health", null);
        HttpResponse<String> metrics = get("/metrics", null);
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
        assertThat(metrics.body()).contains("jvm_memory_used_bytes").contains("vertx_http_server_requests_total")
                .contains("application=\"test\"");
    }

    @Test
    void withAManagementPortMetricsAreServedThereAndNotOnThePublicPort() throws Exception {
        var registry = io.switchboard.common.observe.Metrics.registry("managed");
        io.vertx.core.Vertx vertx = io.switchboard.common.observe.Metrics.vertx(registry);
        try {
            io.switchboard.common.service.SwitchboardService service = new io.switchboard.common.service.SwitchboardService() {
                @Override
                public String name() {
                    return "managed";
                }

                @Override
                public void mount(io.vertx.ext.web.Router router) {
                }

                @Override
                public List<HealthCheck> healthChecks() {
                    return List.of();
                }
            };
            var host = new io.switchboard.common.service.HttpHostVerticle(
                    new io.switchboard.common.config.HttpConfig("127.0.0.1", 0, 1_024, 0),
                    io.switchboard.testsupport.ServiceHarness.LIMITS, List.of(service), List.of(), registry);
            io.switchboard.testsupport.WsTestClient.await(vertx.deployVerticle(host));
            java.util.function.Function<String, HttpResponse<String>> at = url -> {
                try {
                    return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            };
            String pub = "http://127.0.0.1:" + host.actualPort();
            String internal = "http://127.0.0.1:" + host.managementPort();
            assertThat(host.managementPort()).isPositive().isNotEqualTo(host.actualPort());
            assertThat(at.apply(pub + "/metrics").statusCode()).as("metrics on the public port").isEqualTo(404);
            assertThat(at.apply(pub + "/ready").statusCode()).isEqualTo(200);
            assertThat(at.apply(internal + "/metrics").body()).contains("jvm_memory_used_bytes");
            assertThat(at.apply(internal + "/health").statusCode()).isEqualTo(200);
        } finally {
            io.switchboard.testsupport.WsTestClient.await(vertx.close());
        }
    }

    @Test
    void unknownPathsGetAJson404AndOversizedBodiesA413() throws Exception {
        HttpResponse<String> missing = get("/api/v1/nothing-here", null);
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(Json.parse(missing.body()).at("/error/code").asText()).isEqualTo("not_found");
        HttpResponse<String> big = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + host.port + "/api/v1/secret"))
                .header("Authorization", "Bearer " + Tokens.operator("acme"))
                .POST(HttpRequest.BodyPublishers.ofString("x".repeat(5_000))).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(big.statusCode()).isEqualTo(413);
        assertThat(Json.parse(big.body()).at("/error/code").asText()).isEqualTo("body_too_large");
    }
}
