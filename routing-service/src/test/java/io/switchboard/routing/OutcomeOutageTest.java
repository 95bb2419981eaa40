package io.switchboard.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.hazelcast.core.HazelcastInstance;
import io.switchboard.common.buffer.TraceRings;
import io.switchboard.common.model.CallOutcome;
import io.switchboard.testsupport.RealStores;
import io.switchboard.testsupport.TcpProxy;
import io.switchboard.testsupport.TestHazelcast;
import io.switchboard.testsupport.TestPostgres;
import io.vertx.core.Vertx;
import java.net.ServerSocket;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * PostgreSQL going away under the outcome counting: nothing crashes, counting resumes where it stopped with
 * nothing lost while the trace buffer still holds it, and what the buffer overwrote meanwhile is counted as lost.
 */
@ExtendWith(RealStores.class)
class OutcomeOutageTest {

    @Test
    void countingWaitsOutAnOutageAndCountsWhatTheBufferOverwroteAsLost(TestPostgres pg, TestHazelcast cluster) throws Exception {
        HazelcastInstance member = cluster.member();
        TraceRings.configureSlots(member, RoutingFixture.CONFIG.ringShards(), 400); // 200 per ring
        String direct = pg.newDatabase();
        int pgPort = URI.create(direct.substring("jdbc:".length())).getPort();
        int proxyPort;
        try (ServerSocket s = new ServerSocket(0)) {
            proxyPort = s.getLocalPort();
        }
        Vertx vertx = Vertx.vertx();
        try (TcpProxy proxy = new TcpProxy(vertx, pgPort, proxyPort);
             RoutingFixture routing = new RoutingFixture(pg, direct.replace(":" + pgPort + "/", ":" + proxyPort + "/"),
                     member, RoutingFixture.CONFIG)) {
            var retries = routing.harness.registry().get("switchboard.routing.outcomes.retries").counter();
            var lost = routing.harness.registry().get("switchboard.routing.outcomes.lost").counter();
            RoutingFixture.append(member, outcomes(100));
            await().atMost(Duration.ofSeconds(60)).until(() -> counted(pg, direct) == 100);

            proxy.cut();
            RoutingFixture.append(member, outcomes(100));
            double before = retries.count();
            await().atMost(Duration.ofSeconds(30)).until(() -> retries.count() > before);
            assertThat(counted(pg, direct)).isEqualTo(100);
            proxy.restore();
            await().atMost(Duration.ofSeconds(60)).until(() -> counted(pg, direct) == 200);
            assertThat(lost.count()).isZero();

            // A longer outage: 1,000 more outcomes into rings that hold 400; the 600 overwritten are counted as lost.
            proxy.cut();
            double again = retries.count();
            RoutingFixture.append(member, outcomes(1_000));
            await().atMost(Duration.ofSeconds(30)).until(() -> retries.count() > again);
            proxy.restore();
            await().atMost(Duration.ofSeconds(90)).until(() -> counted(pg, direct) + (long) lost.count() == 1_200);
            assertThat(counted(pg, direct)).isEqualTo(600);
            assertThat(lost.count()).isEqualTo(600);
            assertThat(routing.harness.get("/health", null).statusCode()).isEqualTo(200);
        } finally {
            vertx.close().await();
        }
    }

    private static List<CallOutcome> outcomes(int n) {
        List<CallOutcome> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(RoutingFixture.outcome("outage", "billing", "b-" + (i % 3), i % 4 != 0, 900));
        }
        return out;
    }

    private static long counted(TestPostgres pg, String url) throws Exception {
        try (Connection c = DriverManager.getConnection(url, pg.user(), pg.password());
             ResultSet rs = c.createStatement().executeQuery(
                     "select coalesce(sum(successes + failures), 0) from node_outcomes where tenant = 'outage'")) {
            rs.next();
            return rs.getLong(1);
        }
    }
}
