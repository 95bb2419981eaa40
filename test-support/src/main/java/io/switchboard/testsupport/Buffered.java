package io.switchboard.testsupport;

import com.hazelcast.ringbuffer.Ringbuffer;
import io.switchboard.common.buffer.RingSlots;
import io.switchboard.common.buffer.TraceRings;
import io.switchboard.common.model.TraceItem;
import java.util.ArrayList;
import java.util.List;

/**
 * What the trace buffer holds for a tenant, read ring by ring in sequence order, large items put back together from
 * their parts (a full scan: tests only).
 */
public final class Buffered {
    private Buffered() {
    }

    public static List<TraceItem> items(TraceRings rings, String tenant) {
        List<TraceItem> out = new ArrayList<>();
        for (Ringbuffer<String> ring : rings.rings()) {
            RingSlots.Assembler whole = new RingSlots.Assembler();
            for (long s = ring.headSequence(); s <= ring.tailSequence(); s++) {
                try {
                    String record = whole.offer(s, ring.readOne(s));
                    if (record != null && TraceRings.belongsTo(record, tenant)) {
                        out.add(TraceRings.decode(record));
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted while reading the buffer", e);
                }
            }
        }
        return out;
    }

    /** Every slot the rings hold now, as stored (whole records and parts), ring by ring. */
    public static List<String> slots(TraceRings rings) {
        List<String> out = new ArrayList<>();
        for (Ringbuffer<String> ring : rings.rings()) {
            for (long s = ring.headSequence(); s <= ring.tailSequence(); s++) {
                try {
                    out.add(ring.readOne(s));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new AssertionError("interrupted while reading the buffer", e);
                }
            }
        }
        return out;
    }
}
