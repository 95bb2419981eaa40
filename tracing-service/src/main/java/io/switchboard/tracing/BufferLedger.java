package io.switchboard.tracing;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;

/**
 * The slots this replica wrote, by ring, sequence range and tenant, until every reader has read them or the ring
 * overwrote them. It answers two questions. How many of this replica's slots (and of each tenant's) are still unread
 * on each ring, which is what {@link BufferAdmission} admits against. And which tenant lost what: slots the ring
 * overwrote before the history indexer read them are counted as lost for their tenant
 * ({@code switchboard.tracing.lost{tenant}}, in slots, as {@code switchboard_history_lost_total} counts them in all).
 * Each slot is counted by the replica that wrote it, so once in the cluster; a replica that dies takes its unsettled
 * ranges with it. Written from event loops, settled by a worker.
 */
final class BufferLedger {
    private final MeterRegistry registry;
    /** Per ring: first sequence of a range to its last sequence and tenant. */
    private final Map<Long, Range>[] written;

    private record Range(long last, String tenant) {
    }

    /** What is unread of this replica's slots after a settling: per ring, and per tenant and ring. */
    record Unread(long[] perRing, Map<String, long[]> perTenant) {
    }

    /** What a tenant's loss is reported to, besides the meter (the cluster-wide {@link io.switchboard.common.buffer.BufferLosses}). */
    interface LossSink {
        void lost(String tenant, long slots);
    }

    @SuppressWarnings("unchecked")
    BufferLedger(int rings, MeterRegistry registry) {
        this.registry = registry;
        this.written = new Map[rings];
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

    /**
     * Settles every ring against the readers' positions and the rings' heads: forgets what every reader has read,
     * counts what was overwritten before the indexer read it, and sums up what is still unread above each ring's floor.
     */
    Unread settle(ReaderPositions readers, long[] heads, LossSink sink) {
        long[] perRing = new long[written.length];
        Map<String, long[]> perTenant = new HashMap<>();
        for (int ring = 0; ring < written.length; ring++) {
            synchronized (written[ring]) {
                perRing[ring] = settle(ring, written[ring], readers.indexer(ring), readers.floor(ring), heads[ring],
                        perTenant, sink);
            }
        }
        return new Unread(perRing, perTenant);
    }

    private long settle(int ring, Map<Long, Range> ranges, Long indexer, long floor, long head,
                        Map<String, long[]> perTenant, LossSink sink) {
        long unread = 0;
        Range cut = null; // a range partly overwritten: what is still in the ring goes back in at the head
        for (Iterator<Map.Entry<Long, Range>> it = ranges.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<Long, Range> e = it.next();
            long first = e.getKey();
            Range r = e.getValue();
            boolean indexed = indexer == null || r.last() <= indexer;
            if (indexed && (floor == ReaderPositions.NO_FLOOR || r.last() <= floor)) {
                it.remove(); // read by everyone who reads
                continue;
            }
            if (first < head) {
                // Some of it is overwritten: [first, min(last, head - 1)], of which what the indexer had not read is lost.
                long overwrittenTo = Math.min(r.last(), head - 1);
                if (indexer != null) {
                    long lost = overwrittenTo - Math.max(first - 1, indexer);
                    if (lost > 0) {
                        Counter.builder("switchboard.tracing.lost").tag("tenant", r.tenant())
                                .description("Buffer slots of the tenant overwritten before the history indexer read them")
                                .register(registry).increment(lost);
                        sink.lost(r.tenant(), lost);
                    }
                }
                it.remove();
                if (r.last() < head) {
                    continue;
                }
                first = head;
                cut = r;
            }
            if (floor != ReaderPositions.NO_FLOOR) {
                long above = r.last() - Math.max(first - 1, floor);
                if (above > 0) {
                    unread += above;
                    perTenant.computeIfAbsent(r.tenant(), t -> new long[written.length])[ring] += above;
                }
            }
        }
        if (cut != null) {
            ranges.put(head, cut);
        }
        return unread;
    }
}
