package io.switchboard.tracing;

import com.hazelcast.ringbuffer.ReadResultSet;
import com.hazelcast.ringbuffer.Ringbuffer;
import com.hazelcast.ringbuffer.StaleSequenceException;
import io.switchboard.common.buffer.RingSlots;
import io.switchboard.common.buffer.TailFilter;
import io.switchboard.common.buffer.TraceRings;
import io.switchboard.common.codec.Json;
import io.switchboard.common.protocol.Session;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;
import java.util.concurrent.CompletionException;

/**
 * One {@code tail} of one connection: reads every ring from its position, filtered where the ring lives, and sends
 * what matches. It reads only while the connection can take frames, so nothing queues up in memory: a tail that
 * falls behind the ring gets {@code lagged {missed}} and continues from the present. Runs on the connection's
 * event loop.
 */
final class Tail {
    private static final int READ_BATCH = 500;
    private static final long IDLE_POLL_MILLIS = 100;

    private final String id;
    private final TailFilter filter;
    private final Session session;
    private final Vertx vertx;
    private final TraceRings rings;
    private final TracingMetrics metrics;
    private final long[] next;
    private final int readBatch;
    private final boolean[] reading;
    private final RingSlots.Assembler[] assemblers;
    private boolean stopped;

    Tail(String id, TailFilter filter, Session session, Vertx vertx, TraceRings rings, TracingMetrics metrics, Start start) {
        this.id = id;
        this.filter = filter;
        this.session = session;
        this.vertx = vertx;
        this.rings = rings;
        this.metrics = metrics;
        this.next = start.positions().clone();
        this.readBatch = (int) Math.min(READ_BATCH, start.ringCapacity());
        this.reading = new boolean[rings.shards()];
        this.assemblers = new RingSlots.Assembler[rings.shards()];
        for (int i = 0; i < assemblers.length; i++) {
            assemblers[i] = new RingSlots.Assembler();
        }
    }

    /** Where a tail starts in each ring, and the rings' capacity (a read may not ask for more). */
    record Start(long[] positions, long ringCapacity) {
    }

    /**
     * Positions for {@code from}: "now" (the present), "earliest" (all the buffer holds), or a cursor (then
     * {@code cursor} holds the parsed positions).
     */
    static Future<Start> start(Vertx vertx, TraceRings rings, String from, long[] cursor) {
        return vertx.executeBlocking(() -> {
            long[] start = cursor != null ? cursor : new long[rings.shards()];
            if (cursor == null) {
                for (int i = 0; i < start.length; i++) {
                    Ringbuffer<String> ring = rings.ring(i);
                    start[i] = from.equals("earliest") ? ring.headSequence() : ring.tailSequence() + 1;
                }
            }
            return new Start(start, rings.ring(0).capacity());
        }, false);
    }

    /** A cursor is {@code ring:sequence} pairs, as sent in every tail frame; rings it omits start at 0. */
    static long[] parseCursor(String cursor, int shards) {
        long[] start = new long[shards];
        for (String part : cursor.split(",")) {
            String[] kv = part.split(":");
            int ring;
            long seq;
            try {
                ring = Integer.parseInt(kv[0]);
                seq = Long.parseLong(kv[1]);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("from must be \"now\", \"earliest\" or a cursor such as \"0:120,1:98\"");
            }
            if (kv.length != 2 || ring < 0 || ring >= shards || seq < 0) {
                throw new IllegalArgumentException("cursor part '" + part + "' names no ring of this buffer (0 to "
                        + (shards - 1) + ") or has a negative sequence");
            }
            start[ring] = seq;
        }
        return start;
    }

    String cursor() {
        StringJoiner j = new StringJoiner(",");
        for (int i = 0; i < next.length; i++) {
            j.add(i + ":" + next[i]);
        }
        return j.toString();
    }

    void start() {
        for (int i = 0; i < next.length; i++) {
            read(i);
        }
    }

    void stop() {
        stopped = true;
    }

    /** Called when the connection's outbound buffer drained: resumes rings that paused for it. */
    void drained() {
        for (int i = 0; i < next.length; i++) {
            if (!reading[i]) {
                read(i);
            }
        }
    }

    private void read(int shard) {
        if (stopped || reading[shard] || session.writeQueueFull()) {
            return;
        }
        reading[shard] = true;
        Ringbuffer<String> ring = rings.ring(shard);
        Future<ReadResultSet<String>> read;
        try {
            read = Future.fromCompletionStage(ring.readManyAsync(next[shard], 0, readBatch, filter), vertx.getOrCreateContext());
        } catch (RuntimeException e) {
            read = Future.failedFuture(e);
        }
        read
                .onComplete(ar -> {
                    reading[shard] = false;
                    if (stopped) {
                        return;
                    }
                    if (ar.succeeded()) {
                        delivered(shard, ar.result());
                    } else {
                        failed(shard, ar.cause());
                    }
                });
    }

    private void delivered(int shard, ReadResultSet<String> result) {
        if (result.readCount() == 0) {
            // Nothing new (and no next sequence is reported for an empty read): poll again shortly.
            vertx.setTimer(IDLE_POLL_MILLIS, t -> read(shard));
            return;
        }
        // Hazelcast starts a read at the oldest item still held when asked for an older one: a gap means the ring
        // overwrote items before this tail read them.
        if (result.getNextSequenceToReadFrom() - result.readCount() > next[shard]) {
            lag(shard, -1);
            return;
        }
        next[shard] = result.getNextSequenceToReadFrom();
        if (result.size() > 0) {
            List<String> items = new ArrayList<>(result.size());
            for (int i = 0; i < result.size(); i++) {
                String record = assemblers[shard].offer(result.getSequence(i), result.get(i));
                // A large item is whole only now: filter it here (its parts passed the filter on the member).
                if (record != null && (!RingSlots.isPart(result.get(i)) || filter.apply(record))) {
                    items.add(TraceRings.json(record));
                }
            }
            if (items.isEmpty()) {
                read(shard);
                return;
            }
            session.sendText("{\"type\":\"events\",\"tail\":" + Json.write(id) + ",\"cursor\":\"" + cursor()
                    + "\",\"items\":[" + String.join(",", items) + "]}");
        }
        read(shard);
    }

    /** The ring overwrote what this tail had not read yet: say how much, and go on from the present. */
    private void lag(int shard, long headIfUnknown) {
        Ringbuffer<String> ring = rings.ring(shard);
        reading[shard] = true;
        vertx.executeBlocking(ring::tailSequence, false).onComplete(tail -> {
            reading[shard] = false;
            if (stopped) {
                return;
            }
            long present = tail.succeeded() ? tail.result() + 1 : Math.max(headIfUnknown, next[shard]);
            long missed = Math.max(0, present - next[shard]);
            next[shard] = present;
            assemblers[shard].reset();
            metrics.lagged.increment(missed);
            session.send(session.frame("lagged").put("tail", id).put("ring", shard).put("missed", missed)
                    .put("cursor", cursor()));
            read(shard);
        });
    }

    private void failed(int shard, Throwable cause) {
        Throwable root = cause instanceof CompletionException && cause.getCause() != null ? cause.getCause() : cause;
        if (root instanceof StaleSequenceException stale) {
            lag(shard, stale.getHeadSeq());
            return;
        }
        // The ring's member is unreachable or migrating: try again shortly.
        vertx.setTimer(1_000, t -> read(shard));
    }
}
