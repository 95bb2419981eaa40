package io.switchboard.routing;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.ringbuffer.OverflowPolicy;
import io.switchboard.common.buffer.TraceRings;
import io.switchboard.common.model.CallOutcome;
import io.switchboard.testsupport.ServiceHarness;
import io.switchboard.testsupport.TestPostgres;
import io.switchboard.testsupport.Tokens;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/** A routing replica on a fresh database, and helpers to feed it outcomes and read what it stored. */
final class RoutingFixture implements AutoCloseable {
    /** Short windows and ejections, so that a test sees a node ejected and reinstated within seconds. */
    static final RoutingConfig CONFIG = new RoutingConfig(true, 2, Duration.ofSeconds(1), Duration.ofSeconds(5), 10, 30,
            Duration.ofSeconds(3), Duration.ofSeconds(30), Duration.ofSeconds(60), 50, Duration.ofMillis(200),
            Duration.ofHours(1));

    final ServiceHarness harness = new ServiceHarness();
    final RoutingDatabase database;
    final RoutingService service;
    final String url;
    private final TestPostgres pg;

    RoutingFixture(TestPostgres pg, String url, HazelcastInstance hazelcast, RoutingConfig config) {
        this.pg = pg;
        this.url = url;
        database = new RoutingDatabase(harness.vertx(), new DatabaseConfig(url, pg.user(), pg.password(), 4), harness.registry());
        service = new RoutingService(harness.vertx(), database, hazelcast, Tokens.verifier(), config, harness.registry());
        harness.serve(vertx -> List.of(service));
    }

    static String newDatabase(TestPostgres pg) {
        return pg.newDatabase();
    }

    /** Serves a routing service whose database is unreachable (nothing listens on port 1); close what it returns. */
    static RoutingDatabase serveWithoutDatabase(ServiceHarness harness, HazelcastInstance hazelcast) {
        RoutingDatabase db = new RoutingDatabase(harness.vertx(),
                new DatabaseConfig("jdbc:postgresql://127.0.0.1:1/none", "x", "y", 1), harness.registry());
        harness.serve(vertx -> List.of(new RoutingService(vertx, db, hazelcast, Tokens.verifier(), CONFIG, harness.registry())));
        return db;
    }

    Connection connect() throws SQLException {
        return DriverManager.getConnection(url, pg.user(), pg.password());
    }

    long scalar(String sql) throws SQLException {
        try (Connection c = connect(); ResultSet rs = c.createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getLong(1);
        }
    }

    /**
     * An outcome from one of two callers at random, each as if from a token bound to it: two reporter identities, so
     * that failures they both see are corroborated (a fleet-wide ejection needs that).
     */
    static CallOutcome outcome(String tenant, String callee, String node, boolean success, long latencyMicros) {
        String caller = "caller-" + java.util.concurrent.ThreadLocalRandom.current().nextInt(2);
        return new CallOutcome(tenant, UUID.randomUUID().toString(), System.currentTimeMillis() * 1_000, caller, "c1",
                "prod", callee, node, success, latencyMicros, null);
    }

    /** Appends outcomes to the trace buffer as the tracing service would, spread over the rings. */
    static void append(HazelcastInstance hazelcast, List<CallOutcome> outcomes) throws Exception {
        TraceRings rings = new TraceRings(hazelcast, CONFIG.ringShards());
        List<List<String>> byRing = new ArrayList<>();
        for (int i = 0; i < rings.shards(); i++) {
            byRing.add(new ArrayList<>());
        }
        for (CallOutcome o : outcomes) {
            byRing.get(rings.shardFor(o.id())).add(TraceRings.encode(o));
        }
        for (int i = 0; i < rings.shards(); i++) {
            List<String> records = byRing.get(i);
            for (int from = 0; from < records.size(); from += 1_000) {
                rings.ring(i).addAllAsync(records.subList(from, Math.min(records.size(), from + 1_000)),
                        OverflowPolicy.OVERWRITE).toCompletableFuture().get(30, TimeUnit.SECONDS);
            }
        }
    }

    @Override
    public void close() {
        harness.close();
        database.close();
    }
}
