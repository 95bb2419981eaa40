package io.switchboard.tracing;

import io.switchboard.common.buffer.RingSlots;
import io.switchboard.common.config.ConfigException;
import io.switchboard.common.config.ConfigSource;
import java.time.Duration;

/**
 * The tracing service's own settings (the {@code tracing.*} and {@code quota.*} keys of tracing.properties).
 *
 * @param bufferBytes       the trace buffer's memory across all rings (primary copies); the rings hold as many slots
 *                          as this allows with every slot full, so the buffer can never hold more
 * @param bufferShards      rings the buffer is split into
 * @param maxItemsPerBatch  items in one {@code events} frame
 * @param maxInFlight       unacknowledged batches per connection before the server stops reading it
 * @param maxTailsPerConnection tails one connection may hold
 * @param maxEventAge       the oldest item time accepted: the history's retention
 * @param quotas            what one tenant may use of this replica
 * @param pushBack          how the buffer waits for its readers instead of overwriting what they have not read
 */
public record TracingConfig(long bufferBytes, int bufferShards, int maxItemsPerBatch, int maxInFlight,
                            int maxTailsPerConnection, Duration maxEventAge, Quotas quotas, PushBack pushBack) {

    /** The least a ring holds, in slots: room for several items of the largest size. */
    static final int MIN_SLOTS_PER_RING = 512;

    /**
     * Per tenant and per replica: a tenant over one gets {@code limit_exceeded} naming it; 0 means no limit.
     *
     * @param eventsPerSecond items stored per second
     * @param bytesPerSecond  bytes of {@code events} frames stored per second
     * @param connections     tracing connections open at once
     * @param tails           tails open at once
     */
    public record Quotas(long eventsPerSecond, long bytesPerSecond, int connections, int tails) {
        public static final Quotas DEFAULT = new Quotas(10_000, 10L << 20, 2_000, 16);
        public static final Quotas NONE = new Quotas(0, 0, 0, 0);
    }

    /**
     * Push-back ({@link BufferAdmission}).
     *
     * @param readerGrace        how long a reader (the history indexer, the outcome aggregation) may stand still with
     *                           unread slots before the buffer stops waiting for it and overwrites, counting the loss
     * @param maxWait            how long a batch waits for room before it is refused with {@code limit_exceeded}
     * @param tenantSharePercent the most of a replica's room for unread slots one tenant may fill, in percent
     */
    public record PushBack(Duration readerGrace, Duration maxWait, int tenantSharePercent) {
        public static final PushBack DEFAULT = new PushBack(Duration.ofMinutes(2), Duration.ofSeconds(5), 50);
    }

    public static final TracingConfig DEFAULT = new TracingConfig(64L << 20, 8, 1_000, 8, 8, Duration.ofDays(7),
            Quotas.DEFAULT, PushBack.DEFAULT);

    public static TracingConfig from(ConfigSource c) {
        int shards = c.integer("tracing.buffer-shards", 1, 256);
        long minBytes = (long) shards * MIN_SLOTS_PER_RING * (RingSlots.SLOT_BYTES + RingSlots.SLOT_OVERHEAD_BYTES);
        // By default a quarter of this JVM's heap: the members hold the buffer (and its backup) besides the registry.
        long bytes = c.bytes("tracing.buffer-bytes", 1, 1L << 40, () -> Runtime.getRuntime().maxMemory() / 4);
        if (bytes < minBytes) {
            throw new ConfigException("invalid configuration: tracing.buffer-bytes=" + bytes + " leaves fewer than "
                    + MIN_SLOTS_PER_RING + " slots per ring; give at least " + minBytes + " bytes for "
                    + shards + " rings, or fewer rings");
        }
        return new TracingConfig(bytes, shards,
                c.integer("tracing.max-items-per-batch", 1, 100_000),
                c.integer("tracing.max-in-flight", 1, 1_000),
                c.integer("tracing.max-tails-per-connection", 1, 1_000),
                c.duration("tracing.max-event-age", Duration.ofHours(1), Duration.ofDays(3_650)),
                new Quotas(c.integer("quota.events-per-second", 0, 100_000_000),
                        c.bytes("quota.bytes-per-second", 0, 1L << 40, null),
                        c.integer("quota.connections", 0, 10_000_000),
                        c.integer("quota.tails", 0, 1_000_000)),
                new PushBack(c.duration("tracing.reader-grace", Duration.ofSeconds(1), Duration.ofDays(7)),
                        c.duration("tracing.push-back-wait", Duration.ZERO, Duration.ofMinutes(1)),
                        c.integer("tracing.tenant-buffer-share", 1, 100)));
    }

    /** With another buffer: its bytes and rings. */
    public TracingConfig withBuffer(long bytes, int shards) {
        return new TracingConfig(bytes, shards, maxItemsPerBatch, maxInFlight, maxTailsPerConnection, maxEventAge, quotas, pushBack);
    }

    /** With a buffer of exactly {@code slotsPerRing} slots in each of {@code shards} rings (for tests). */
    public TracingConfig withSlots(int slotsPerRing, int shards) {
        return withBuffer((long) slotsPerRing * shards * (RingSlots.SLOT_BYTES + RingSlots.SLOT_OVERHEAD_BYTES), shards);
    }

    public TracingConfig withLimits(int maxItemsPerBatch, int maxInFlight, int maxTailsPerConnection) {
        return new TracingConfig(bufferBytes, bufferShards, maxItemsPerBatch, maxInFlight, maxTailsPerConnection,
                maxEventAge, quotas, pushBack);
    }

    public TracingConfig withQuotas(Quotas q) {
        return new TracingConfig(bufferBytes, bufferShards, maxItemsPerBatch, maxInFlight, maxTailsPerConnection,
                maxEventAge, q, pushBack);
    }

    public TracingConfig withPushBack(PushBack p) {
        return new TracingConfig(bufferBytes, bufferShards, maxItemsPerBatch, maxInFlight, maxTailsPerConnection,
                maxEventAge, quotas, p);
    }
}
