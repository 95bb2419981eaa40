package io.switchboard.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.client.Switchboard;
import io.switchboard.client.SwitchboardOptions;
import io.switchboard.common.codec.Json;
import io.switchboard.common.model.Node;
import io.switchboard.testsupport.RealStores;
import io.switchboard.testsupport.ServiceHarness;
import io.switchboard.testsupport.TestHazelcast;
import io.switchboard.testsupport.TestPostgres;
import io.switchboard.testsupport.Tokens;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Progressive rollouts end to end: Java clients call a baseline and a candidate through discovery and report every
 * call; their outcomes travel through tracing into PostgreSQL; routing judges each step on the versions' health and
 * moves the split by itself, which discovery pushes and the callers follow. A good candidate is promoted, a bad one
 * rolled back, each move a version of the strategy with its figures.
 */
@ExtendWith(RealStores.class)
class ProgressiveRolloutTest {
    private static final SwitchboardOptions OPTIONS = ClientStack.OPTIONS;
    private static ClientStack stack;
    private static ServiceHarness harness;
    private static TestPostgres postgres;
    private static TestHazelcast hazelcast;

    @BeforeAll
    static void start(TestPostgres pg, TestHazelcast cluster) {
        stack = new ClientStack(pg, cluster);
        harness = stack.harness;
        postgres = pg;
        hazelcast = cluster;
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    private static Switchboard connect(String tenant, SwitchboardOptions options) {
        return stack.connect(tenant, options);
    }

    private static JsonNode call(String tenant, String method, String path, String body) {
        HttpResponse<String> r = harness.send(method, path, Tokens.operator(tenant), body);
        assertThat(r.statusCode()).as(method + " " + path + ": " + r.body()).isEqualTo(200);
        return Json.parse(r.body());
    }

    /** The strategy's versions, oldest first. */
    private static List<JsonNode> history(String tenant) {
        List<JsonNode> out = new ArrayList<>();
        call(tenant, "GET", "/api/v1/routing/payments/history?environment=prod", null).path("versions").forEach(out::add);
        java.util.Collections.reverse(out);
        return out;
    }

    private static boolean historyHas(String tenant, String event) {
        return history(tenant).stream().anyMatch(v -> event.equals(v.at("/note/event").asText()));
    }

    /**
     * A caller resolving payments and reporting each call until stopped: a call to a node of a version in
     * {@code failing} fails every other time. Returns the versions called, counted.
     */
    private static Thread caller(Switchboard sb, AtomicBoolean running, Predicate<String> failing, Map<String, Integer> seen) {
        return Thread.ofPlatform().name("caller").start(() -> {
            long n = 0;
            while (running.get()) {
                Node node = sb.discovery().resolveBlocking("payments", "1", "prod", Duration.ofSeconds(10));
                boolean failed = failing.test(node.version()) && n++ % 2 == 0;
                sb.discovery().report(node, !failed, Duration.ofMillis(2));
                synchronized (seen) {
                    seen.merge(node.version(), 1, Integer::sum);
                }
                LockSupport.parkNanos(1_000_000);
            }
        });
    }

    private static void register(Switchboard provider, String id, String version) throws Exception {
        provider.discovery().register(new Node(null, id, "payments", version, "10.2.0." + Math.abs(id.hashCode() % 200)
                + ":8080", "prod", Map.of())).get(10, TimeUnit.SECONDS);
    }

    @Test
    void aHealthyCandidateIsPromotedStepByStep() throws Exception {
        String tenant = "progressive-good";
        try (Switchboard provider = connect(tenant, OPTIONS);
             Switchboard gateway = connect(tenant, OPTIONS.withIdentity("gateway", "prod", "gw-1"))) {
            register(provider, "pay-1", "1.4.0");
            register(provider, "pay-2", "1.5.0");
            call(tenant, "PUT", "/api/v1/routing/payments?environment=prod", "{\"strategy\": \"progressive\", "
                    + "\"baseline\": \"1.4.0\", \"candidate\": \"1.5.0\", \"steps\": [20, 50, 100], \"interval\": \"5s\", "
                    + "\"minCalls\": 30}");
            JsonNode status = call(tenant, "GET", "/api/v1/routing/payments/progressive?environment=prod", null);
            assertThat(status.path("percent").asInt()).isEqualTo(20);
            assertThat(status.path("step").asInt()).isEqualTo(1);
            AtomicBoolean running = new AtomicBoolean(true);
            Map<String, Integer> seen = new HashMap<>();
            Thread load = caller(gateway, running, v -> false, seen);
            try {
                await().atMost(Duration.ofSeconds(60)).until(() -> historyHas(tenant, "promoted"));
                List<JsonNode> versions = history(tenant);
                List<String> events = versions.stream().map(v -> v.at("/note/event").asText("")).toList();
                assertThat(events).containsSubsequence("", "advanced", "advanced", "promoted");
                JsonNode promoted = versions.getLast();
                assertThat(promoted.path("changedBy").asText()).isEqualTo(ProgressiveRollouts.ACTOR);
                assertThat(promoted.at("/strategy/strategy").asText()).isEqualTo("canary");
                assertThat(promoted.at("/strategy/split/1.5.0").asInt()).isEqualTo(100);
                // The figures that justified it: the last step's, 100 % to the candidate.
                assertThat(promoted.at("/note/figures/percent").asInt()).isEqualTo(100);
                assertThat(promoted.at("/note/figures/candidate/calls").asLong()).isGreaterThanOrEqualTo(30);
                assertThat(promoted.at("/note/figures/candidate/errorRate").asDouble()).isZero();
                // The callers follow: after the promotion, only the candidate is called.
                synchronized (seen) {
                    seen.clear();
                }
                await().atMost(Duration.ofSeconds(10)).until(() -> {
                    synchronized (seen) {
                        return seen.getOrDefault("1.5.0", 0) > 200;
                    }
                });
                synchronized (seen) {
                    assertThat(seen.getOrDefault("1.4.0", 0)).isLessThan(5);
                }
                assertThat(harness.send("GET", "/api/v1/routing/payments/progressive?environment=prod",
                        Tokens.operator(tenant), null).statusCode()).isEqualTo(404);
            } finally {
                running.set(false);
                load.join();
            }
        }
    }

    @Test
    void aFailingCandidateIsRolledBackWithinTwoIntervalsAndTheCallersGoBack() throws Exception {
        String tenant = "progressive-bad";
        try (Switchboard provider = connect(tenant, OPTIONS);
             Switchboard gateway = connect(tenant, OPTIONS.withIdentity("gateway", "prod", "gw-1"))) {
            register(provider, "pay-1", "1.4.0");
            register(provider, "pay-2", "1.6.0");
            AtomicBoolean running = new AtomicBoolean(true);
            Map<String, Integer> seen = new HashMap<>();
            Thread load = caller(gateway, running, "1.6.0"::equals, seen);
            try {
                long started = System.nanoTime();
                call(tenant, "PUT", "/api/v1/routing/payments?environment=prod", "{\"strategy\": \"progressive\", "
                        + "\"baseline\": \"1.4.0\", \"candidate\": \"1.6.0\", \"steps\": [25, 100], \"interval\": \"10s\", "
                        + "\"minCalls\": 30}");
                await().atMost(Duration.ofSeconds(20)).until(() -> historyHas(tenant, "rolled-back"));
                assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(20));
                JsonNode rolledBack = history(tenant).getLast();
                assertThat(rolledBack.at("/strategy/split/1.4.0").asInt()).isEqualTo(100);
                assertThat(rolledBack.at("/note/message").asText()).contains("error rate");
                assertThat(rolledBack.at("/note/figures/candidate/errorRate").asDouble()).isGreaterThan(0.3);
                assertThat(history(tenant).stream().map(v -> v.at("/note/event").asText(""))).doesNotContain("promoted");
                synchronized (seen) {
                    seen.clear();
                }
                await().atMost(Duration.ofSeconds(10)).until(() -> {
                    synchronized (seen) {
                        return seen.getOrDefault("1.4.0", 0) > 200;
                    }
                });
                synchronized (seen) {
                    assertThat(seen.getOrDefault("1.6.0", 0)).isLessThan(5);
                }
            } finally {
                running.set(false);
                load.join();
            }
        }
    }

    @Test
    void routingReplicasStoppingMidRolloutLeaveItToGoOnWithEachMoveMadeOnce() throws Exception {
        String tenant = "progressive-failover";
        // Two more routing replicas on the same database: whichever holds the evaluation's lock when it stops, another
        // takes over from the state in PostgreSQL.
        RoutingFixture second = new RoutingFixture(postgres, stack.databaseUrl, hazelcast.client(), RoutingFixture.CONFIG);
        RoutingFixture third = new RoutingFixture(postgres, stack.databaseUrl, hazelcast.client(), RoutingFixture.CONFIG);
        try (second; third;
             Switchboard provider = connect(tenant, OPTIONS);
             Switchboard gateway = connect(tenant, OPTIONS.withIdentity("gateway", "prod", "gw-1"))) {
            register(provider, "pay-1", "1.4.0");
            register(provider, "pay-2", "1.8.0");
            AtomicBoolean running = new AtomicBoolean(true);
            Thread load = caller(gateway, running, v -> false, new HashMap<>());
            try {
                call(tenant, "PUT", "/api/v1/routing/payments?environment=prod", "{\"strategy\": \"progressive\", "
                        + "\"baseline\": \"1.4.0\", \"candidate\": \"1.8.0\", \"steps\": [20, 40, 60, 100], "
                        + "\"interval\": \"5s\", \"minCalls\": 30}");
                await().atMost(Duration.ofSeconds(30)).until(() -> historyHas(tenant, "advanced"));
                second.close();
                await().atMost(Duration.ofSeconds(30)).until(() -> history(tenant).stream()
                        .filter(v -> "advanced".equals(v.at("/note/event").asText())).count() >= 2);
                third.close();
                await().atMost(Duration.ofSeconds(60)).until(() -> historyHas(tenant, "promoted"));
                List<String> events = history(tenant).stream().map(v -> v.at("/note/event").asText("")).toList();
                assertThat(events).as("each step moved once").containsExactly("", "advanced", "advanced", "advanced",
                        "promoted");
                List<Integer> percents = history(tenant).stream().skip(1).limit(3)
                        .map(v -> v.at("/strategy/steps").get(v.at("/strategy/step").asInt()).asInt()).toList();
                assertThat(percents).containsExactly(40, 60, 100);
            } finally {
                running.set(false);
                load.join();
            }
        }
    }

    @Test
    void anOperatorPausesResumesAndAborts_andAManualChangeStopsARollout() throws Exception {
        String tenant = "progressive-hands";
        String spec = "{\"strategy\": \"progressive\", \"baseline\": \"1.4.0\", \"candidate\": \"1.7.0\", "
                + "\"interval\": \"1h\"}";
        call(tenant, "PUT", "/api/v1/routing/payments?environment=prod", spec);
        call(tenant, "POST", "/api/v1/routing/payments/progressive/pause?environment=prod", null);
        assertThat(call(tenant, "GET", "/api/v1/routing/payments/progressive?environment=prod", null).path("paused")
                .asBoolean()).isTrue();
        assertThat(harness.send("POST", "/api/v1/routing/payments/progressive/pause?environment=prod",
                Tokens.operator(tenant), null).statusCode()).isEqualTo(409);
        call(tenant, "POST", "/api/v1/routing/payments/progressive/resume?environment=prod", null);
        call(tenant, "POST", "/api/v1/routing/payments/progressive/abort?environment=prod", null);
        JsonNode aborted = history(tenant).getLast();
        assertThat(aborted.at("/note/event").asText()).isEqualTo("aborted");
        assertThat(aborted.at("/note/message").asText()).contains("step 1 of 4");
        assertThat(aborted.at("/strategy/split/1.4.0").asInt()).isEqualTo(100);
        assertThat(harness.send("POST", "/api/v1/routing/payments/progressive/promote?environment=prod",
                Tokens.operator(tenant), null).statusCode()).isEqualTo(409);

        call(tenant, "PUT", "/api/v1/routing/payments?environment=prod", spec);
        call(tenant, "PUT", "/api/v1/routing/payments?environment=prod", "{\"strategy\": \"round-robin\"}");
        JsonNode manual = history(tenant).getLast();
        assertThat(manual.at("/note/event").asText()).isEqualTo("stopped");
        assertThat(manual.at("/note/message").asText()).contains("1.7.0");
        // Bad specs are refused naming the field.
        HttpResponse<String> bad = harness.send("PUT", "/api/v1/routing/payments?environment=prod", Tokens.operator(tenant),
                "{\"strategy\": \"progressive\", \"baseline\": \"1.4.0\", \"candidate\": \"1.7.0\", \"steps\": [50, 20]}");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(Json.parse(bad.body()).at("/error/field").asText()).isEqualTo("steps");
    }
}
