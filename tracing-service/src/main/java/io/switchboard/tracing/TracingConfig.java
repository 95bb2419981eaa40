package io.switchboard.tracing;

import io.switchboard.common.config.ConfigSource;

/**
 * The tracing service's own settings (the {@code tracing.*} keys of tracing.properties).
 *
 * @param bufferCapacity    items held across all rings before the oldest are overwritten
 * @param bufferShards      rings the buffer is split into
 * @param maxItemsPerBatch  items in one {@code events} frame
 * @param maxInFlight       unacknowledged batches per connection before the server stops reading it
 * @param maxTailsPerConnection tails one connection may hold
 */
public record TracingConfig(int bufferCapacity, int bufferShards, int maxItemsPerBatch, int maxInFlight,
                            int maxTailsPerConnection) {

    public static final TracingConfig DEFAULT = new TracingConfig(1 << 20, 8, 1_000, 8, 8);

    public static TracingConfig from(ConfigSource c) {
        return new TracingConfig(
                c.integer("tracing.buffer-capacity", 1_000, 100_000_000),
                c.integer("tracing.buffer-shards", 1, 256),
                c.integer("tracing.max-items-per-batch", 1, 100_000),
                c.integer("tracing.max-in-flight", 1, 1_000),
                c.integer("tracing.max-tails-per-connection", 1, 1_000));
    }
}
