package io.switchboard.common.buffer;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import java.time.Instant;
import java.util.Map;

/**
 * What each tenant has lost from the trace buffer: slots the ring overwrote before the history indexer read them,
 * which happens only past a documented bound (a reader gone longer than {@code tracing.reader-grace}). Kept in the
 * Hazelcast map {@value #MAP} (tenant to total and when it last grew), added to by the tracing replicas that wrote the
 * slots, read by the tenant's operators through the query service ({@code GET /api/v1/losses}). Blocking calls.
 */
public final class BufferLosses {
    public static final String MAP = "tracing.losses";

    /** A tenant's losses: slots lost in all, and when the last were. */
    public record Loss(long slots, Instant lastAt) {
        public static final Loss NONE = new Loss(0, null);
    }

    private final IMap<String, long[]> map;

    public BufferLosses(HazelcastInstance hazelcast) {
        this.map = hazelcast.getMap(MAP);
    }

    /** Adds slots lost per tenant. Optimistic (compare and set), so replicas adding at once never lose a count. */
    public void add(Map<String, Long> lost, long nowMillis) {
        for (Map.Entry<String, Long> e : lost.entrySet()) {
            while (true) {
                long[] old = map.get(e.getKey());
                long[] next = {(old == null ? 0 : old[0]) + e.getValue(), nowMillis};
                if (old == null ? map.putIfAbsent(e.getKey(), next) == null : map.replace(e.getKey(), old, next)) {
                    break;
                }
            }
        }
    }

    public Loss of(String tenant) {
        long[] v = map.get(tenant);
        return v == null ? Loss.NONE : new Loss(v[0], Instant.ofEpochMilli(v[1]));
    }
}
