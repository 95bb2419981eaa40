package io.switchboard.client;

import io.switchboard.common.model.Node;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Discovery through Switchboard: keep this process's nodes registered, and find nodes of other services from a
 * view that the server pushes, without a network round trip per call.
 *
 * <p>Nothing here blocks on the network except the methods named {@code ...Blocking}, and nothing throws from
 * background work: connection trouble is retried with backoff and shows up only as nodes not yet known.
 */
public interface Discovery {

    /**
     * Keeps a node registered (heartbeats, re-registration after every reconnect) until {@link #deregister} or
     * {@link Switchboard#close()}. The future completes when the server first accepted it, or fails with the
     * server's reason (an invalid field, say); while disconnected it completes after the reconnect.
     */
    CompletableFuture<Void> register(Node node);

    /** Stops keeping the node registered and removes it from the registry. */
    CompletableFuture<Void> deregister(String nodeId);

    /**
     * A node of {@code service} whose version is in {@code versionRange} in {@code environment}, chosen round robin
     * among the nodes whose circuit breaker lets calls through.
     *
     * @param versionRange MAJOR, MAJOR.MINOR or MAJOR.MINOR.PATCH: the major must be equal and the rest at least the
     *                     requested (so "1.4" accepts 1.4.0 and 1.9.2 but not 2.0.0 or 1.3.9)
     * @param environment  an environment, optionally followed by a fallback: {@code "prod"} or
     *                     {@code "prod,fallback:staging"}; the fallback is used only if the primary never had a
     *                     matching node
     * @return completes at once if a node is known, else when one appears, else fails with
     *         {@link NoNodeException} after the resolve timeout
     */
    CompletableFuture<Node> resolve(String service, String versionRange, String environment);

    /** {@link #resolve} that waits at most {@code timeout}; throws {@link NoNodeException} when none came. */
    Node resolveBlocking(String service, String versionRange, String environment, Duration timeout);

    /**
     * Reports how a call to a resolved node went: it feeds the node's circuit breaker (and, with tracing, the
     * fleet's reputation of the node).
     */
    void report(Node node, boolean success, Duration latency);

    /**
     * How old this client's view of {@code service} is: zero while it is live (connected, the server's snapshot of
     * it received, changes arriving), the time since it stopped being kept up to date while disconnected (resolves
     * go on from it meanwhile), and empty if no view of the service ever arrived (it was never resolved, or its
     * subscription was refused). docs/client-behaviour.md, section 5.
     */
    Optional<Duration> viewAge(String service);
}
