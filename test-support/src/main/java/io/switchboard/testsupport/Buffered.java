package io.switchboard.testsupport;

import com.hazelcast.ringbuffer.Ringbuffer;
import io.switchboard.common.buffer.TraceRings;
import io.switchboard.common.model.TraceItem;
import java.util.ArrayList;
import java.util.List;

/** What the trace buffer holds for a tenant, read ring by ring in sequence order (a full scan: tests only). */
public final class Buffered {
    private Buffered() {
    }

    public static List<TraceItem> items(TraceRings rings, String tenant) {
        List<TraceItem> out = new ArrayList<>();
        for (Ringbuffer<String> ring : rings.rings()) {
            for (long s = ring.headSequence(); s <= ring.tailSequence(); s++) {
                try {
                    String record = ring.readOne(s);
                    if (TraceRings.belongsTo(record, tenant)) {
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
}
