package io.switchboard.bench;

import com.hazelcast.core.HazelcastInstance;
import io.switchboard.common.buffer.TraceRings;
import io.switchboard.common.model.CallOutcome;
import io.switchboard.embedded.EmbeddedPostgresql;
import io.switchboard.routing.DatabaseConfig;
import io.switchboard.routing.RoutingConfig;
import io.switchboard.routing.RoutingDatabase;
import io.switchboard.routing.RoutingService;
import io.switchboard.testsupport.ServiceHarness;
import io.switchboard.testsupport.TestHazelcast;
import io.switchboard.testsupport.Tokens;
import java.nio.file.Files;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.List;
import java.util.Random;

/**
 * Routing: call outcomes aggregated per second from the trace buffer into per-node counts in PostgreSQL (embedded,
 * real binaries), with the service's defaults (10 s windows, one routing replica).
 */
final class RoutingBench {
    private static final int OUTCOMES = 1_000_000;
    private static final int SHARDS = 8;

    private RoutingBench() {
    }

    static void run() {
        System.out.println("== routing");
        try (TestHazelcast cluster = new TestHazelcast();
             EmbeddedPostgresql pg = EmbeddedPostgresql.start(Files.createTempDirectory("switchboard-bench-pg").resolve("data"), 0)) {
            HazelcastInstance hz = cluster.member();
            TraceRings.configureSlots(hz, SHARDS, OUTCOMES + 8_000);
            fill(hz);
            try (Connection c = DriverManager.getConnection(pg.jdbcUrl("postgres"), pg.user(), pg.password())) {
                c.createStatement().execute("create database bench");
            }
            try (ServiceHarness harness = new ServiceHarness()) {
                RoutingDatabase database = new RoutingDatabase(harness.vertx(),
                        new DatabaseConfig(pg.jdbcUrl("bench"), pg.user(), pg.password(), 8), harness.registry());
                RoutingConfig config = RoutingConfig.DEFAULT;
                long start = System.nanoTime();
                harness.serve(vertx -> List.of(new RoutingService(vertx, database, hz, Tokens.verifier(), config, harness.registry())));
                var counted = harness.registry().get("switchboard.routing.outcomes.counted").counter();
                long at10 = 0;
                long at90 = 0;
                long lastPrint = System.nanoTime();
                while (counted.count() < OUTCOMES) {
                    Thread.sleep(50);
                    if (at10 == 0 && counted.count() >= OUTCOMES / 10) {
                        at10 = System.nanoTime();
                    }
                    if (at90 == 0 && counted.count() >= OUTCOMES * 9 / 10) {
                        at90 = System.nanoTime();
                    }
                    if (System.nanoTime() - lastPrint > 10_000_000_000L) {
                        System.out.printf("  ... %,.0f counted%n", counted.count());
                        lastPrint = System.nanoTime();
                    }
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                long rows;
                try (Connection c = DriverManager.getConnection(pg.jdbcUrl("bench"), pg.user(), pg.password());
                     var rs = c.createStatement().executeQuery("select count(*), sum(successes + failures) from node_outcomes")) {
                    rs.next();
                    rows = rs.getLong(1);
                    if (rs.getLong(2) != OUTCOMES) {
                        throw new IllegalStateException("the database holds " + rs.getLong(2) + " outcomes, not " + OUTCOMES);
                    }
                }
                System.out.printf("  outcomes: %,d aggregated into %,d node-window rows in %.1f s = %,.0f outcomes/s overall "
                        + "(start-up and migration included); sustained (from 10%% to 90%%) %,.0f outcomes/s%n",
                        OUTCOMES, rows, seconds, OUTCOMES / seconds, OUTCOMES * 0.8 / ((at90 - at10) / 1e9));
                harness.close();
                database.close();
            }
        } catch (Exception e) {
            throw new IllegalStateException("the routing benchmark failed: " + e, e);
        }
    }

    /** A million outcomes of calls to 2,000 nodes of 200 services of 5 tenants, spread over the last minute. */
    private static void fill(HazelcastInstance hz) {
        Random random = new Random(42);
        long now = System.currentTimeMillis() * 1_000;
        BufferFill.fill(hz, SHARDS, OUTCOMES, i -> {
            int service = random.nextInt(200);
            return new CallOutcome("tenant-" + service % 5, Long.toHexString(random.nextLong() | 1)
                    + Long.toHexString(random.nextLong() | 1), now - random.nextInt(60_000_000), "gateway", "gw-1", "prod",
                    "service-" + service, "service-" + service + "-node-" + random.nextInt(10), random.nextInt(100) >= 3,
                    500 + random.nextInt(20_000), null);
        });
        System.out.printf("  (%,d outcomes written to the trace buffer)%n", OUTCOMES);
    }
}
