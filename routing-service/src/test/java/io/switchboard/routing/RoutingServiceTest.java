package io.switchboard.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.switchboard.common.codec.Json;
import io.switchboard.testsupport.RealStores;
import io.switchboard.testsupport.ServiceHarness;
import io.switchboard.testsupport.TestHazelcast;
import io.switchboard.testsupport.TestPostgres;
import io.switchboard.testsupport.Tokens;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The routing service against real PostgreSQL: migrations from an empty database, readiness, an outage. */
@ExtendWith(RealStores.class)
class RoutingServiceTest {

    @Test
    void migratesAnEmptyDatabaseAndIsReady(TestPostgres pg, TestHazelcast cluster) throws Exception {
        String url = pg.newDatabase();
        var member = cluster.member();
        try (ServiceHarness harness = new ServiceHarness()) {
            RoutingDatabase db = new RoutingDatabase(harness.vertx(), new DatabaseConfig(url, pg.user(), pg.password(), 2), harness.registry());
            try (db) {
                harness.serve(vertx -> List.of(new RoutingService(vertx, db, member, Tokens.verifier(),
                        RoutingFixture.CONFIG, harness.registry())));
                await().atMost(Duration.ofSeconds(30)).until(() -> harness.get("/ready", null).statusCode() == 200);
                assertThat(harness.componentStatus("postgresql")).isEqualTo("up");
                assertThat(harness.get("/api/v1/routing/orders", Tokens.client("acme")).statusCode()).isEqualTo(403);
            }
        }
        try (Connection c = DriverManager.getConnection(url, pg.user(), pg.password());
             ResultSet rs = c.createStatement().executeQuery(
                     "select count(*) from information_schema.tables where table_name = 'audit_trail'")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(1);
        }
    }

    @Test
    void reportsAnUnreachableDatabaseAsNotReady(TestHazelcast cluster) throws Exception {
        var member = cluster.member();
        try (ServiceHarness harness = new ServiceHarness()) {
            try (RoutingDatabase db = RoutingFixture.serveWithoutDatabase(harness, member)) {
                var ready = harness.get("/ready", null);
                assertThat(ready.statusCode()).isEqualTo(503);
                assertThat(Json.parse(ready.body()).at("/components/postgresql/status").asText()).isEqualTo("down");
                assertThat(harness.componentStatus("routing")).as("the service itself runs").isEqualTo("up");
            }
        }
    }
}
