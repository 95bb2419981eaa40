package io.switchboard.routing;

import com.hazelcast.core.HazelcastInstance;
import io.switchboard.common.auth.AuthHandler;
import io.switchboard.common.auth.Role;
import io.switchboard.common.auth.TokenVerifier;
import io.switchboard.common.buffer.TraceRings;
import io.switchboard.common.hazelcast.HazelcastConnector;
import io.switchboard.common.observe.HealthCheck;
import io.switchboard.common.service.SwitchboardService;
import io.vertx.core.Future;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import java.time.Clock;
import io.vertx.ext.web.Router;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The routing service: strategies and node reputation in PostgreSQL, the resulting policy published into
 * Hazelcast for discovery to push. Its schema is migrated on start (retried while the database is down); once it
 * is, outcomes are counted ({@link OutcomeAggregator}) and policies evaluated and published ({@link PolicyPublisher}).
 */
public final class RoutingService implements SwitchboardService {
    private static final Logger LOG = LoggerFactory.getLogger(RoutingService.class);

    private final Vertx vertx;
    private final RoutingDatabase database;
    private final HazelcastInstance hazelcast;
    private final TokenVerifier verifier;
    private final RoutingConfig config;
    private final OutcomeAggregator aggregator;
    private final PolicyPublisher publisher;
    private final RoutingResource resource;
    private volatile boolean migrated;
    private volatile String migrationError = "not attempted yet";
    private volatile boolean stopped;
    private long retryTimer = -1;

    public RoutingService(Vertx vertx, RoutingDatabase database, HazelcastInstance hazelcast, TokenVerifier verifier,
                          RoutingConfig config, MeterRegistry meters) {
        this.vertx = vertx;
        this.database = database;
        this.hazelcast = hazelcast;
        this.verifier = verifier;
        this.config = config;
        Clock clock = Clock.systemUTC();
        this.aggregator = config.aggregatorEnabled() ? new OutcomeAggregator(database.dataSource(),
                new TraceRings(hazelcast, config.ringShards()), config, clock, meters) : null;
        this.publisher = new PolicyPublisher(vertx, database, hazelcast, config, clock, meters);
        this.resource = new RoutingResource(database, config, clock);
    }

    @Override
    public String name() {
        return "routing";
    }

    /**
     * Migrates the schema. If PostgreSQL is unreachable the service still starts (and reports not ready) and keeps
     * retrying with backoff, instead of crashing while the database is down.
     */
    @Override
    public Future<Void> start() {
        return migrate(1_000);
    }

    /** One migration attempt; on failure schedules the next. Completes after this attempt, whatever its outcome. */
    private Future<Void> migrate(long retryMillis) {
        if (stopped) {
            return Future.succeededFuture();
        }
        return vertx.executeBlocking(() -> {
            database.migrate();
            return null;
        }, false).transform(ar -> {
            if (ar.succeeded()) {
                migrationError = null;
                migrated = true;
                LOG.info("routing schema is up to date");
                if (!stopped) {
                    if (aggregator != null) {
                        aggregator.start();
                    }
                    publisher.start();
                }
            } else {
                migrationError = ar.cause().getMessage();
                LOG.warn("routing schema migration failed, retrying in {} ms: {}", retryMillis, migrationError);
                retryTimer = vertx.setTimer(retryMillis, t -> migrate(Math.min(retryMillis * 2, 30_000)));
            }
            return Future.succeededFuture();
        });
    }

    @Override
    public Future<Void> stop() {
        stopped = true;
        vertx.cancelTimer(retryTimer);
        publisher.stop();
        if (aggregator == null) {
            return Future.succeededFuture();
        }
        return vertx.executeBlocking(() -> {
            aggregator.stop();
            return null;
        }, false);
    }

    @Override
    public void mount(Router router) {
        // Operators only.
        router.route("/api/v1/routing*").handler(AuthHandler.requiring(vertx, verifier, Role.OPERATOR));
        resource.mount(router);
    }

    @Override
    public List<HealthCheck> healthChecks() {
        return List.of(HealthCheck.store("postgresql", () -> database.ping().compose(v -> migrated
                ? Future.succeededFuture()
                : Future.failedFuture("the schema is not migrated yet: " + migrationError))),
                HazelcastConnector.healthCheck(vertx, hazelcast));
    }
}
