package io.switchboard.routing;

import io.switchboard.common.config.ConfigSource;
import java.time.Duration;

/**
 * How node reputation is judged (routing.* and tracing.buffer-shards of routing.properties).
 *
 * @param aggregatorEnabled    whether this replica takes part in turning call outcomes into counts
 * @param ringShards           rings of the trace buffer (as the tracing service has them)
 * @param window               outcomes are counted per node in windows this long
 * @param lookback             a node is judged on the windows of this recent past
 * @param minCalls             fewer calls than this in the lookback and a node is not judged
 * @param failurePercent       a judged node failing more than this share of its calls is ejected
 * @param ejection             how long a first ejection lasts; each repeat doubles it
 * @param maxEjection          the longest an ejection lasts
 * @param forgetAfter          a node that stayed in for this long after an ejection starts afresh
 * @param maxEjectedPercent    never more than this share of a service's nodes are ejected at once
 * @param evaluateInterval     how often standings and policies are recomputed and published
 * @param outcomeRetention     counts older than this are deleted
 */
public record RoutingConfig(boolean aggregatorEnabled, int ringShards, Duration window, Duration lookback, int minCalls,
                            int failurePercent, Duration ejection, Duration maxEjection, Duration forgetAfter,
                            int maxEjectedPercent, Duration evaluateInterval, Duration outcomeRetention,
                            int maxCallsPerCaller, Cardinality cardinality) {

    /**
     * The most distinct names one tenant's outcomes may bring into the counts over the lookback (0: no limit):
     * outcomes that would add one more are not counted ({@code switchboard.routing.outcomes.refused}).
     *
     * @param nodes    called nodes ({@code routing.max-nodes-per-tenant})
     * @param services called services ({@code routing.max-services-per-tenant})
     * @param callers  caller services ({@code routing.max-callers-per-tenant})
     * @param versions environments and versions per called service in version health
     *                 ({@code routing.max-versions-per-service}): an outcome past it still counts for its node
     */
    public record Cardinality(int nodes, int services, int callers, int versions) {
        public static final Cardinality DEFAULT = new Cardinality(20_000, 1_000, 1_000, 20);

        public Cardinality(int nodes, int services, int callers) {
            this(nodes, services, callers, DEFAULT.versions());
        }
    }

    /** With the default bounds on distinct names per tenant. */
    public RoutingConfig(boolean aggregatorEnabled, int ringShards, Duration window, Duration lookback, int minCalls,
                         int failurePercent, Duration ejection, Duration maxEjection, Duration forgetAfter,
                         int maxEjectedPercent, Duration evaluateInterval, Duration outcomeRetention, int maxCallsPerCaller) {
        this(aggregatorEnabled, ringShards, window, lookback, minCalls, failurePercent, ejection, maxEjection, forgetAfter,
                maxEjectedPercent, evaluateInterval, outcomeRetention, maxCallsPerCaller, Cardinality.DEFAULT);
    }

    public static final RoutingConfig DEFAULT = new RoutingConfig(true, 8, Duration.ofSeconds(10),
            Duration.ofSeconds(60), 20, 30, Duration.ofSeconds(30), Duration.ofMinutes(10), Duration.ofMinutes(10),
            50, Duration.ofSeconds(1), Duration.ofHours(24));

    /** With the default cap of calls per caller. */
    public RoutingConfig(boolean aggregatorEnabled, int ringShards, Duration window, Duration lookback, int minCalls,
                         int failurePercent, Duration ejection, Duration maxEjection, Duration forgetAfter,
                         int maxEjectedPercent, Duration evaluateInterval, Duration outcomeRetention) {
        this(aggregatorEnabled, ringShards, window, lookback, minCalls, failurePercent, ejection, maxEjection, forgetAfter,
                maxEjectedPercent, evaluateInterval, outcomeRetention, 1_000);
    }

    public RoutingConfig {
        if (lookback.compareTo(window) < 0) {
            throw new IllegalArgumentException("routing.lookback (" + lookback + ") must be at least routing.window ("
                    + window + ")");
        }
    }

    public static RoutingConfig from(ConfigSource c) {
        Duration second = Duration.ofSeconds(1);
        Duration day = Duration.ofDays(1);
        return new RoutingConfig(c.bool("routing.aggregator-enabled"), c.integer("tracing.buffer-shards", 1, 256),
                c.duration("routing.window", second, Duration.ofMinutes(10)),
                c.duration("routing.lookback", second, Duration.ofHours(1)),
                c.integer("routing.min-calls", 1, 1_000_000),
                c.integer("routing.failure-percent", 1, 99),
                c.duration("routing.ejection", second, day),
                c.duration("routing.max-ejection", second, day),
                c.duration("routing.forget-after", second, Duration.ofDays(7)),
                c.integer("routing.max-ejected-percent", 0, 100),
                c.duration("routing.evaluate-interval", Duration.ofMillis(100), Duration.ofMinutes(1)),
                c.duration("routing.outcome-retention", Duration.ofHours(1), Duration.ofDays(90)),
                c.integer("routing.max-calls-per-caller", 1, 100_000_000),
                new Cardinality(c.integer("routing.max-nodes-per-tenant", 0, 10_000_000),
                        c.integer("routing.max-services-per-tenant", 0, 1_000_000),
                        c.integer("routing.max-callers-per-tenant", 0, 1_000_000),
                        c.integer("routing.max-versions-per-service", 0, 10_000)));
    }

    public RoutingConfig withAggregator(boolean enabled) {
        return new RoutingConfig(enabled, ringShards, window, lookback, minCalls, failurePercent, ejection, maxEjection,
                forgetAfter, maxEjectedPercent, evaluateInterval, outcomeRetention, maxCallsPerCaller, cardinality);
    }

    public RoutingConfig withMaxCallsPerCaller(int cap) {
        return new RoutingConfig(aggregatorEnabled, ringShards, window, lookback, minCalls, failurePercent, ejection,
                maxEjection, forgetAfter, maxEjectedPercent, evaluateInterval, outcomeRetention, cap, cardinality);
    }

    public RoutingConfig withCardinality(Cardinality bounds) {
        return new RoutingConfig(aggregatorEnabled, ringShards, window, lookback, minCalls, failurePercent, ejection,
                maxEjection, forgetAfter, maxEjectedPercent, evaluateInterval, outcomeRetention, maxCallsPerCaller, bounds);
    }
}
