package io.switchboard.tracing;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.switchboard.common.buffer.TraceRings;
import io.switchboard.common.quota.QuotaExceeded;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Push-back instead of overwriting: a batch is appended to a ring only while that leaves the ring's unread slots
 * (those after the slowest live reader's position, {@link ReaderPositions}) within its capacity less a headroom.
 * Hazelcast's ring does not know its readers, so the writer keeps count.
 *
 * <p>Replicas that write the same rings each keep to a share of that room: the room divided by the replicas writing
 * ({@link TraceRings#WRITERS}), counting exactly what this replica wrote that is still unread ({@link BufferLedger})
 * and what it is writing now. A tenant keeps to {@code tracing.tenant-buffer-share} percent of the replica's share of
 * each ring, so a flooding tenant cannot push out another's unread events. A batch that does not fit waits, in
 * order, for the readers to move, up to {@code tracing.push-back-wait}; then it is refused with
 * {@code limit_exceeded} naming {@value #QUOTA} and when to send it again. Nothing is ever dropped here.
 *
 * <p>Positions are read every {@value #REFRESH_MILLIS} ms on a worker; between reads the counts only grow, so an old
 * reading errs on the side of waiting.
 */
final class BufferAdmission {
    private static final Logger LOG = LoggerFactory.getLogger(BufferAdmission.class);
    static final String QUOTA = "tracing.buffer";
    static final long REFRESH_MILLIS = 100;
    private static final long WRITER_TTL_SECONDS = 10;
    private static final int WRITERS_EVERY = 20;
    /** The share of each ring kept free of unread slots: for positions read late and writers not yet counted. */
    private static final int HEADROOM_DIVISOR = 16;

    private final Vertx vertx;
    private final TraceRings rings;
    private final BufferLedger ledger;
    private final ReaderPositions readers;
    private final IMap<String, Long> writerMap;
    private final io.switchboard.common.buffer.BufferLosses losses;
    private final String writerId = UUID.randomUUID().toString();
    private final long waitMillis;
    private final int tenantPercent;
    private final List<Waiter> waiting = new ArrayList<>();
    // Guarded by this: the last settling's figures, and what was written or admitted since.
    private final long[] capacity;
    private final long[] tails;
    private final long[] unread;
    private final long[] since;
    private final long[] inFlight;
    private Map<String, long[]> tenantUnread = new HashMap<>();
    private final Map<String, long[]> tenantSince = new HashMap<>();
    private final Map<String, long[]> tenantInFlight = new HashMap<>();
    private int writers = 1;
    private long refreshes;
    private long timer = -1;
    private boolean refreshing;

    private record Waiter(String tenant, int[] slots, long deadline, Promise<Void> promise, Context context) {
    }

    BufferAdmission(Vertx vertx, HazelcastInstance hazelcast, TraceRings rings, TracingConfig.PushBack config,
                    BufferLedger ledger, io.micrometer.core.instrument.MeterRegistry meters) {
        this.vertx = vertx;
        this.rings = rings;
        this.ledger = ledger;
        this.losses = new io.switchboard.common.buffer.BufferLosses(hazelcast);
        this.readers = new ReaderPositions(hazelcast, rings.shards(), config.readerGrace());
        this.writerMap = hazelcast.getMap(TraceRings.WRITERS);
        this.waitMillis = config.maxWait().toMillis();
        this.tenantPercent = config.tenantSharePercent();
        int n = rings.shards();
        capacity = new long[n];
        tails = new long[n];
        unread = new long[n];
        since = new long[n];
        inFlight = new long[n];
        io.micrometer.core.instrument.Gauge.builder("switchboard.tracing.buffer.waiting", this, a -> a.waitingCount())
                .description("Batches waiting for the buffer's readers to make room (push-back)").register(meters);
    }

    private synchronized int waitingCount() {
        return waiting.size();
    }

    /** Reads the positions once, then every {@value #REFRESH_MILLIS} ms; completes after the first reading. */
    Future<Void> start() {
        return vertx.executeBlocking(() -> {
            read();
            return null;
        }, false).onSuccess(v -> timer = vertx.setPeriodic(REFRESH_MILLIS, t -> refresh())).mapEmpty();
    }

    void stop() {
        vertx.cancelTimer(timer);
        vertx.executeBlocking(() -> writerMap.remove(writerId), false);
    }

    /**
     * Admits a batch of a tenant taking {@code slots[r]} slots of ring r: at once when they fit, else when the readers
     * have made room, or fails with {@link QuotaExceeded} after the wait. The caller then appends it and reports
     * {@link #appended} or {@link #released} for each ring.
     */
    Future<Void> admit(String tenant, int[] slots) {
        Waiter w;
        synchronized (this) {
            String never = neverFits(slots);
            if (never != null) {
                return Future.failedFuture(new QuotaExceeded(QUOTA, never, "items", 0));
            }
            if (fits(tenant, slots)) {
                reserve(tenant, slots);
                return Future.succeededFuture();
            }
            Context context = vertx.getOrCreateContext();
            w = new Waiter(tenant, slots, System.currentTimeMillis() + waitMillis, Promise.promise(), context);
            waiting.add(w);
        }
        return w.promise().future();
    }

    /** The admitted slots of ring {@code ring} were appended, ending at sequence {@code last}. */
    synchronized void appended(int ring, long last, int slots, String tenant) {
        ledger.written(ring, last, slots, tenant);
        landed(ring, slots, tenant);
    }

    /** Admitted slots that were not appended after all (the append failed). */
    synchronized void released(int ring, int slots, String tenant) {
        landed(ring, slots, tenant);
        since[ring] -= slots;
        long[] t = tenantSince.get(tenant);
        if (t != null) {
            t[ring] -= slots;
        }
    }

    private void landed(int ring, int slots, String tenant) {
        inFlight[ring] -= slots;
        long[] t = tenantInFlight.get(tenant);
        if (t != null) {
            t[ring] -= slots;
            if (java.util.Arrays.stream(t).allMatch(v -> v == 0)) {
                tenantInFlight.remove(tenant);
            }
        }
    }

    private long room(int ring) {
        return capacity[ring] - capacity[ring] / HEADROOM_DIVISOR;
    }

    private long share(int ring) {
        return room(ring) / writers;
    }

    private long tenantShare(int ring) {
        return Math.max(1, share(ring) * tenantPercent / 100);
    }

    private String neverFits(int[] slots) {
        for (int r = 0; r < slots.length; r++) {
            if (slots[r] > 0 && capacity[r] > 0 && readers.floor(r) != ReaderPositions.NO_FLOOR && slots[r] > tenantShare(r)) {
                return "the batch takes " + slots[r] + " slots of " + TraceRings.PREFIX + r + ", more than a tenant may "
                        + "hold unread there (" + tenantShare(r) + "); nothing of it was stored: send smaller batches";
            }
        }
        return null;
    }

    private boolean fits(String tenant, int[] slots) {
        long[] tu = tenantUnread.get(tenant);
        long[] ts = tenantSince.get(tenant);
        for (int r = 0; r < slots.length; r++) {
            long floor = readers.floor(r);
            if (slots[r] == 0 || floor == ReaderPositions.NO_FLOOR || capacity[r] == 0) {
                continue; // no reader to wait for (or the ring not yet seen): the ring may overwrite
            }
            long own = unread[r] + since[r] + slots[r];
            long ringWide = Math.max(0, tails[r] - floor) + since[r] + slots[r];
            long tenants = (tu == null ? 0 : tu[r]) + (ts == null ? 0 : ts[r]) + slots[r];
            if (own > share(r) || ringWide > room(r) || tenants > tenantShare(r)) {
                return false;
            }
        }
        return true;
    }

    private void reserve(String tenant, int[] slots) {
        long[] t = tenantSince.computeIfAbsent(tenant, k -> new long[slots.length]);
        long[] f = tenantInFlight.computeIfAbsent(tenant, k -> new long[slots.length]);
        for (int r = 0; r < slots.length; r++) {
            since[r] += slots[r];
            t[r] += slots[r];
            inFlight[r] += slots[r];
            f[r] += slots[r];
        }
    }

    /** Reads the readers' positions and the rings' ends, settles the ledger, and admits waiting batches that fit. */
    private void refresh() {
        if (refreshing) {
            return;
        }
        refreshing = true;
        vertx.executeBlocking(() -> {
            read();
            return null;
        }, false).onComplete(ar -> {
            refreshing = false;
            if (ar.failed()) {
                LOG.warn("reading the trace buffer's positions failed (trying again in {} ms): {}", REFRESH_MILLIS,
                        ar.cause().getMessage());
            }
            wake();
        });
    }

    /** Reads the rings' ends, the writers and the readers' positions (blocking), and settles the ledger with them. */
    private void read() {
        long[] heads = new long[tails.length];
        long[] newTails = new long[tails.length];
        long[] caps = new long[tails.length];
        for (int r = 0; r < tails.length; r++) {
            var ring = rings.ring(r);
            caps[r] = capacity[r] > 0 ? capacity[r] : ring.capacity();
            newTails[r] = ring.tailSequence();
            heads[r] = ring.headSequence();
        }
        if (refreshes++ % WRITERS_EVERY == 0) {
            writerMap.set(writerId, System.currentTimeMillis(), WRITER_TTL_SECONDS, TimeUnit.SECONDS);
            int n = writerMap.size();
            synchronized (this) {
                writers = Math.max(1, n);
            }
        }
        readers.update(newTails, System.currentTimeMillis());
        Map<String, Long> lost = new HashMap<>();
        settle(heads, newTails, caps, (tenant, slots) -> lost.merge(tenant, slots, Long::sum));
        if (!lost.isEmpty()) {
            losses.add(lost, System.currentTimeMillis()); // outside the lock: event loops wait on it
        }
    }

    private synchronized void settle(long[] heads, long[] newTails, long[] caps, BufferLedger.LossSink sink) {
        BufferLedger.Unread u = ledger.settle(readers, heads, sink);
        System.arraycopy(caps, 0, capacity, 0, caps.length);
        System.arraycopy(newTails, 0, tails, 0, tails.length);
        System.arraycopy(u.perRing(), 0, unread, 0, unread.length);
        tenantUnread = u.perTenant();
        // What was appended is in the ledger's figures now; what was admitted and not yet appended is still coming.
        System.arraycopy(inFlight, 0, since, 0, since.length);
        tenantSince.clear();
        tenantInFlight.forEach((tenant, slots) -> tenantSince.put(tenant, slots.clone()));
    }

    private void wake() {
        List<Runnable> done = new ArrayList<>();
        synchronized (this) {
            long now = System.currentTimeMillis();
            for (Iterator<Waiter> it = waiting.iterator(); it.hasNext(); ) {
                Waiter w = it.next();
                if (fits(w.tenant(), w.slots())) {
                    reserve(w.tenant(), w.slots());
                    it.remove();
                    done.add(() -> w.context().runOnContext(v -> w.promise().complete()));
                } else if (now >= w.deadline()) {
                    it.remove();
                    QuotaExceeded refusal = refusal(w);
                    done.add(() -> w.context().runOnContext(v -> w.promise().fail(refusal)));
                }
            }
        }
        // Outside the lock; each batch goes on on its own context.
        done.forEach(Runnable::run);
    }

    private QuotaExceeded refusal(Waiter w) {
        for (int r = 0; r < w.slots().length; r++) {
            if (w.slots()[r] > 0 && readers.floor(r) != ReaderPositions.NO_FLOOR) {
                return new QuotaExceeded(QUOTA, "the trace buffer holds as much unread data as it may while "
                        + readers.slowest(r) + " catches up (" + TraceRings.PREFIX + r + "); nothing of this batch was "
                        + "stored: send it again in 1000 ms", "items", 1_000);
            }
        }
        return new QuotaExceeded(QUOTA, "the trace buffer is full; nothing of this batch was stored: send it again "
                + "in 1000 ms", "items", 1_000);
    }
}
