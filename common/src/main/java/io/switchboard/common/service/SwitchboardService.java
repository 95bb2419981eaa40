package io.switchboard.common.service;

import io.switchboard.common.observe.HealthCheck;
import io.vertx.core.Future;
import io.vertx.ext.web.Router;
import java.util.List;

/**
 * One of the four services as a unit that can be mounted into a router: its own process's router when it runs
 * alone, or the shared router of standalone mode. It is given its stores; it does not own or close them.
 */
public interface SwitchboardService {
    /** A short name: discovery, tracing, query, routing. */
    String name();

    /** Adds this service's routes (absolute paths such as /v1/discovery or /api/v1/services). */
    void mount(Router router);

    /** The stores this service needs, probed by /health and /ready; the service itself is listed by the host. */
    List<HealthCheck> healthChecks();

    /** Starts background work (indexers, timers); completes when the service is ready to serve. */
    default Future<Void> start() {
        return Future.succeededFuture();
    }

    /**
     * This service's warm-up load (see {@link WarmUp}), made once the replica listens; null when it has nothing to
     * warm.
     */
    default WarmUp.Warmer warmer(WarmUp.Context context) {
        return null;
    }

    /**
     * What the replica's pre-stop hook waits for before the replica is told to stop (the management port's
     * {@link HttpHostVerticle#PRE_STOP_PATH}): a Hazelcast member waits until the cluster is safe to leave. The map
     * says what it found ({@code safe}: false if it gave up waiting); nothing to wait for by default.
     */
    default Future<java.util.Map<String, Object>> preStop() {
        return Future.succeededFuture(java.util.Map.of());
    }

    /** Stops background work and closes connections; stores are closed by whoever created them. */
    default Future<Void> stop() {
        return Future.succeededFuture();
    }
}
