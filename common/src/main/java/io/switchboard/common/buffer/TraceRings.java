package io.switchboard.common.buffer;

import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.RingbufferConfig;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.ringbuffer.Ringbuffer;
import io.switchboard.common.codec.Json;
import io.switchboard.common.model.TraceItem;
import java.util.ArrayList;
import java.util.List;

/**
 * The trace buffer's layout in Hazelcast, shared by the tracing service (which writes) and the query service's
 * indexer (which reads): a fixed set of ring buffers {@code trace-ring-0 .. trace-ring-(n-1)}, spread over the
 * members by Hazelcast's partitioning, each overwriting its oldest items when full.
 *
 * <p>A record is the tenant, a newline, and the item's JSON, so that a reader can filter by tenant without parsing.
 * The tenant of a record is the one before the newline, whatever the JSON says: the tracing service stores the item
 * text as the client sent it (without a tenant), keeping only its documented fields. A ring slot holds at most
 * {@link RingSlots#SLOT_BYTES}; a larger record is stored in parts ({@link RingSlots}), so the buffer's memory is
 * bounded by its slots, which {@link #configureBytes} derives from a byte budget. Sequences are per ring (of slots);
 * a position in the whole buffer is one sequence per ring.
 */
public final class TraceRings {
    public static final String PREFIX = "trace-ring-";
    /**
     * The history indexer's positions: ring name to the last sequence it indexed (an IMap). The tracing service
     * reads it to count items overwritten before they were indexed.
     */
    public static final String CHECKPOINTS = "indexer.checkpoints";
    /**
     * The routing service's outcome aggregation positions, mirrored from PostgreSQL (where they are kept with the
     * counts): ring name to the last sequence counted (an IMap). The tracing service reads both maps and appends
     * only while the slowest reader that is making progress keeps up (push-back instead of overwriting).
     */
    public static final String OUTCOME_CHECKPOINTS = "outcomes.checkpoints";
    /**
     * The tracing replicas writing the buffer now: replica id to nothing, each entry with a short TTL that its
     * replica keeps renewing (an IMap). Each replica may fill only its share of a ring's room for unread slots.
     */
    public static final String WRITERS = "tracing.writers";
    /**
     * Set by {@link #configure} once the rings' configuration is in the cluster. Readers (the history indexer, the
     * routing aggregation) touch no ring before it is there: Hazelcast gives a ring the configuration in force when
     * it is first touched, and a ring touched too early would keep the default capacity.
     */
    public static final String CONFIGURED = "trace-rings.configured";
    private static final com.fasterxml.jackson.databind.ObjectWriter ITEM_WRITER = Json.MAPPER.writerFor(TraceItem.class);

    private final HazelcastInstance hazelcast;
    private final int shards;
    /** Each ring's name, by shard. */
    private final String[] names;

    public TraceRings(HazelcastInstance hazelcast, int shards) {
        this(hazelcast, shards, standardNames(shards));
    }

    private TraceRings(HazelcastInstance hazelcast, int shards, String[] names) {
        if (shards < 1 || shards > 256) {
            throw new IllegalArgumentException("shards must be from 1 to 256, got " + shards);
        }
        this.hazelcast = hazelcast;
        this.shards = shards;
        this.names = names;
    }

    private static String[] standardNames(int shards) {
        String[] names = new String[Math.max(0, shards)];
        for (int i = 0; i < names.length; i++) {
            names[i] = PREFIX + i;
        }
        return names;
    }

    /**
     * Rings laid out as the buffer's, named {@code trace-warmup-<shard>-<n>.<tenant>}, for a warm-up's scratch tenant:
     * no reader of the buffer (the history indexer, routing's counts, the loss ledger) ever reads them, so nothing a
     * warm-up writes is indexed, and the warm-up destroys them after. Each ring's {@code n} is the first that puts it
     * on a partition this member owns, so that a replica warms its own partition threads.
     */
    public static TraceRings scratch(HazelcastInstance hazelcast, int shards, String tenant) {
        String[] names = new String[shards];
        for (int i = 0; i < shards; i++) {
            String name = null;
            for (int n = 0; n < 10_000 && name == null; n++) {
                String candidate = "trace-warmup-" + i + "-" + n + "." + tenant;
                var owner = hazelcast.getPartitionService().getPartition(candidate).getOwner();
                if (owner != null && owner.localMember()) {
                    name = candidate;
                }
            }
            names[i] = name != null ? name : "trace-warmup-" + i + "." + tenant;
        }
        return new TraceRings(hazelcast, shards, names);
    }

    /**
     * Declares the rings cluster-wide from a byte budget: as many slots as {@code bufferBytes} holds with every slot
     * full (so the buffer never holds more), split evenly over the rings. Call before first use (the tracing service
     * does on start).
     *
     * @return the slots of each ring
     */
    public static long configureBytes(HazelcastInstance hazelcast, int shards, long bufferBytes) {
        long slots = RingSlots.slotsFor(bufferBytes);
        configureSlots(hazelcast, shards, slots);
        return Math.max(1, slots / shards);
    }

    /**
     * Declares the rings' capacity cluster-wide in slots; call before first use. Tests and benchmarks that want exact
     * capacities use this; services use {@link #configureBytes}.
     *
     * @param totalSlots slots across all rings, split evenly
     */
    public static void configureSlots(HazelcastInstance hazelcast, int shards, long totalSlots) {
        RingbufferConfig wanted = new RingbufferConfig(PREFIX + "*")
                .setCapacity((int) Math.min(Integer.MAX_VALUE, Math.max(1, totalSlots / shards)))
                .setBackupCount(1)
                .setTimeToLiveSeconds(0)
                .setInMemoryFormat(InMemoryFormat.BINARY);
        try {
            hazelcast.getConfig().addRingBufferConfig(wanted);
        } catch (com.hazelcast.config.InvalidConfigurationException e) {
            // Another replica configured the cluster first, differently; the cluster's configuration stands.
            org.slf4j.LoggerFactory.getLogger(TraceRings.class).warn("the cluster's trace buffer is configured "
                    + "differently from this replica's ({} slots per ring wanted); the cluster's stands. Give every "
                    + "replica the same tracing.buffer-bytes and tracing.buffer-shards.", wanted.getCapacity());
        }
        hazelcast.getMap(CONFIGURED).set("shards", shards);
    }

    /** Whether the tracing service has configured the rings in this cluster (see {@link #CONFIGURED}). */
    public boolean configured() {
        return hazelcast.getMap(CONFIGURED).containsKey("shards");
    }

    /** A map of reader positions, ring name to the last sequence read: {@link #CHECKPOINTS} or {@link #OUTCOME_CHECKPOINTS}. */
    public com.hazelcast.map.IMap<String, Long> positions(String map) {
        return hazelcast.getMap(map);
    }

    public int shards() {
        return shards;
    }

    public Ringbuffer<String> ring(int shard) {
        return hazelcast.getRingbuffer(names[shard]);
    }

    public List<Ringbuffer<String>> rings() {
        List<Ringbuffer<String>> out = new ArrayList<>(shards);
        for (int i = 0; i < shards; i++) {
            out.add(ring(i));
        }
        return out;
    }

    /** The ring for a writer: one connection always writes to the same ring, which keeps its items in order. */
    public int shardFor(String key) {
        return Math.floorMod(key.hashCode(), shards);
    }

    /** The slots a record takes: itself, or its parts when it is larger than a slot. */
    public static List<String> slots(String record) {
        List<String> out = new ArrayList<>(1);
        RingSlots.split(record, out);
        return out;
    }

    /** The record of an item: its tenant, then its documented fields as JSON (without the tenant). */
    public static String encode(TraceItem item) {
        try {
            return item.tenant() + "\n" + ITEM_WRITER.writeValueAsString(item.withTenant(null));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("cannot encode a trace item: " + e.getMessage(), e);
        }
    }

    public static String tenantOf(String record) {
        int nl = record.indexOf('\n');
        return nl < 0 ? "" : record.substring(0, nl);
    }

    public static boolean belongsTo(String record, String tenant) {
        return record.length() > tenant.length() && record.charAt(tenant.length()) == '\n' && record.startsWith(tenant);
    }

    /** The item of a record, with the record's tenant. */
    public static TraceItem decode(String record) {
        try {
            int nl = record.indexOf('\n');
            return Json.MAPPER.readValue(record.substring(nl + 1), TraceItem.class).withTenant(record.substring(0, nl));
        } catch (java.io.IOException e) {
            throw new IllegalStateException("unreadable trace record: " + e.getMessage(), e);
        }
    }

    /** The JSON of a record's item, as stored. */
    public static String json(String record) {
        return record.substring(record.indexOf('\n') + 1);
    }
}
