package io.switchboard.tracing;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.ringbuffer.Ringbuffer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.switchboard.common.buffer.TraceRings;

/**
 * The tracing service's meters, prefixed {@code switchboard.tracing}: items accepted and rejected, items clients
 * dropped before sending, the buffer's fill, and the items overwritten before the indexer read them (from the
 * indexer's checkpoints in {@code indexer.checkpoints}, when an indexer runs).
 */
final class TracingMetrics {
    static final String CHECKPOINTS = TraceRings.CHECKPOINTS;

    final Counter accepted;
    final Counter rejected;
    final Counter lagged;
    private final MeterRegistry registry;

    TracingMetrics(MeterRegistry registry, HazelcastInstance hazelcast, TraceRings rings) {
        accepted = Counter.builder("switchboard.tracing.items.accepted").description("Items appended to the buffer").register(registry);
        rejected = Counter.builder("switchboard.tracing.items.rejected").description("Items refused by validation").register(registry);
        this.registry = registry;
        lagged = Counter.builder("switchboard.tracing.tail.lagged").description("Items tail subscribers missed").register(registry);
        IMap<String, Long> checkpoints = hazelcast.getMap(CHECKPOINTS);
        for (int i = 0; i < rings.shards(); i++) {
            Ringbuffer<String> ring = rings.ring(i);
            String name = TraceRings.PREFIX + i;
            Gauge.builder("switchboard.tracing.buffer.fill", ring, r -> (double) r.size() / r.capacity())
                    .tag("ring", name).description("Share of the ring in use").register(registry);
            Gauge.builder("switchboard.tracing.buffer.unindexed.overwritten", ring, r -> {
                Long checkpoint = checkpoints.get(name);
                return checkpoint == null ? 0 : Math.max(0, r.headSequence() - (checkpoint + 1));
            }).tag("ring", name).description("Items overwritten before the indexer read them, by its last checkpoint")
                    .register(registry);
        }
    }

    /** Items a tenant's client reported dropping (its buffer was full while it could not send). */
    void clientDropped(String tenant, long n) {
        if (n > 0) {
            Counter.builder("switchboard.tracing.items.client.dropped").tag("tenant", tenant)
                    .description("Items clients reported dropping because their buffer was full").register(registry)
                    .increment(n);
        }
    }
}
