package io.switchboard.client;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a {@link Switchboard} client; every one has a default that suits most services.
 *
 * @param ttl                 how long a registered node lives without a heartbeat (5 s to 300 s; default 30 s);
 *                            heartbeats go every ttl / 2
 * @param resolveTimeout      how long {@code resolveBlocking} and a resolve with no known node yet wait (default 5 s)
 * @param breakerFailures     consecutive failures that open a node's circuit breaker (default 3)
 * @param breakerOpenFor      how long an open breaker waits before letting one trial call through (default 30 s)
 * @param reconnectMin        first reconnect delay (default 1 s), doubled per failed attempt up to
 * @param reconnectMax        the longest reconnect delay (default 16 s); each delay is jittered by ±50 %
 */
public record SwitchboardOptions(Duration ttl, Duration resolveTimeout, int breakerFailures, Duration breakerOpenFor,
                                 Duration reconnectMin, Duration reconnectMax) {

    public SwitchboardOptions {
        Objects.requireNonNull(ttl, "ttl");
        Objects.requireNonNull(resolveTimeout, "resolveTimeout");
        Objects.requireNonNull(breakerOpenFor, "breakerOpenFor");
        Objects.requireNonNull(reconnectMin, "reconnectMin");
        Objects.requireNonNull(reconnectMax, "reconnectMax");
        if (ttl.toSeconds() < 5 || ttl.toSeconds() > 300) {
            throw new IllegalArgumentException("ttl must be from 5 s to 300 s, got " + ttl);
        }
        if (breakerFailures < 1) {
            throw new IllegalArgumentException("breakerFailures must be at least 1, got " + breakerFailures);
        }
        if (reconnectMin.isNegative() || reconnectMin.isZero() || reconnectMax.compareTo(reconnectMin) < 0) {
            throw new IllegalArgumentException("reconnect delays must satisfy 0 < reconnectMin <= reconnectMax");
        }
    }

    public static SwitchboardOptions defaults() {
        return new SwitchboardOptions(Duration.ofSeconds(30), Duration.ofSeconds(5), 3, Duration.ofSeconds(30),
                Duration.ofSeconds(1), Duration.ofSeconds(16));
    }

    public SwitchboardOptions withTtl(Duration ttl) {
        return new SwitchboardOptions(ttl, resolveTimeout, breakerFailures, breakerOpenFor, reconnectMin, reconnectMax);
    }

    public SwitchboardOptions withResolveTimeout(Duration timeout) {
        return new SwitchboardOptions(ttl, timeout, breakerFailures, breakerOpenFor, reconnectMin, reconnectMax);
    }

    public SwitchboardOptions withBreaker(int failures, Duration openFor) {
        return new SwitchboardOptions(ttl, resolveTimeout, failures, openFor, reconnectMin, reconnectMax);
    }

    public SwitchboardOptions withReconnect(Duration min, Duration max) {
        return new SwitchboardOptions(ttl, resolveTimeout, breakerFailures, breakerOpenFor, min, max);
    }
}
