package io.switchboard.routing;

import com.hazelcast.core.HazelcastInstance;
import io.switchboard.common.auth.TokenVerifier;
import io.switchboard.common.hazelcast.HazelcastConnector;
import io.switchboard.common.observe.HealthCheck;
import io.switchboard.common.service.SwitchboardService;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import java.util.List;

/**
 * The routing service: strategies and node reputation in PostgreSQL, the resulting policy published into
 * Hazelcast. Its schema is migrated on start; its REST API comes with the routing issue.
 */
public final class RoutingService implements SwitchboardService {
    private final Vertx vertx;
    private final RoutingDatabase database;
    private final HazelcastInstance hazelcast;
    private final TokenVerifier verifier;

    public RoutingService(Vertx vertx, RoutingDatabase database, HazelcastInstance hazelcast, TokenVerifier verifier) {
        this.vertx = vertx;
        this.database = database;
        this.hazelcast = hazelcast;
        this.verifier = verifier;
    }

    @Override
    public String name() {
        return "routing";
    }

    @Override
    public Future<Void> start() {
        return vertx.executeBlocking(() -> {
            database.migrate();
            return null;
        }, false);
    }

    @Override
    public void mount(Router router) {
        // The routing REST API (/api/v1/routing/...) is mounted here with the routing issue; it will use verifier.
        router.route("/api/v1/routing/*").handler(io.switchboard.common.auth.AuthHandler.requiring(vertx, verifier,
                io.switchboard.common.auth.Role.OPERATOR));
    }

    @Override
    public List<HealthCheck> healthChecks() {
        return List.of(HealthCheck.store("postgresql", database::ping), HazelcastConnector.healthCheck(hazelcast));
    }
}
