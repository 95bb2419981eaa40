package io.switchboard.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hazelcast.core.HazelcastInstance;
import io.switchboard.testsupport.RealStores;
import io.switchboard.testsupport.ServiceHarness;
import io.switchboard.testsupport.TestHazelcast;
import io.switchboard.testsupport.TestPostgres;
import io.switchboard.testsupport.Tokens;
import io.switchboard.testsupport.WsTestClient;
import io.switchboard.tracing.TracingConfig;
import io.switchboard.tracing.TracingService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Outcomes name nodes, services and callers with free strings. A tenant that sends thousands of made-up names over
 * a real tracing connection gets no more than its bounds into the counts, and another tenant's failing node is still
 * ejected meanwhile.
 */
@ExtendWith(RealStores.class)
class OutcomeCardinalityTest {
    private static final RoutingConfig CONFIG = RoutingFixture.CONFIG.withCardinality(new RoutingConfig.Cardinality(50, 5, 5));

    @Test
    void aTenantsMadeUpNamesStopAtItsBoundsAndDoNotHoldBackAnotherTenant(TestPostgres pg, TestHazelcast cluster)
            throws Exception {
        HazelcastInstance member = cluster.member();
        ServiceHarness harness = new ServiceHarness();
        RoutingDatabase database = new RoutingDatabase(harness.vertx(), new DatabaseConfig(pg.newDatabase(), pg.user(),
                pg.password(), 4), harness.registry());
        TracingConfig tracing = TracingConfig.DEFAULT.withSlots(200_000 / CONFIG.ringShards(), CONFIG.ringShards())
                .withQuotas(TracingConfig.Quotas.NONE);
        harness.serve(vertx -> List.of(
                new TracingService(vertx, ServiceHarness.LIMITS, tracing, member, Tokens.verifier(), harness.registry()),
                new RoutingService(vertx, database, member, Tokens.verifier(), CONFIG, harness.registry())));
        try (WsTestClient junk = open(harness, Tokens.client("junk"));
             WsTestClient gateway = open(harness, Tokens.client("fair", "gateway"));
             WsTestClient billing = open(harness, Tokens.client("fair", "billing"))) {
            await().atMost(Duration.ofSeconds(60)).until(() -> harness.get("/ready", null).statusCode() == 200);
            // 4,000 outcomes, each with a made-up caller, service and node.
            for (int b = 0; b < 20; b++) {
                List<String> items = new ArrayList<>();
                for (int i = 0; i < 200; i++) {
                    String n = UUID.randomUUID().toString().substring(0, 8);
                    items.add(outcome("caller-" + n, "svc-" + n, "node-" + n, false));
                }
                junk.send(events(b, items));
                junk.next("ack");
            }
            // Meanwhile two bound callers of another tenant see pay-2 fail and pay-1 and pay-3 work.
            for (int b = 0; b < 5; b++) {
                for (WsTestClient c : List.of(gateway, billing)) {
                    String caller = c == gateway ? "gateway" : "billing";
                    List<String> items = new ArrayList<>();
                    for (int i = 0; i < 20; i++) {
                        items.add(outcome(caller, "payments", "pay-2", false));
                        items.add(outcome(caller, "payments", "pay-1", true));
                        items.add(outcome(caller, "payments", "pay-3", true));
                    }
                    c.send(events(b, items));
                    c.next("ack");
                }
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> scalar(database,
                    "select count(*) from node_ejections where tenant = 'fair' and node = 'pay-2' and caller = ''") == 1);
            await().atMost(Duration.ofSeconds(30)).until(() -> harness.registry().find("switchboard.routing.outcomes.refused")
                    .tag("tenant", "junk").counters().stream().mapToDouble(m -> m.count()).sum() > 3_000);
            assertThat(scalar(database, "select count(distinct service) from node_outcomes where tenant = 'junk'"))
                    .isLessThanOrEqualTo(5);
            assertThat(scalar(database, "select count(distinct caller) from node_outcomes where tenant = 'junk'"))
                    .isLessThanOrEqualTo(5);
            assertThat(scalar(database, "select count(*) from node_outcomes where tenant = 'fair'")).isPositive();
        } finally {
            harness.close();
            database.close();
        }
    }

    private static WsTestClient open(ServiceHarness harness, String token) {
        return WsTestClient.open(harness.vertx(), harness.port(), TracingService.PATH, token);
    }

    private static String outcome(String caller, String callee, String node, boolean success) {
        return "{\"kind\":\"outcome\",\"id\":\"" + UUID.randomUUID() + "\",\"timestamp\":" + System.currentTimeMillis() * 1_000
                + ",\"service\":\"" + caller + "\",\"calleeService\":\"" + callee + "\",\"calleeNode\":\"" + node
                + "\",\"success\":" + success + ",\"latencyMicros\":900}";
    }

    private static String events(long seq, List<String> items) {
        return "{\"type\":\"events\",\"seq\":" + seq + ",\"dropped\":0,\"items\":[" + String.join(",", items) + "]}";
    }

    private static long scalar(RoutingDatabase database, String sql) throws Exception {
        return database.blocking(c -> {
            try (var rs = c.createStatement().executeQuery(sql)) {
                rs.next();
                return rs.getLong(1);
            }
        }).await(10, java.util.concurrent.TimeUnit.SECONDS);
    }
}
