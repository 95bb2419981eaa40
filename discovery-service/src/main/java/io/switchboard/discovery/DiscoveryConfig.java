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
 */
public record DiscoveryConfig(Duration defaultTtl, Duration minTtl, Duration maxTtl, int maxNodesPerConnection,
                              int maxSubscriptionsPerConnection, Duration pushDelay, int maxPendingChanges,
                              Duration slowSubscriberTimeout) {

    public static final DiscoveryConfig DEFAULT = new DiscoveryConfig(Duration.ofSeconds(30), Duration.ofSeconds(5),
            Duration.ofSeconds(300), 1_000, 64, Duration.ofMillis(2), 10_000, Duration.ofSeconds(30));

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
                c.duration("discovery.slow-subscriber-timeout", Duration.ofSeconds(1), Duration.ofHours(1)));
    }
}
