package io.switchboard.discovery;

import io.switchboard.common.config.ConfigException;
import io.switchboard.common.config.ConfigSource;
import java.time.Duration;

/**
 * The discovery service's own settings (the {@code discovery.*} keys of discovery.properties).
 *
 * @param pushDelay             how long changes are gathered into one {@code changes} frame
 * @param maxPendingChanges     queued changes per subscriber before it is resynchronised with a snapshot
 * @param slowSubscriberTimeout how long a subscriber may block before it is disconnected
 * @param quotas                what one tenant may use
 */
public record DiscoveryConfig(Duration defaultTtl, Duration minTtl, Duration maxTtl, int maxNodesPerConnection,
                              int maxSubscriptionsPerConnection, Duration pushDelay, int maxPendingChanges,
                              Duration slowSubscriberTimeout, Quotas quotas) {

    /**
     * Per tenant; 0 means no limit. A tenant over one gets {@code limit_exceeded} naming it.
     *
     * @param connections   discovery connections open at once, on each replica
     * @param nodes         nodes registered at once, in the whole registry (counted within about a second)
     * @param subscriptions subscriptions open at once, on each replica
     * @param registryBytes the bytes of the tenant's registered nodes ({@code Node.bytes()}), whole registry
     *                      (counted within about a second)
     * @param nodeBytes     the most one node may weigh ({@code discovery.max-node-bytes})
     * @param fanoutPerSecond change deliveries (changes times subscriptions, all replicas) per second ({@link FanoutQuota})
     */
    public record Quotas(int connections, int nodes, int subscriptions, long registryBytes, int nodeBytes,
                         long fanoutPerSecond) {
        public static final long DEFAULT_REGISTRY_BYTES = 64L << 20;
        public static final int DEFAULT_NODE_BYTES = 4_096;
        public static final long DEFAULT_FANOUT_PER_SECOND = 20_000;
        public static final Quotas DEFAULT = new Quotas(2_000, 20_000, 2_000);

        /** With the default byte and fan-out bounds. */
        public Quotas(int connections, int nodes, int subscriptions) {
            this(connections, nodes, subscriptions, DEFAULT_REGISTRY_BYTES, DEFAULT_NODE_BYTES);
        }

        /** With the default fan-out bound. */
        public Quotas(int connections, int nodes, int subscriptions, long registryBytes, int nodeBytes) {
            this(connections, nodes, subscriptions, registryBytes, nodeBytes, DEFAULT_FANOUT_PER_SECOND);
        }
    }

    public static final DiscoveryConfig DEFAULT = new DiscoveryConfig(Duration.ofSeconds(30), Duration.ofSeconds(5),
            Duration.ofSeconds(300), 1_000, 64, Duration.ofMillis(2), 10_000, Duration.ofSeconds(30));

    /** With the default quotas. */
    public DiscoveryConfig(Duration defaultTtl, Duration minTtl, Duration maxTtl, int maxNodesPerConnection,
                           int maxSubscriptionsPerConnection, Duration pushDelay, int maxPendingChanges,
                           Duration slowSubscriberTimeout) {
        this(defaultTtl, minTtl, maxTtl, maxNodesPerConnection, maxSubscriptionsPerConnection, pushDelay, maxPendingChanges,
                slowSubscriberTimeout, Quotas.DEFAULT);
    }

    public DiscoveryConfig withQuotas(Quotas q) {
        return new DiscoveryConfig(defaultTtl, minTtl, maxTtl, maxNodesPerConnection, maxSubscriptionsPerConnection,
                pushDelay, maxPendingChanges, slowSubscriberTimeout, q);
    }

    public static DiscoveryConfig from(ConfigSource c) {
        Duration min = c.duration("discovery.min-ttl", Duration.ofSeconds(1), Duration.ofHours(1));
        Duration max = c.duration("discovery.max-ttl", Duration.ofSeconds(1), Duration.ofHours(24));
        Duration def = c.duration("discovery.default-ttl", Duration.ofSeconds(1), Duration.ofHours(24));
        if (min.compareTo(max) > 0 || def.compareTo(min) < 0 || def.compareTo(max) > 0) {
            throw new ConfigException("invalid configuration: discovery.default-ttl (" + def.toSeconds()
                    + "s) must lie between discovery.min-ttl (" + min.toSeconds() + "s) and discovery.max-ttl ("
                    + max.toSeconds() + "s)");
        }
        return new DiscoveryConfig(def, min, max,
                c.integer("discovery.max-nodes-per-connection", 1, 1_000_000),
                c.integer("discovery.max-subscriptions-per-connection", 1, 10_000),
                c.duration("discovery.push-delay", Duration.ofMillis(1), Duration.ofSeconds(1)),
                c.integer("discovery.max-pending-changes", 10, 10_000_000),
                c.duration("discovery.slow-subscriber-timeout", Duration.ofSeconds(1), Duration.ofHours(1)),
                new Quotas(c.integer("quota.connections", 0, 10_000_000), c.integer("quota.nodes", 0, 100_000_000),
                        c.integer("quota.subscriptions", 0, 10_000_000), c.bytes("quota.registry-bytes", 0, 1L << 40, null),
                        (int) c.bytes("discovery.max-node-bytes", 512, 1L << 20, null),
                        c.integer("quota.fanout-per-second", 0, 2_000_000_000)));
    }
}
