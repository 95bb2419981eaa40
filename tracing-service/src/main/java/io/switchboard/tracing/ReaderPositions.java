package io.switchboard.tracing;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.switchboard.common.buffer.TraceRings;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the trace buffer's readers are, ring by ring: the history indexer ({@link TraceRings#CHECKPOINTS}) and the
 * outcome aggregation ({@link TraceRings#OUTCOME_CHECKPOINTS}, mirrored from PostgreSQL). Each publishes the last
 * sequence it has read; the slowest of them is the floor below which a ring may be overwritten.
 *
 * <p>A reader holds the floor only while it is alive: caught up with the ring, or having moved within the grace period
 * ({@code tracing.reader-grace}). One stuck longer (Elasticsearch or PostgreSQL down for longer than the buffer can
 * wait) stops holding it, so ingest goes on and what is overwritten before it was read is counted; it holds the floor
 * again as soon as it moves. A reader that never published a position (none is deployed) holds nothing.
 */
final class ReaderPositions {
    private static final Logger LOG = LoggerFactory.getLogger(ReaderPositions.class);
    /** No reader holds the ring: any slot may be overwritten. */
    static final long NO_FLOOR = Long.MAX_VALUE;
    private static final String[] NAMES = {"the history indexer", "the outcome aggregation"};

    private final IMap<String, Long>[] maps;
    private final Set<String> ringNames = new LinkedHashSet<>();
    private final long graceMillis;
    /** Per reader and ring: the position last seen, and when it last moved or was caught up. */
    private final long[][] seen;
    private final long[][] aliveAt;
    private final boolean[][] stalled;
    /** Per ring, from the last {@link #update}: the floor, and the indexer's own position (or -2 if none). */
    private final long[] floor;
    private final long[] indexer;

    @SuppressWarnings("unchecked")
    ReaderPositions(HazelcastInstance hazelcast, int rings, java.time.Duration grace) {
        this.maps = new IMap[] {hazelcast.getMap(TraceRings.CHECKPOINTS), hazelcast.getMap(TraceRings.OUTCOME_CHECKPOINTS)};
        for (int i = 0; i < rings; i++) {
            ringNames.add(TraceRings.PREFIX + i);
        }
        this.graceMillis = grace.toMillis();
        this.seen = new long[maps.length][rings];
        this.aliveAt = new long[maps.length][rings];
        this.stalled = new boolean[maps.length][rings];
        this.floor = new long[rings];
        this.indexer = new long[rings];
        java.util.Arrays.fill(floor, NO_FLOOR);
        java.util.Arrays.fill(indexer, -2);
        for (long[] s : seen) {
            java.util.Arrays.fill(s, Long.MIN_VALUE);
        }
    }

    /** Reads every reader's positions (blocking: two cluster calls) and works out each ring's floor. */
    void update(long[] tails, long nowMillis) {
        @SuppressWarnings("unchecked")
        Map<String, Long>[] read = new Map[maps.length];
        for (int k = 0; k < maps.length; k++) {
            read[k] = maps[k].getAll(ringNames);
        }
        update(read, tails, nowMillis);
    }

    /** Works out each ring's floor from positions already read (one map per reader, ring name to sequence). */
    synchronized void update(Map<String, Long>[] positions, long[] tails, long nowMillis) {
        for (int ring = 0; ring < floor.length; ring++) {
            String name = TraceRings.PREFIX + ring;
            long min = NO_FLOOR;
            for (int k = 0; k < maps.length; k++) {
                Long position = positions[k].get(name);
                if (position == null) {
                    continue;
                }
                if (position != seen[k][ring] || position >= tails[ring]) {
                    seen[k][ring] = position;
                    aliveAt[k][ring] = nowMillis;
                }
                boolean stuck = nowMillis - aliveAt[k][ring] > graceMillis;
                if (stuck != stalled[k][ring]) {
                    stalled[k][ring] = stuck;
                    if (stuck) {
                        LOG.warn("{}: {} has not moved from sequence {} for {} s (tracing.reader-grace); the buffer no "
                                + "longer waits for it, and what it overwrites before it is read is counted as lost",
                                name, NAMES[k], position, graceMillis / 1_000);
                    } else {
                        LOG.info("{}: {} moves again; the buffer waits for it again", name, NAMES[k]);
                    }
                }
                if (!stuck) {
                    min = Math.min(min, position);
                }
            }
            floor[ring] = min;
            Long idx = positions[0].get(name);
            indexer[ring] = idx == null ? -2 : idx;
        }
    }

    /** The last sequence of the ring that every live reader has read, or {@link #NO_FLOOR}. */
    synchronized long floor(int ring) {
        return floor[ring];
    }

    /** The history indexer's position on the ring, or null if it has none. */
    synchronized Long indexer(int ring) {
        return indexer[ring] == -2 ? null : indexer[ring];
    }

    /** Which reader holds the ring's floor, for messages. */
    synchronized String slowest(int ring) {
        for (int k = 0; k < maps.length; k++) {
            if (!stalled[k][ring] && seen[k][ring] == floor[ring]) {
                return NAMES[k];
            }
        }
        return "its readers";
    }
}
