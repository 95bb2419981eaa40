package io.switchboard.bench;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.ringbuffer.OverflowPolicy;
import io.switchboard.common.buffer.TraceRings;
import io.switchboard.common.model.TraceItem;
import io.switchboard.testsupport.WsTestClient;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.function.IntFunction;

/** Writes generated items straight into the trace buffer, as the tracing service would, a thousand at a time. */
final class BufferFill {
    private BufferFill() {
    }

    static void fill(HazelcastInstance hz, int shards, int count, IntFunction<TraceItem> item) {
        TraceRings rings = new TraceRings(hz, shards);
        List<Future<Long>> writes = new ArrayList<>();
        List<List<String>> batches = new ArrayList<>();
        for (int r = 0; r < shards; r++) {
            batches.add(new ArrayList<>());
        }
        for (int i = 0; i < count; i++) {
            List<String> batch = batches.get(i % shards);
            batch.add(TraceRings.encode(item.apply(i)));
            if (batch.size() == 1_000 || i >= count - shards) {
                writes.add(Future.fromCompletionStage(rings.ring(i % shards).addAllAsync(List.copyOf(batch), OverflowPolicy.OVERWRITE)));
                batch.clear();
            }
            if (writes.size() >= 64) {
                writes.forEach(WsTestClient::await);
                writes.clear();
            }
        }
        writes.forEach(WsTestClient::await);
    }
}
