package io.switchboard.tracing;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.switchboard.common.buffer.TraceRings;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * Which tenant lost what: the slots this replica wrote, by ring, sequence range and tenant, until the history
 * indexer has read them (its checkpoint passed them) or the ring overwrote them first, which is counted as lost for
 * that tenant ({@code switchboard_tracing_lost_total{tenant}}, in slots, as {@code switchboard_history_lost_total}
 * counts them in all). Each slot is counted by the replica that wrote it, so once in the cluster; a replica that
 * dies takes its unsettled ranges with it. Without an indexer (no checkpoint) nothing is lost from history, and
 * overwritten ranges are only forgotten. Written from event loops, settled by a worker once a second.
 */
final class LossLedger {
    private final TraceRings rings;
    private final IMap<String, Long> checkpoints;
    private final MeterRegistry registry;
    /** Per ring: first sequence of a range to its last sequence and tenant. */
    private final Map<Long, Range>[] written;

    private record Range(long last, String tenant) {
    }

    @SuppressWarnings("unchecked")
    LossLedger(HazelcastInstance hazelcast, TraceRings rings, MeterRegistry registry) {
        this.rings = rings;
        this.checkpoints = hazelcast.getMap(TraceRings.CHECKPOINTS);
        this.registry = registry;
        this.written = new Map[rings.shards()];
        for (int i = 0; i < written.length; i++) {
            written[i] = new TreeMap<>();
        }
    }

    /** The tenant's {@code slots} were appended to the ring, ending at sequence {@code last}. */
    void written(int ring, long last, int slots, String tenant) {
        synchronized (written[ring]) {
            written[ring].put(last - slots + 1, new Range(last, tenant));
        }
    }

    /** Settles every ring: forgets what was indexed, counts what was overwritten before it was (blocking). */
    void settle() {
        for (int ring = 0; ring < written.length; ring++) {
            synchronized (written[ring]) {
                if (written[ring].isEmpty()) {
                    continue;
                }
            }
            Long checkpoint = checkpoints.get(TraceRings.PREFIX + ring);
            long head = rings.ring(ring).headSequence();
            synchronized (written[ring]) {
                settle(ring, written[ring], checkpoint, head);
            }
        }
    }

    private void settle(int ring, Map<Long, Range> ranges, Long checkpoint, long head) {
        for (Iterator<Map.Entry<Long, Range>> it = ranges.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Long, Range> e = it.next();
            long first = e.getKey();
            Range r = e.getValue();
            if (checkpoint != null && r.last() <= checkpoint) {
                it.remove(); // indexed
                continue;
            }
            if (first >= head) {
                break; // still in the ring; so is everything after it
            }
            // Some of it is overwritten: [first, min(last, head - 1)], of which what the indexer had not read is lost.
            long overwrittenTo = Math.min(r.last(), head - 1);
            if (checkpoint != null) {
                long lost = overwrittenTo - Math.max(first - 1, checkpoint);
                if (lost > 0) {
                    Counter.builder("switchboard.tracing.lost").tag("tenant", r.tenant())
                            .description("Buffer slots of the tenant overwritten before the history indexer read them")
                            .register(registry).increment(lost);
                }
            }
            it.remove();
            if (r.last() >= head) {
                ranges.put(head, r); // the rest is still in the ring
                break;
            }
        }
    }
}
