package io.switchboard.client;

import java.time.Duration;
import java.util.Objects;

/**
 * Settings of a {@link Switchboard} client; every one has a default that suits most services.
 *
 * @param ttl            how long a registered node lives without a heartbeat (5 s to 300 s; default 30 s);
 *                       heartbeats go every ttl / 2
 * @param resolveTimeout how long a resolve with no known node yet waits (default 5 s)
 * @param breakerFailures consecutive failures that open a node's circuit breaker (default 3)
 * @param breakerOpenFor how long an open breaker waits before letting one trial call through (default 30 s)
 * @param reconnectMin   first reconnect delay (default 1 s), doubled per failed attempt up to
 * @param reconnectMax   the longest reconnect delay (default 16 s); each delay is jittered by ±50 %
 * @param service        this process's service, stamped on its logs, spans and outcomes (needed for tracing)
 * @param environment    this process's environment (such as prod)
 * @param nodeId         this process's node id, if it registers one
 * @param bufferSize     trace items held while they wait to be sent (default 10,000); the oldest go when full
 * @param batchInterval  how often buffered items are sent at the latest (default 100 ms)
 */
public record SwitchboardOptions(Duration ttl, Duration resolveTimeout, int breakerFailures, Duration breakerOpenFor,
                                 Duration reconnectMin, Duration reconnectMax, String service, String environment,
                                 String nodeId, int bufferSize, Duration batchInterval) {

    public SwitchboardOptions {
        Objects.requireNonNull(ttl, "ttl");
        Objects.requireNonNull(resolveTimeout, "resolveTimeout");
        Objects.requireNonNull(breakerOpenFor, "breakerOpenFor");
        Objects.requireNonNull(reconnectMin, "reconnectMin");
        Objects.requireNonNull(reconnectMax, "reconnectMax");
        Objects.requireNonNull(batchInterval, "batchInterval");
        if (ttl.toSeconds() < 5 || ttl.toSeconds() > 300) {
            throw new IllegalArgumentException("ttl must be from 5 s to 300 s, got " + ttl);
        }
        if (breakerFailures < 1) {
            throw new IllegalArgumentException("breakerFailures must be at least 1, got " + breakerFailures);
        }
        if (reconnectMin.isNegative() || reconnectMin.isZero() || reconnectMax.compareTo(reconnectMin) < 0) {
            throw new IllegalArgumentException("reconnect delays must satisfy 0 < reconnectMin <= reconnectMax");
        }
        if (bufferSize < 100) {
            throw new IllegalArgumentException("bufferSize must be at least 100, got " + bufferSize);
        }
    }

    public static SwitchboardOptions defaults() {
        return new SwitchboardOptions(Duration.ofSeconds(30), Duration.ofSeconds(5), 3, Duration.ofSeconds(30),
                Duration.ofSeconds(1), Duration.ofSeconds(16), null, null, null, 10_000, Duration.ofMillis(100));
    }

    public SwitchboardOptions withTtl(Duration v) {
        return new SwitchboardOptions(v, resolveTimeout, breakerFailures, breakerOpenFor, reconnectMin, reconnectMax,
                service, environment, nodeId, bufferSize, batchInterval);
    }

    public SwitchboardOptions withResolveTimeout(Duration v) {
        return new SwitchboardOptions(ttl, v, breakerFailures, breakerOpenFor, reconnectMin, reconnectMax,
                service, environment, nodeId, bufferSize, batchInterval);
    }

    public SwitchboardOptions withBreaker(int failures, Duration openFor) {
        return new SwitchboardOptions(ttl, resolveTimeout, failures, openFor, reconnectMin, reconnectMax,
                service, environment, nodeId, bufferSize, batchInterval);
    }

    public SwitchboardOptions withReconnect(Duration min, Duration max) {
        return new SwitchboardOptions(ttl, resolveTimeout, breakerFailures, breakerOpenFor, min, max,
                service, environment, nodeId, bufferSize, batchInterval);
    }

    /** Who this process is, for tracing: its service, environment and (optionally) node id. */
    public SwitchboardOptions withIdentity(String service, String environment, String nodeId) {
        return new SwitchboardOptions(ttl, resolveTimeout, breakerFailures, breakerOpenFor, reconnectMin, reconnectMax,
                service, environment, nodeId, bufferSize, batchInterval);
    }

    public SwitchboardOptions withBuffer(int size, Duration interval) {
        return new SwitchboardOptions(ttl, resolveTimeout, breakerFailures, breakerOpenFor, reconnectMin, reconnectMax,
                service, environment, nodeId, size, interval);
    }
}
