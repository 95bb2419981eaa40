package io.switchboard.routing;

import com.hazelcast.ringbuffer.ReadResultSet;
import com.hazelcast.ringbuffer.Ringbuffer;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.switchboard.common.buffer.TraceRings;
import io.switchboard.common.codec.Json;
import io.switchboard.common.model.CallOutcome;
import io.switchboard.common.model.TraceItem;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns the call outcomes in the trace buffer into per-node counts in PostgreSQL.
 *
 * <p>It reads each ring from the sequence after its checkpoint ({@code outcome_checkpoints}), adds up the outcomes
 * per tenant, service, node and window in memory, and writes the sums with one batched upsert, advancing the
 * checkpoint in the same transaction. The checkpoint row is locked for the whole step, so any number of routing
 * replicas can run this at once: they take turns per ring and each outcome is counted exactly once.
 *
 * <p>When PostgreSQL is unreachable the ring itself is the buffer: the checkpoint stays put and the step is
 * retried with backoff. What the ring overwrites before it could be counted is counted as lost
 * ({@code switchboard.routing.outcomes.lost}). JDBC and ring reads run on this class's own thread, never on an event
 * loop.
 *
 * <p>After each step the checkpoint is mirrored into Hazelcast ({@link TraceRings#OUTCOME_CHECKPOINTS}), where the
 * tracing service reads it: it does not overwrite what this has not counted while this moves (push-back), and stops
 * waiting for it when it has stood still for longer than its grace period (PostgreSQL down too long).
 */
final class OutcomeAggregator {
    private static final Logger LOG = LoggerFactory.getLogger(OutcomeAggregator.class);
    /** Hazelcast reads at most 1,000 items from a ring at once. */
    private static final int BATCH = 1_000;
    private static final long IDLE_MILLIS = 100;

    private final DataSource database;
    private final TraceRings rings;
    private final RoutingConfig config;
    private final Clock clock;
    private final Counter counted;
    private final Counter lost;
    private final Counter retries;
    private volatile boolean stopped;
    private volatile String failure;
    /** Each ring's capacity once known (this class's thread only). */
    private final long[] capacities;
    /** Each ring's position last mirrored into Hazelcast, and when (this class's thread only). */
    private final long[] mirrored;
    private final long[] mirroredAt;
    private boolean ringsConfigured;
    private Thread thread;
    private final OutcomeCardinality cardinality;

    OutcomeAggregator(DataSource database, TraceRings rings, RoutingConfig config, Clock clock, MeterRegistry meters) {
        this.database = database;
        this.rings = rings;
        this.config = config;
        this.clock = clock;
        this.capacities = new long[rings.shards()];
        this.mirrored = new long[rings.shards()];
        this.mirroredAt = new long[rings.shards()];
        cardinality = new OutcomeCardinality(config, clock, meters);
        counted = Counter.builder("switchboard.routing.outcomes.counted")
                .description("Call outcomes counted into node reputation").register(meters);
        lost = Counter.builder("switchboard.routing.outcomes.lost")
                .description("Call outcomes the trace buffer overwrote before they could be counted").register(meters);
        retries = Counter.builder("switchboard.routing.outcomes.retries")
                .description("Aggregation steps retried after a database or cluster error").register(meters);
    }

    void start() {
        thread = Thread.ofPlatform().name("routing-outcomes").daemon().start(this::run);
    }

    void stop() {
        stopped = true;
        if (thread != null) {
            thread.interrupt();
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Why the last step failed, or null if it worked. */
    String failure() {
        return failure;
    }

    double countedTotal() {
        return counted.count();
    }

    private void run() {
        long backoff = 500;
        while (!stopped) {
            try {
                int read = 0;
                for (int shard = 0; shard < rings.shards() && !stopped; shard++) {
                    read += step(shard);
                }
                failure = null;
                backoff = 500;
                if (read == 0) {
                    pause(IDLE_MILLIS);
                }
            } catch (Exception e) {
                if (stopped) {
                    return;
                }
                retries.increment();
                failure = e.getMessage();
                LOG.warn("counting call outcomes failed, retrying in {} ms (nothing is lost while the trace buffer "
                        + "holds it): {}", backoff, e.getMessage());
                pause(backoff);
                backoff = Math.min(backoff * 2, 30_000);
            }
        }
    }

    private void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopped = true;
        }
    }

    /** Counts one batch of one ring in one transaction; returns the number of items read. */
    int step(int shard) throws Exception {
        if (!ringsConfigured) {
            // No ring is touched before the tracing service has configured them (TraceRings.CONFIGURED).
            ringsConfigured = rings.configured();
            if (!ringsConfigured) {
                return 0;
            }
        }
        String name = TraceRings.PREFIX + shard;
        Ringbuffer<String> ring = rings.ring(shard);
        try (Connection c = database.getConnection()) {
            c.setAutoCommit(false);
            try {
                long last = lockCheckpoint(c, name, ring);
                long next = last + 1;
                long head = ring.headSequence();
                long tail = ring.tailSequence();
                if (next > tail + 1) {
                    LOG.warn("{} restarted (it holds sequences {} to {}, the checkpoint is {}): counting from its start",
                            name, head, tail, last);
                    next = head;
                }
                if (next < head) {
                    lost.increment(head - next);
                    LOG.warn("{}: {} items were overwritten before their outcomes were counted", name, head - next);
                    next = head;
                }
                if (next > tail) {
                    saveCheckpoint(c, name, next - 1, last);
                    c.commit();
                    mirror(name, next - 1);
                    return 0;
                }
                // A ring read may not ask for more than the ring holds.
                if (capacities[shard] == 0) {
                    capacities[shard] = ring.capacity();
                }
                int max = (int) Math.min(BATCH, capacities[shard]);
                ReadResultSet<String> read = ring.readManyAsync(next, 0, max, null).toCompletableFuture()
                        .get(30, TimeUnit.SECONDS);
                long first = read.getNextSequenceToReadFrom() - read.readCount();
                if (first > next) {
                    lost.increment(first - next);
                }
                Map<WindowKey, long[]> sums = new HashMap<>();
                Map<VersionStats.Key, VersionStats.Sums> versions = new HashMap<>();
                int outcomes = 0;
                long now = clock.millis() * 1_000;
                for (String record : read) {
                    CallOutcome o = outcome(record);
                    if (o != null && cardinality.admit(c, o)) {
                        long window = add(sums, o, now);
                        // An outcome naming its callee's version counts towards that version's health too.
                        if (o.calleeVersion() != null && cardinality.admitVersion(c, o)) {
                            versions.computeIfAbsent(VersionStats.key(o, window), k -> new VersionStats.Sums())
                                    .add(o.success(), o.latencyMicros());
                        }
                        outcomes++;
                    }
                }
                upsert(c, sums);
                VersionStats.upsert(c, versions);
                saveCheckpoint(c, name, read.getNextSequenceToReadFrom() - 1, last);
                c.commit();
                mirror(name, read.getNextSequenceToReadFrom() - 1);
                counted.increment(outcomes);
                return read.readCount();
            } catch (Exception e) {
                try {
                    c.rollback();
                } catch (SQLException ignored) {
                    // The connection is gone; the transaction went with it.
                }
                throw e;
            }
        }
    }

    /** Publishes a committed checkpoint for the tracing service; a lost write is covered by the next one. */
    private void mirror(String name, long sequence) {
        int shard = Integer.parseInt(name.substring(TraceRings.PREFIX.length()));
        long now = clock.millis();
        // An unchanged position is published again now and then only, in case the cluster restarted meanwhile.
        if (mirrored[shard] != sequence || now - mirroredAt[shard] > 5_000) {
            mirrored[shard] = sequence;
            mirroredAt[shard] = now;
            rings.positions(TraceRings.OUTCOME_CHECKPOINTS).setAsync(name, sequence);
        }
    }

    /** The checkpoint of a ring, locked until the transaction ends; created at the ring's start the first time. */
    private static long lockCheckpoint(Connection c, String name, Ringbuffer<String> ring) throws SQLException {
        Long sequence = selectForUpdate(c, name);
        if (sequence != null) {
            return sequence;
        }
        // The first step on this ring (of any replica): start at the oldest item it holds.
        try (PreparedStatement s = c.prepareStatement(
                "insert into outcome_checkpoints (ring, sequence) values (?, ?) on conflict (ring) do nothing")) {
            s.setString(1, name);
            s.setLong(2, ring.headSequence() - 1);
            s.executeUpdate();
        }
        return selectForUpdate(c, name);
    }

    private static Long selectForUpdate(Connection c, String name) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("select sequence from outcome_checkpoints where ring = ? for update")) {
            s.setString(1, name);
            try (ResultSet rs = s.executeQuery()) {
                return rs.next() ? rs.getLong(1) : null;
            }
        }
    }

    private static void saveCheckpoint(Connection c, String name, long sequence, long before) throws SQLException {
        if (sequence == before) {
            return;
        }
        try (PreparedStatement s = c.prepareStatement(
                "update outcome_checkpoints set sequence = ?, updated_at = now() where ring = ?")) {
            s.setLong(1, sequence);
            s.setString(2, name);
            s.executeUpdate();
        }
    }

    /** The outcome in a record, or null for logs and spans (told apart without parsing when possible). */
    static CallOutcome outcome(String record) {
        String json = TraceRings.json(record);
        if (!json.contains("\"outcome\"")) {
            return null;
        }
        try {
            TraceItem item = Json.MAPPER.readValue(json, TraceItem.class);
            return item instanceof CallOutcome o ? o.withTenant(TraceRings.tenantOf(record)) : null;
        } catch (java.io.IOException e) {
            return null;
        }
    }

    private record WindowKey(String tenant, String service, String node, long windowStartMicros, String caller,
                             String reporter) {
    }

    /**
     * Adds an outcome to its window (a timestamp from a client clock ahead of ours counts as now); returns the
     * window's start in µs.
     */
    private long add(Map<WindowKey, long[]> sums, CallOutcome o, long nowMicros) {
        long windowMicros = config.window().toMillis() * 1_000;
        long at = Math.min(o.timestamp(), nowMicros);
        WindowKey key = new WindowKey(o.tenant(), o.calleeService(), o.calleeNode(), at - Math.floorMod(at, windowMicros),
                o.service(), o.reporter() == null ? "" : o.reporter());
        long[] s = sums.computeIfAbsent(key, k -> new long[4]);
        if (o.success()) {
            s[0]++;
        } else {
            s[1]++;
        }
        s[2] += o.latencyMicros();
        s[3] = Math.max(s[3], o.latencyMicros());
        return key.windowStartMicros();
    }

    private static void upsert(Connection c, Map<WindowKey, long[]> sums) throws SQLException {
        if (sums.isEmpty()) {
            return;
        }
        try (PreparedStatement s = c.prepareStatement("insert into node_outcomes (tenant, service, node, window_start, "
                + "successes, failures, latency_sum_micros, latency_max_micros, caller, reporter) "
                + "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                + "on conflict (tenant, service, node, window_start, caller, reporter) do update set "
                + "successes = node_outcomes.successes + excluded.successes, "
                + "failures = node_outcomes.failures + excluded.failures, "
                + "latency_sum_micros = node_outcomes.latency_sum_micros + excluded.latency_sum_micros, "
                + "latency_max_micros = greatest(node_outcomes.latency_max_micros, excluded.latency_max_micros)")) {
            // In one order, so that two replicas upserting the same rows never deadlock.
            var ordered = sums.entrySet().stream().sorted(Map.Entry.comparingByKey(java.util.Comparator
                    .comparing(WindowKey::tenant).thenComparing(WindowKey::service).thenComparing(WindowKey::node)
                    .thenComparingLong(WindowKey::windowStartMicros).thenComparing(WindowKey::caller)
                    .thenComparing(WindowKey::reporter))).toList();
            for (Map.Entry<WindowKey, long[]> e : ordered) {
                WindowKey k = e.getKey();
                long[] v = e.getValue();
                s.setString(1, k.tenant());
                s.setString(2, k.service());
                s.setString(3, k.node());
                s.setTimestamp(4, Timestamp.from(Instant.EPOCH.plus(k.windowStartMicros(), java.time.temporal.ChronoUnit.MICROS)));
                s.setLong(5, v[0]);
                s.setLong(6, v[1]);
                s.setLong(7, v[2]);
                s.setLong(8, v[3]);
                s.setString(9, k.caller());
                s.setString(10, k.reporter());
                s.addBatch();
            }
            s.executeBatch();
        }
    }
}
