package io.switchboard.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hazelcast.core.HazelcastInstance;
import io.switchboard.common.buffer.TraceRings;
import io.switchboard.common.codec.Json;
import io.switchboard.common.model.CallOutcome;
import io.switchboard.common.routing.RoutingPolicy;
import io.switchboard.testsupport.RealStores;
import io.switchboard.testsupport.TestHazelcast;
import io.switchboard.testsupport.TestPostgres;
import io.switchboard.testsupport.Tokens;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Outcomes from the trace buffer into counts in real PostgreSQL, with two routing replicas, and ejections published. */
@ExtendWith(RealStores.class)
class OutcomeCountingTest {
    private static final String COUNTED =
            "select coalesce(sum(successes + failures), 0) from node_outcomes where tenant like 'count-%'";

    @Test
    void twoReplicasCountEveryOutcomeExactlyOnce(TestPostgres pg, TestHazelcast cluster) throws Exception {
        HazelcastInstance member = cluster.member();
        TraceRings.configureSlots(member, RoutingFixture.CONFIG.ringShards(), 200_000);
        String url = pg.newDatabase();
        // Failure patterns per node, so that counts per node can be checked, not just the total.
        Map<String, long[]> expected = new HashMap<>();
        List<CallOutcome> outcomes = new ArrayList<>();
        for (int i = 0; i < 30_000; i++) {
            String tenant = i % 3 == 0 ? "count-a" : "count-b";
            String node = "n" + (i % 7);
            boolean success = i % 5 != 0;
            outcomes.add(RoutingFixture.outcome(tenant, "payments", node, success, 1_000 + i % 100));
            expected.computeIfAbsent(tenant + "/" + node, k -> new long[2])[success ? 0 : 1]++;
        }
        // Logs and spans in the same rings are skipped.
        try (RoutingFixture one = new RoutingFixture(pg, url, cluster.client(), RoutingFixture.CONFIG);
             RoutingFixture two = new RoutingFixture(pg, url, cluster.client(), RoutingFixture.CONFIG)) {
            RoutingFixture.append(member, outcomes.subList(0, 15_000));
            await().atMost(Duration.ofSeconds(60)).until(() -> two.harness.get("/ready", null).statusCode() == 200);
            RoutingFixture.append(member, outcomes.subList(15_000, 30_000));
            await().atMost(Duration.ofSeconds(60)).until(() ->
                    one.scalar(COUNTED) >= 30_000);
            Map<String, long[]> counted = new HashMap<>();
            try (Connection c = one.connect(); ResultSet rs = c.createStatement().executeQuery(
                    "select tenant, node, sum(successes), sum(failures) from node_outcomes "
                            + "where tenant like 'count-%' group by tenant, node")) {
                while (rs.next()) {
                    counted.put(rs.getString(1) + "/" + rs.getString(2), new long[] {rs.getLong(3), rs.getLong(4)});
                }
            }
            assertThat(counted.keySet()).isEqualTo(expected.keySet());
            expected.forEach((k, v) -> assertThat(counted.get(k)).as(k).containsExactly(v));
            assertThat(one.scalar(COUNTED)).isEqualTo(30_000);
            // What the two replicas say they counted (this test's outcomes and whatever else the buffer held) is
            // what the database holds: nothing twice.
            double reported = one.harness.registry().get("switchboard.routing.outcomes.counted").counter().count()
                    + two.harness.registry().get("switchboard.routing.outcomes.counted").counter().count();
            assertThat((long) reported).isEqualTo(one.scalar("select sum(successes + failures) from node_outcomes"));
        }
    }

    @Test
    void failingNodesAreEjectedUpToTheCapAndThePolicyIsPublished(TestPostgres pg, TestHazelcast cluster) throws Exception {
        HazelcastInstance member = cluster.member();
        TraceRings.configureSlots(member, RoutingFixture.CONFIG.ringShards(), 200_000);
        List<CallOutcome> outcomes = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            // Four nodes all failing most calls, each a little differently; a fifth service of another tenant is fine.
            String node = "inv-" + (i % 4);
            outcomes.add(RoutingFixture.outcome("acme", "inventory", node, i % 10 < (i % 4), 2_000));
            outcomes.add(RoutingFixture.outcome("other", "inventory", node, true, 2_000));
        }
        try (RoutingFixture routing = new RoutingFixture(pg, pg.newDatabase(), cluster.client(), RoutingFixture.CONFIG)) {
            RoutingFixture.append(member, outcomes);
            var policies = member.<String, String>getMap(RoutingPolicy.mapName("acme"));
            await().atMost(Duration.ofSeconds(30)).until(() -> routing.scalar(
                    "select coalesce(sum(successes + failures), 0) from node_outcomes where tenant = 'acme'") == 400);
            // Every node fails at least 80% of its calls, but with a cap of half only two of the four go; which two
            // depends on how far counting had got when the evaluator looked, so the test checks how many.
            await().atMost(Duration.ofSeconds(30)).until(() -> policies.get("inventory") != null
                    && RoutingPolicy.fromJson(policies.get("inventory")).nodes().size() == 4
                    && RoutingPolicy.fromJson(policies.get("inventory")).nodes().values().stream()
                            .filter(n -> !n.ejected()).allMatch(n -> n.errorRate() >= 0.8));
            RoutingPolicy policy = RoutingPolicy.fromJson(policies.get("inventory"));
            assertThat(policy.nodes().values()).filteredOn(n -> n.ejected()).hasSize(2);
            assertThat(routing.scalar("select count(*) from node_ejections where tenant = 'acme'")).isEqualTo(2);
            // The other tenant's nodes are healthy and its policy says so.
            await().atMost(Duration.ofSeconds(10)).until(() -> member.getMap(RoutingPolicy.mapName("other")).get("inventory") != null);
            RoutingPolicy other = RoutingPolicy.fromJson(member.<String, String>getMap(RoutingPolicy.mapName("other")).get("inventory"));
            assertThat(other.nodes().values()).noneMatch(n -> n.ejected()).allMatch(n -> n.weight() == 100);

            var nodes = Json.parse(routing.harness.get("/api/v1/routing/inventory/nodes", Tokens.operator("acme")).body());
            assertThat(nodes.path("nodes")).hasSize(4);
            assertThat(nodes.path("nodes")).filteredOn(n -> n.path("standing").asText().equals("ejected")).hasSize(2);
            assertThat(nodes.path("nodes")).filteredOn(n -> n.path("standing").asText().equals("degraded")).hasSize(2);
            long calls = 0;
            for (var n : nodes.path("nodes")) {
                calls += n.path("calls").asLong();
            }
            assertThat(calls).isEqualTo(400);
            var otherView = Json.parse(routing.harness.get("/api/v1/routing/inventory/nodes", Tokens.operator("other")).body());
            assertThat(otherView.path("nodes")).allMatch(n -> n.path("standing").asText().equals("healthy"));
        }
    }
}
