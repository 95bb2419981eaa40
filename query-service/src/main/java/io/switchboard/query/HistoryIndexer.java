package io.switchboard.query;

import co.elastic.clients.elasticsearch.core.bulk.BulkOperation;
import co.elastic.clients.util.BinaryData;
import co.elastic.clients.util.ContentType;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.ringbuffer.ReadResultSet;
import com.hazelcast.ringbuffer.Ringbuffer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.switchboard.common.buffer.RingSlots;
import io.switchboard.common.buffer.TraceRings;
import io.switchboard.query.internal.BulkWriter;
import io.switchboard.query.internal.EventDocuments;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the trace buffer ring by ring and bulk-indexes it into Elasticsearch.
 *
 * <p>Exactly one replica indexes each ring at a time: it holds a lease in Hazelcast ({@code indexer.leases}, renewed
 * every few seconds, lapsing 15 s after its holder dies). After each stored batch it checkpoints the ring's last
 * indexed sequence ({@link TraceRings#CHECKPOINTS}), so that after a restart, a takeover or an Elasticsearch outage
 * indexing resumes there: nothing the ring still holds is lost, and what the ring overwrote first is counted
 * ({@code switchboard.history.lost}, in slots). Bulk requests are bounded by documents and bytes; Elasticsearch
 * errors are retried with backoff for the documents that failed; a document Elasticsearch will never take (a mapping
 * conflict, or too large for any request) is set aside, counted per tenant and listed for the tenant's operators
 * ({@link RefusedItems}), and does not hold up the ring. Document ids make replays harmless.
 */
public final class HistoryIndexer {
    private static final Logger LOG = LoggerFactory.getLogger(HistoryIndexer.class);
    static final String LEASES = "indexer.leases";
    private static final long LEASE_SECONDS = 15;
    private static final long RENEW_MILLIS = 5_000;
    private static final long IDLE_POLL_MILLIS = 200;
    /** Hazelcast reads at most 1,000 items from a ring at once. */
    private static final int RING_READ_MAX = 1_000;
    /**
     * Bulk requests one ring may have in flight. With one, a busy ring (one busy connection writes to one ring) is
     * indexed by one Elasticsearch write thread at a time, and from one connection at 15,000 events/s the ring was
     * overwritten before it was indexed; with two, a second thread works on the next bulk meanwhile.
     */
    static final int BULKS_IN_FLIGHT = 2;

    private final Vertx vertx;
    private final HistoryStore store;
    private final TraceRings rings;
    private final HistoryConfig config;
    private final IMap<String, String> leases;
    private final IMap<String, Long> checkpoints;
    private final String owner = UUID.randomUUID().toString();
    private final Counter indexed;
    private final Counter lost;
    private final MeterRegistry meters;
    private final BulkWriter writer;
    private final RefusedItems refusedItems;
    /** Puts each ring's large items back together from their parts. */
    private final RingSlots.Assembler[] assemblers;
    private final Counter retries;
    private final boolean[] running;
    /** Bumped whenever a ring's reading (re)starts or stops, so that a superseded loop notices and ends. */
    private final int[] generation;
    /** Each ring's capacity, read when indexing it (re)starts (a ring read may not ask for more). */
    private final long[] capacity;
    /** Each ring's bulk requests in flight, oldest first, for the current generation. */
    private final Pipeline[] pipelines;
    private long renewTimer = -1;
    private volatile boolean stopped;

    HistoryIndexer(Vertx vertx, HistoryStore store, HazelcastInstance hazelcast, HistoryConfig config, MeterRegistry meters,
                   RefusedItems refusedItems) {
        this.vertx = vertx;
        this.store = store;
        this.rings = new TraceRings(hazelcast, config.ringShards());
        this.config = config;
        this.leases = hazelcast.getMap(LEASES);
        this.checkpoints = hazelcast.getMap(TraceRings.CHECKPOINTS);
        this.running = new boolean[config.ringShards()];
        this.generation = new int[config.ringShards()];
        this.capacity = new long[config.ringShards()];
        this.pipelines = new Pipeline[config.ringShards()];
        indexed = Counter.builder("switchboard.history.indexed").description("Items indexed into Elasticsearch").register(meters);
        lost = Counter.builder("switchboard.history.lost")
                .description("Items the buffer overwrote before they were indexed").register(meters);
        this.meters = meters;
        this.writer = new BulkWriter(vertx, store.client());
        this.refusedItems = refusedItems;
        this.assemblers = new RingSlots.Assembler[config.ringShards()];
        for (int i = 0; i < assemblers.length; i++) {
            assemblers[i] = new RingSlots.Assembler();
        }
        retries = Counter.builder("switchboard.history.retries").description("Bulk requests retried").register(meters);
    }

    /** Starts competing for the rings' leases; indexing starts on every ring whose lease this replica holds. */
    public void start() {
        claimLeases();
        renewTimer = vertx.setPeriodic(RENEW_MILLIS, t -> claimLeases());
    }

    /** Stops indexing and gives back the leases this replica holds; completes when they are given back. */
    public Future<Void> stop() {
        stopped = true;
        vertx.cancelTimer(renewTimer);
        return vertx.executeBlocking(() -> {
            for (int i = 0; i < running.length; i++) {
                leases.remove(ring(i), owner);
            }
            return null;
        }, false).mapEmpty();
    }

    private static String ring(int shard) {
        return TraceRings.PREFIX + shard;
    }

    private void claimLeases() {
        if (stopped) {
            return;
        }
        vertx.executeBlocking(() -> {
            boolean[] mine = new boolean[running.length];
            for (int i = 0; i < mine.length; i++) {
                String holder = leases.putIfAbsent(ring(i), owner, LEASE_SECONDS, TimeUnit.SECONDS);
                if (holder == null || holder.equals(owner)) {
                    leases.setTtl(ring(i), LEASE_SECONDS, TimeUnit.SECONDS);
                    mine[i] = true;
                }
            }
            return mine;
        }, false).onSuccess(mine -> {
            for (int i = 0; i < mine.length; i++) {
                if (mine[i] && !running[i]) {
                    running[i] = true;
                    resume(i, ++generation[i]);
                } else if (!mine[i] && running[i]) {
                    // Another replica holds the lease now (ours lapsed): stop, so that one indexer reads each ring.
                    running[i] = false;
                    generation[i]++;
                    LOG.warn("{}: lease taken over by another replica; no longer indexing it here", ring(i));
                }
            }
        }).onFailure(e -> LOG.warn("indexer leases could not be claimed: {}", e.getMessage()));
    }

    /** Starts a ring from the checkpoint after the last indexed sequence (or the oldest item, the first time). */
    private void resume(int shard, int gen) {
        Ringbuffer<String> ring = rings.ring(shard);
        vertx.executeBlocking(() -> {
            if (!rings.configured()) {
                throw new IllegalStateException("the trace buffer is not configured yet (the tracing service does that "
                        + "when it starts); trying again with the next lease renewal");
            }
            capacity[shard] = ring.capacity();
            Long checkpoint = checkpoints.get(ring(shard));
            if (checkpoint == null) {
                // Published at once, so that the tracing service waits for this reader from its first item on.
                long head = ring.headSequence();
                Long raced = checkpoints.putIfAbsent(ring(shard), head - 1);
                return raced == null ? head : raced + 1;
            }
            return checkpoint + 1;
        }, false).onComplete(ar -> {
            if (ar.failed()) {
                running[shard] = false;
                LOG.info("{}: not indexing yet: {}", ring(shard), ar.cause().getMessage());
                return;
            }
            LOG.info("indexing {} from sequence {}", ring(shard), ar.result());
            assemblers[shard] = new RingSlots.Assembler();
            pipelines[shard] = new Pipeline();
            read(shard, gen, ar.result());
        });
    }

    private boolean stillMine(int shard, int gen) {
        return !stopped && running[shard] && generation[shard] == gen;
    }

    private void read(int shard, int gen, long next) {
        read(shard, gen, next, new Batch());
    }

    /** Documents gathered for one bulk request, and their bytes. */
    private static final class Batch {
        final List<BulkWriter.Doc> docs = new ArrayList<>();
        long bytes;

        boolean full(HistoryConfig config) {
            return docs.size() >= config.batchSize() || bytes >= config.maxBulkBytes();
        }
    }

    /**
     * Reads the ring from {@code next}, adding documents to {@code batch}. While the ring has a backlog, reads go on
     * (Hazelcast reads at most 1,000 slots at once) until the bulk request would hold {@code indexer.batch-size}
     * documents or {@code indexer.max-bulk-bytes}: fewer, larger bulk requests cost Elasticsearch less per document.
     */
    private void read(int shard, int gen, long next, Batch batch) {
        if (!stillMine(shard, gen)) {
            return;
        }
        Ringbuffer<String> ring = rings.ring(shard);
        Future<ReadResultSet<String>> read;
        int limit;
        try {
            // A ring read may not ask for more than the ring holds (nor, in Hazelcast, for more than 1,000).
            limit = (int) Math.min(Math.min(Math.max(1, config.batchSize() - batch.docs.size()), RING_READ_MAX), capacity[shard]);
            read = Future.fromCompletionStage(ring.readManyAsync(next, 0, limit, null), vertx.getOrCreateContext());
        } catch (RuntimeException e) {
            read = Future.failedFuture(e);
            limit = 0;
        }
        int asked = limit;
        read.onComplete(ar -> {
            if (ar.failed()) {
                if (!batch.docs.isEmpty()) {
                    dispatch(shard, gen, batch.docs, next);
                    return;
                }
                LOG.warn("{}: reading the ring failed, retrying in 1 s: {}", ring(shard), ar.cause().getMessage());
                vertx.setTimer(1_000, t -> read(shard, gen, next));
                return;
            }
            ReadResultSet<String> result = ar.result();
            if (result.readCount() == 0) {
                if (batch.docs.isEmpty()) {
                    vertx.setTimer(IDLE_POLL_MILLIS, t -> read(shard, gen, next));
                } else {
                    dispatch(shard, gen, batch.docs, next);
                }
                return;
            }
            long first = result.getNextSequenceToReadFrom() - result.readCount();
            RingSlots.Assembler assembler = assemblers[shard];
            if (first > next) {
                lost.increment(first - next);
                assembler.reset();
                LOG.warn("{}: {} slots were overwritten before they were indexed", ring(shard), first - next);
            }
            for (int i = 0; i < result.size(); i++) {
                String record = assembler.offer(result.getSequence(i), result.get(i));
                if (record == null) {
                    continue;
                }
                try {
                    batch.docs.add(document(record));
                    batch.bytes += batch.docs.getLast().bytes();
                } catch (java.io.IOException | RuntimeException e) {
                    setAside(new BulkWriter.Refusal(new BulkWriter.Doc(TraceRings.tenantOf(record), "", null,
                            record.length()), "unreadable", String.valueOf(e.getMessage())));
                }
            }
            long after = result.getNextSequenceToReadFrom();
            if (result.readCount() == asked && !batch.full(config)) {
                read(shard, gen, after, batch);
            } else {
                dispatch(shard, gen, batch.docs, after);
            }
        });
    }

    /** A ring's bulk requests in flight, in ring order, and where its reading waits while they are too many. */
    private static final class Pipeline {
        final java.util.ArrayDeque<Bulk> inFlight = new java.util.ArrayDeque<>();
        /** The sequence reading goes on from once a bulk request completes, or -1 while reading runs. */
        long parkedAt = -1;
        /** Checkpoint writes, one after the other, so that a later one never lands before an earlier one. */
        Future<Void> checkpoints = Future.succeededFuture();
    }

    /** One bulk request: the checkpoint its completion allows (once every earlier one completed too). */
    private static final class Bulk {
        final long checkpoint;
        boolean done;

        Bulk(long checkpoint) {
            this.checkpoint = checkpoint;
        }
    }

    /**
     * Sends a batch, and reads on at once while the ring has fewer than {@link #BULKS_IN_FLIGHT} in flight. The
     * checkpoint it allows is fixed now: the checkpoint never passes the first part of an item still being put
     * together, so a takeover reads that item whole.
     */
    private void dispatch(int shard, int gen, List<BulkWriter.Doc> docs, long nextSeq) {
        Pipeline pipe = pipelines[shard];
        long pendingSince = assemblers[shard].pendingSince();
        Bulk bulk = new Bulk((pendingSince >= 0 ? Math.min(pendingSince, nextSeq) : nextSeq) - 1);
        pipe.inFlight.add(bulk);
        index(shard, gen, pipe, bulk, docs, 1_000);
        if (pipe.inFlight.size() < BULKS_IN_FLIGHT) {
            read(shard, gen, nextSeq);
        } else {
            pipe.parkedAt = nextSeq;
        }
    }

    /** A bulk request completed: checkpoints past every completed one at the head, and lets reading go on. */
    private void completed(int shard, int gen, Pipeline pipe, Bulk bulk) {
        bulk.done = true;
        Bulk head = null;
        while (!pipe.inFlight.isEmpty() && pipe.inFlight.peekFirst().done) {
            head = pipe.inFlight.pollFirst();
        }
        if (head != null) {
            long value = head.checkpoint;
            pipe.checkpoints = pipe.checkpoints.transform(v -> Future.fromCompletionStage(
                    checkpoints.setAsync(ring(shard), value), vertx.getOrCreateContext())).onFailure(e -> LOG.warn(
                    "{}: checkpoint {} not stored ({}); the next one covers it", ring(shard), value, e.getMessage()));
        }
        if (pipe.parkedAt >= 0 && pipe.inFlight.size() < BULKS_IN_FLIGHT) {
            long next = pipe.parkedAt;
            pipe.parkedAt = -1;
            read(shard, gen, next);
        }
    }

    /** The document of one whole ring record: as bytes on the fast path, as a tree when the item needs it. */
    static BulkWriter.Doc document(String record) throws java.io.IOException {
        String tenant = TraceRings.tenantOf(record);
        String json = TraceRings.json(record);
        EventDocuments.RawDocument raw = EventDocuments.rawDocument(tenant, json);
        if (raw != null) {
            String id = tenant + ":" + raw.id();
            String index = EventDocuments.index(raw.timestampMicros());
            BinaryData bytes = BinaryData.of(raw.json(), ContentType.APPLICATION_JSON);
            return new BulkWriter.Doc(tenant, raw.id(), BulkOperation.of(o -> o.index(i -> i.index(index).id(id).document(bytes))),
                    raw.json().length);
        }
        var doc = EventDocuments.document(tenant, json);
        String id = tenant + ":" + doc.path("id").asText();
        String index = EventDocuments.index(doc.path("timestamp").asLong());
        return new BulkWriter.Doc(tenant, doc.path("id").asText(), BulkOperation.of(o -> o.index(i -> i.index(index).id(id)
                .document(doc))), json.length());
    }

    /**
     * Indexes a batch. Documents Elasticsearch will never take are set aside (counted per tenant, and listed by GET
     * /api/v1/refused); documents it cannot take yet are sent again with backoff, alone, so that what was indexed is
     * not sent twice, and the ring's checkpoint waits for them.
     */
    private void index(int shard, int gen, Pipeline pipe, Bulk bulk, List<BulkWriter.Doc> docs, long backoffMillis) {
        if (!stillMine(shard, gen)) {
            return;
        }
        writer.write(docs).onComplete(ar -> {
            if (!stillMine(shard, gen)) {
                return;
            }
            List<BulkWriter.Doc> again;
            String reason;
            if (ar.succeeded()) {
                indexed.increment(ar.result().indexed());
                ar.result().refused().forEach(this::setAside);
                if (ar.result().retry().isEmpty()) {
                    completed(shard, gen, pipe, bulk);
                    return;
                }
                again = ar.result().retry();
                reason = ar.result().retryReason();
            } else {
                again = docs;
                reason = ar.cause().getMessage();
            }
            retries.increment();
            List<BulkWriter.Doc> retry = again;
            LOG.warn("{}: {} documents could not be indexed yet, retrying in {} ms: {}", ring(shard), retry.size(),
                    backoffMillis, reason);
            vertx.setTimer(backoffMillis, t -> index(shard, gen, pipe, bulk, retry, Math.min(backoffMillis * 2, 30_000)));
        });
    }

    /** A document Elasticsearch will never take: counted by tenant and reason, and kept (without its body) for operators. */
    private void setAside(BulkWriter.Refusal r) {
        String tenant = r.doc().tenant();
        Counter.builder("switchboard.history.refused").description("Items set aside because Elasticsearch will not index them")
                .tag("tenant", tenant).tag("reason", r.reason()).register(meters).increment();
        LOG.warn("set aside {} of tenant {} ({} bytes): {}: {}", r.doc().id(), tenant, r.doc().bytes(), r.reason(), r.message());
        refusedItems.record(tenant, r.doc().id(), r.reason(), r.message(), r.doc().bytes());
    }
}
