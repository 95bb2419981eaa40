package io.switchboard.tracing;

import com.hazelcast.ringbuffer.OverflowPolicy;
import io.switchboard.common.buffer.RingSlots;
import io.switchboard.common.buffer.TraceRings;
import io.switchboard.common.model.TraceItem;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;

/**
 * One batch's slots, ring by ring, and their way into the buffer. An item of a trace goes to that trace's ring, so a
 * trace's items stay together and in order whoever sends them; an item of no trace goes to the batch's ring, which a
 * connection takes in turn. So a busy connection spreads over every ring (and can use the whole buffer), and the
 * order kept is the order within a trace.
 */
final class BatchSlots {
    private final List<String>[] perRing;
    private final int batchRing;
    private int slots;

    @SuppressWarnings("unchecked")
    BatchSlots(int rings, int batchRing) {
        this.perRing = new List[rings];
        this.batchRing = batchRing;
    }

    /** Adds an item's record (one slot, or its parts) to the item's ring. */
    void add(TraceItem item, String record) {
        String trace = item.traceId();
        int ring = trace == null ? batchRing : Math.floorMod(trace.hashCode(), perRing.length);
        if (perRing[ring] == null) {
            perRing[ring] = new ArrayList<>(4);
        }
        int before = perRing[ring].size();
        RingSlots.split(record, perRing[ring]);
        slots += perRing[ring].size() - before;
    }

    boolean isEmpty() {
        return slots == 0;
    }

    /**
     * Appends every ring's part once the buffer admits the whole batch; fails if it is refused (nothing stored) or if
     * a part could not be appended (then the rest may be stored: the batch is to be sent again, and ids make the
     * repeats harmless).
     */
    Future<Void> append(Vertx vertx, TraceRings rings, BufferAdmission admission, String tenant) {
        int[] counts = new int[perRing.length];
        for (int r = 0; r < perRing.length; r++) {
            counts[r] = perRing[r] == null ? 0 : perRing[r].size();
        }
        // A warm-up's scratch rings (no admission) are read by no one: there is nothing to push back for.
        return (admission == null ? Future.<Void>succeededFuture() : admission.admit(tenant, counts)).compose(v -> {
            List<Future<Void>> parts = new ArrayList<>();
            for (int r = 0; r < perRing.length; r++) {
                if (counts[r] == 0) {
                    continue;
                }
                int ring = r;
                parts.add(Future.fromCompletionStage(rings.ring(r).addAllAsync(perRing[r], OverflowPolicy.OVERWRITE),
                        vertx.getOrCreateContext()).transform(ar -> {
                            if (ar.succeeded()) {
                                if (admission != null) {
                                    admission.appended(ring, ar.result(), counts[ring], tenant);
                                }
                                return Future.<Void>succeededFuture();
                            }
                            if (admission != null) {
                                admission.released(ring, counts[ring], tenant);
                            }
                            return Future.failedFuture(ar.cause());
                        }));
            }
            return Future.join(parts).mapEmpty();
        });
    }
}
