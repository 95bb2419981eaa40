package io.switchboard.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hazelcast.core.HazelcastInstance;
import io.switchboard.common.buffer.TraceRings;
import io.switchboard.common.model.CallOutcome;
import io.switchboard.testsupport.RealStores;
import io.switchboard.testsupport.TestHazelcast;
import io.switchboard.testsupport.TestPostgres;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * One caller reporting a flood of failures (a bug, or a leaked token reporting as that caller) cannot eject a node
 * that every other caller finds healthy: each caller counts at most routing.max-calls-per-caller per node and window.
 * Without the cap, the same flood outweighs the others, yet one identity's word still ejects the node only for that
 * caller's own routing.
 */
@ExtendWith(RealStores.class)
class CallerCapTest {
    /** Windows long enough that the test's outcomes all stay within the lookback. */
    private static final RoutingConfig CONFIG = new RoutingConfig(true, RoutingFixture.CONFIG.ringShards(), Duration.ofSeconds(10),
            Duration.ofSeconds(60), 10, 30, Duration.ofSeconds(30), Duration.ofMinutes(1), Duration.ofMinutes(1), 50,
            Duration.ofMillis(200), Duration.ofHours(1));

    private static CallOutcome outcome(String tenant, String caller, String node, boolean success) {
        return new CallOutcome(tenant, UUID.randomUUID().toString(), System.currentTimeMillis() * 1_000, caller, caller + "-1",
                "prod", "payments", node, success, 2_000, null);
    }

    @Test
    void oneCallersFloodOfFailuresDoesNotOutweighEveryOtherCaller(TestPostgres pg, TestHazelcast cluster) throws Exception {
        HazelcastInstance member = cluster.member();
        TraceRings.configureSlots(member, CONFIG.ringShards(), 100_000);
        try (RoutingFixture capped = new RoutingFixture(pg, pg.newDatabase(), member, CONFIG.withMaxCallsPerCaller(100))) {
            feed(capped, member, "capped");
            await().atMost(Duration.ofSeconds(30)).until(() -> calls(capped, "capped", "pay-2") > 0
                    && capped.scalar("select coalesce(sum(failures), 0) from node_outcomes where tenant = 'capped'") == 3_000);
            // The liar's 3,000 failures count as at most 100 a window, against eight callers' successes: pay-2 is not
            // ejected for every client (the liar's own routing may drop it: that is its own view).
            await().atMost(Duration.ofSeconds(5)).during(Duration.ofSeconds(2)).until(() ->
                    capped.scalar("select count(*) from node_ejections where tenant = 'capped' and caller = ''") == 0);
        }
        try (RoutingFixture uncapped = new RoutingFixture(pg, pg.newDatabase(), member, CONFIG.withMaxCallsPerCaller(1_000_000))) {
            feed(uncapped, member, "uncapped");
            await().atMost(Duration.ofSeconds(30)).until(() -> uncapped.scalar("select count(*) from node_ejections "
                    + "where tenant = 'uncapped' and node = 'pay-2' and caller = 'liar'") == 1);
            assertThat(uncapped.scalar("select count(*) from node_ejections where tenant = 'uncapped' and caller = ''"))
                    .isZero();
        }
    }

    /** Eight callers find pay-2 healthy (and counted first), then one reports 3,000 failures of it. */
    private static void feed(RoutingFixture routing, HazelcastInstance member, String tenant) throws Exception {
        List<CallOutcome> honest = new ArrayList<>();
        for (int c = 0; c < 8; c++) {
            for (int i = 0; i < 150; i++) {
                honest.add(outcome(tenant, "caller" + c, "pay-2", true));
                honest.add(outcome(tenant, "caller" + c, "pay-1", true));
            }
        }
        RoutingFixture.append(member, honest);
        await().atMost(Duration.ofSeconds(30)).until(() ->
                routing.scalar("select coalesce(sum(successes), 0) from node_outcomes where tenant = '" + tenant + "'") == honest.size());
        List<CallOutcome> liar = new ArrayList<>();
        for (int i = 0; i < 3_000; i++) {
            liar.add(outcome(tenant, "liar", "pay-2", false));
        }
        RoutingFixture.append(member, liar);
    }

    private static long calls(RoutingFixture routing, String tenant, String node) throws Exception {
        return routing.scalar("select coalesce(sum(successes + failures), 0) from node_outcomes where tenant = '"
                + tenant + "' and node = '" + node + "'");
    }
}
