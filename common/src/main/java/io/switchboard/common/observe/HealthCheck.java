package io.switchboard.common.observe;

import io.vertx.core.Future;
import java.util.function.Supplier;

/**
 * One component whose state /health lists and /ready requires: a service, or a store a service needs.
 *
 * @param probe succeeds when the component is usable (with a {@code Map} of details to list, if it has any);
 *              its failure message says what is wrong
 */
public record HealthCheck(String name, Kind kind, Supplier<Future<?>> probe) {
    public enum Kind { SERVICE, STORE }

    public static HealthCheck service(String name) {
        return new HealthCheck(name, Kind.SERVICE, Future::succeededFuture);
    }

    public static HealthCheck store(String name, Supplier<Future<?>> probe) {
        return new HealthCheck(name, Kind.STORE, probe);
    }
}
