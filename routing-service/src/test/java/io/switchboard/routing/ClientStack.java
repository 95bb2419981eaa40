package io.switchboard.routing;

import static org.awaitility.Awaitility.await;

import com.hazelcast.core.HazelcastInstance;
import io.switchboard.client.Switchboard;
import io.switchboard.client.SwitchboardOptions;
import io.switchboard.discovery.DiscoveryConfig;
import io.switchboard.discovery.DiscoveryService;
import io.switchboard.testsupport.ServiceHarness;
import io.switchboard.testsupport.TestHazelcast;
import io.switchboard.testsupport.TestPostgres;
import io.switchboard.testsupport.Tokens;
import io.switchboard.tracing.TracingConfig;
import io.switchboard.tracing.TracingService;
import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * Discovery, tracing and routing on one port, on a fresh database, for tests that drive real Java clients through
 * the whole path: calls reported by clients, counted by routing, policies pushed back by discovery.
 */
final class ClientStack implements AutoCloseable {
    /** Short TTL, quick reconnects and batches, so that a test sees the whole loop within seconds. */
    static final SwitchboardOptions OPTIONS = SwitchboardOptions.defaults()
            .withTtl(Duration.ofSeconds(10))
            .withResolveTimeout(Duration.ofSeconds(10))
            .withReconnect(Duration.ofMillis(200), Duration.ofSeconds(2))
            .withBuffer(100_000, Duration.ofMillis(50));

    final ServiceHarness harness = new ServiceHarness();
    final RoutingDatabase database;
    /** The routing database's JDBC URL, for more routing replicas on it. */
    final String databaseUrl;

    ClientStack(TestPostgres pg, TestHazelcast cluster) {
        HazelcastInstance member = cluster.member();
        databaseUrl = pg.newDatabase();
        database = new RoutingDatabase(harness.vertx(), new DatabaseConfig(databaseUrl, pg.user(), pg.password(), 4),
                harness.registry());
        TracingConfig tracing = TracingConfig.DEFAULT.withSlots(200_000 / RoutingFixture.CONFIG.ringShards(),
                RoutingFixture.CONFIG.ringShards()).withQuotas(TracingConfig.Quotas.NONE);
        harness.serve(vertx -> List.of(
                new DiscoveryService(vertx, ServiceHarness.LIMITS, DiscoveryConfig.DEFAULT, member, Tokens.verifier(), harness.registry()),
                new TracingService(vertx, ServiceHarness.LIMITS, tracing, member, Tokens.verifier(), harness.registry()),
                new RoutingService(vertx, database, member, Tokens.verifier(), RoutingFixture.CONFIG, harness.registry())));
        await().atMost(Duration.ofSeconds(60)).until(() -> harness.get("/ready", null).statusCode() == 200);
    }

    /** A client of the tenant with a tenant-wide client token. */
    Switchboard connect(String tenant, SwitchboardOptions options) {
        return Switchboard.connect(URI.create("ws://127.0.0.1:" + harness.port()), () -> Tokens.client(tenant), options);
    }

    @Override
    public void close() {
        harness.close();
        database.close();
    }
}
