package io.switchboard.query;

import co.elastic.clients.elasticsearch.core.BulkResponse;
import co.elastic.clients.elasticsearch.core.bulk.BulkOperation;
import co.elastic.clients.elasticsearch.core.bulk.BulkResponseItem;
import co.elastic.clients.util.BinaryData;
import co.elastic.clients.util.ContentType;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.ringbuffer.ReadResultSet;
import com.hazelcast.ringbuffer.Ringbuffer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.switchboard.common.buffer.TraceRings;
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
 * ({@code switchboard.history.lost}). Elasticsearch errors are retried with backoff; a document Elasticsearch refuses
 * (a mapping conflict) is logged and counted and does not hold up the rest. Document ids make replays harmless.
 */
public final class HistoryIndexer {
    private static final Logger LOG = LoggerFactory.getLogger(HistoryIndexer.class);
    static final String LEASES = "indexer.leases";
    private static final long LEASE_SECONDS = 15;
    private static final long RENEW_MILLIS = 5_000;
    private static final long IDLE_POLL_MILLIS = 200;
    /** Hazelcast reads at most 1,000 items from a ring at once. */
    private static final int RING_READ_MAX = 1_000;

    private final Vertx vertx;
    private final HistoryStore store;
    private final TraceRings rings;
    private final HistoryConfig config;
    private final IMap<String, String> leases;
    private final IMap<String, Long> checkpoints;
    private final String owner = UUID.randomUUID().toString();
    private final Counter indexed;
    private final Counter lost;
    private final Counter refused;
    private final Counter retries;
    private final boolean[] running;
    /** Bumped whenever a ring's reading (re)starts or stops, so that a superseded loop notices and ends. */
    private final int[] generation;
    /** Each ring's capacity, read when indexing it (re)starts (a ring read may not ask for more). */
    private final long[] capacity;
    private long renewTimer = -1;
    private volatile boolean stopped;

    public HistoryIndexer(Vertx vertx, HistoryStore store, HazelcastInstance hazelcast, HistoryConfig config, MeterRegistry meters) {
        this.vertx = vertx;
        this.store = store;
        this.rings = new TraceRings(hazelcast, config.ringShards());
        this.config = config;
        this.leases = hazelcast.getMap(LEASES);
        this.checkpoints = hazelcast.getMap(TraceRings.CHECKPOINTS);
        this.running = new boolean[config.ringShards()];
        this.generation = new int[config.ringShards()];
        this.capacity = new long[config.ringShards()];
        indexed = Counter.builder("switchboard.history.indexed").description("Items indexed into Elasticsearch").register(meters);
        lost = Counter.builder("switchboard.history.lost")
                .description("Items the buffer overwrote before they were indexed").register(meters);
        refused = Counter.builder("switchboard.history.refused")
                .description("Items Elasticsearch refused to index (mapping conflicts)").register(meters);
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
            return checkpoint == null ? ring.headSequence() : checkpoint + 1;
        }, false).onComplete(ar -> {
            if (ar.failed()) {
                running[shard] = false;
                LOG.info("{}: not indexing yet: {}", ring(shard), ar.cause().getMessage());
                return;
            }
            LOG.info("indexing {} from sequence {}", ring(shard), ar.result());
            read(shard, gen, ar.result());
        });
    }

    private boolean stillMine(int shard, int gen) {
        return !stopped && running[shard] && generation[shard] == gen;
    }

    private void read(int shard, int gen, long next) {
        read(shard, gen, next, new ArrayList<>());
    }

    /**
     * Reads the ring from {@code next}, adding documents to {@code pending}. While the ring has a backlog, reads go on
     * (Hazelcast reads at most 1,000 items at once) until the bulk request would hold {@code indexer.batch-size}
     * documents: fewer, larger bulk requests cost Elasticsearch less per document.
     */
    private void read(int shard, int gen, long next, List<BulkOperation> pending) {
        if (!stillMine(shard, gen)) {
            return;
        }
        Ringbuffer<String> ring = rings.ring(shard);
        Future<ReadResultSet<String>> read;
        int limit;
        try {
            // A ring read may not ask for more than the ring holds (nor, in Hazelcast, for more than 1,000).
            limit = (int) Math.min(Math.min(config.batchSize() - pending.size(), RING_READ_MAX), capacity[shard]);
            read = Future.fromCompletionStage(ring.readManyAsync(next, 0, limit, null), vertx.getOrCreateContext());
        } catch (RuntimeException e) {
            read = Future.failedFuture(e);
            limit = 0;
        }
        int asked = limit;
        read.onComplete(ar -> {
            if (ar.failed()) {
                if (!pending.isEmpty()) {
                    index(shard, gen, pending, next, 1_000);
                    return;
                }
                LOG.warn("{}: reading the ring failed, retrying in 1 s: {}", ring(shard), ar.cause().getMessage());
                vertx.setTimer(1_000, t -> read(shard, gen, next));
                return;
            }
            ReadResultSet<String> result = ar.result();
            if (result.readCount() == 0) {
                if (pending.isEmpty()) {
                    vertx.setTimer(IDLE_POLL_MILLIS, t -> read(shard, gen, next));
                } else {
                    index(shard, gen, pending, next, 1_000);
                }
                return;
            }
            long first = result.getNextSequenceToReadFrom() - result.readCount();
            if (first > next) {
                lost.increment(first - next);
                LOG.warn("{}: {} items were overwritten before they were indexed", ring(shard), first - next);
            }
            for (String record : result) {
                try {
                    pending.add(operation(record));
                } catch (java.io.IOException | RuntimeException e) {
                    refused.increment();
                }
            }
            long after = result.getNextSequenceToReadFrom();
            if (result.readCount() == asked && pending.size() < config.batchSize()) {
                read(shard, gen, after, pending);
            } else {
                index(shard, gen, pending, after, 1_000);
            }
        });
    }

    /** The bulk operation of one ring record: as bytes on the fast path, as a tree when the item needs it. */
    private static BulkOperation operation(String record) throws java.io.IOException {
        String tenant = TraceRings.tenantOf(record);
        String json = TraceRings.json(record);
        EventDocuments.RawDocument raw = EventDocuments.rawDocument(tenant, json);
        if (raw != null) {
            String id = tenant + ":" + raw.id();
            String index = EventDocuments.index(raw.timestampMicros());
            BinaryData bytes = BinaryData.of(raw.json(), ContentType.APPLICATION_JSON);
            return BulkOperation.of(o -> o.index(i -> i.index(index).id(id).document(bytes)));
        }
        var doc = EventDocuments.document(tenant, json);
        String id = tenant + ":" + doc.path("id").asText();
        String index = EventDocuments.index(doc.path("timestamp").asLong());
        return BulkOperation.of(o -> o.index(i -> i.index(index).id(id).document(doc)));
    }

    /** Indexes a batch, retrying with backoff until Elasticsearch takes it, then checkpoints and reads on. */
    private void index(int shard, int gen, List<BulkOperation> ops, long nextSeq, long backoffMillis) {
        if (!stillMine(shard, gen)) {
            return;
        }
        List<BulkOperation> items = ops;
        Future<BulkResponse> bulk = ops.isEmpty() ? Future.succeededFuture(null)
                : Future.fromCompletionStage(store.client().bulk(b -> b.operations(ops)), vertx.getOrCreateContext());
        bulk.compose(response -> {
            if (response != null && response.errors()) {
                int failed = 0;
                for (BulkResponseItem r : response.items()) {
                    if (r.error() != null) {
                        int status = r.status();
                        if (status == 429 || status >= 500) {
                            return Future.failedFuture("Elasticsearch is overloaded (" + status + ")");
                        }
                        failed++;
                        LOG.warn("Elasticsearch refused document {}: {}", r.id(), r.error().reason());
                    }
                }
                refused.increment(failed);
                indexed.increment(items.size() - failed);
            } else {
                indexed.increment(items.size());
            }
            return Future.fromCompletionStage(checkpoints.setAsync(ring(shard), nextSeq - 1), vertx.getOrCreateContext());
        }).onComplete(ar -> {
            if (ar.succeeded()) {
                read(shard, gen, nextSeq);
            } else {
                retries.increment();
                LOG.warn("{}: indexing failed, retrying in {} ms: {}", ring(shard), backoffMillis, ar.cause().getMessage());
                vertx.setTimer(backoffMillis, t -> index(shard, gen, ops, nextSeq, Math.min(backoffMillis * 2, 30_000)));
            }
        });
    }
}
