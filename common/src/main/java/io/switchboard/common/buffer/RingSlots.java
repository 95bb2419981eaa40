package io.switchboard.common.buffer;

import java.util.ArrayList;
import java.util.List;

/**
 * How a ring record becomes ring slots, and back. A Hazelcast ring is bounded by its number of slots, not bytes, so
 * every slot is bounded instead: a record of at most {@link #SLOT_BYTES} bytes (UTF-8) takes one slot, a larger one
 * is stored in parts of at most that size, consecutive in one ring (they are appended in one call). The ring's bytes
 * are then at most its capacity times a slot, whatever clients send.
 *
 * <p>A part is {@code tenant \n ~K/N \n chunk}: a whole record's JSON starts with '{', so the two never mix. Readers
 * feed a ring's records in sequence order to an {@link Assembler}, which gives back whole records and drops an item
 * whose first parts the ring overwrote before they were read.
 */
public final class RingSlots {
    /** The largest record one ring slot holds, in UTF-8 bytes. */
    public static final int SLOT_BYTES = 1_024;
    /** What Hazelcast adds to each slot it holds (the serialized form's header and the array), for sizing. */
    public static final int SLOT_OVERHEAD_BYTES = 48;
    /** The largest item the buffer takes, as stored (tenant and JSON), in UTF-8 bytes. */
    public static final int MAX_ITEM_BYTES = 128 * 1_024;

    private RingSlots() {
    }

    /** Slots of a ring buffer that {@code bytes} can hold, at the worst (every slot full). */
    public static long slotsFor(long bytes) {
        return bytes / (SLOT_BYTES + SLOT_OVERHEAD_BYTES);
    }

    /** Adds the slots of a record ({@code tenant \n json}) to {@code out}: the record itself, or its parts. */
    public static void split(String record, List<String> out) {
        if (record.length() * 3L <= SLOT_BYTES || utf8Length(record) <= SLOT_BYTES) {
            out.add(record);
            return;
        }
        int nl = record.indexOf('\n');
        String tenant = record.substring(0, nl);
        String json = record.substring(nl + 1);
        // Room for the largest header (three-digit numbers); the real one is never longer.
        int budget = SLOT_BYTES - (tenant.length() + 1 + 1 + 3 + 1 + 3 + 1);
        List<String> chunks = new ArrayList<>();
        int start = 0;
        int bytes = 0;
        for (int i = 0; i < json.length(); i++) {
            char c = json.charAt(i);
            int size = c < 0x80 ? 1 : c < 0x800 ? 2 : Character.isHighSurrogate(c) ? 4 : Character.isLowSurrogate(c) ? 0 : 3;
            if (bytes + size > budget && !Character.isLowSurrogate(c)) {
                chunks.add(json.substring(start, i));
                start = i;
                bytes = 0;
            }
            bytes += size;
        }
        chunks.add(json.substring(start));
        for (int k = 0; k < chunks.size(); k++) {
            out.add(tenant + "\n~" + (k + 1) + "/" + chunks.size() + "\n" + chunks.get(k));
        }
    }

    /** Whether a slot holds a part of an item rather than a whole record. */
    public static boolean isPart(String slot) {
        int nl = slot.indexOf('\n');
        return nl >= 0 && nl + 1 < slot.length() && slot.charAt(nl + 1) == '~';
    }

    /** The bytes of a string in UTF-8, as Hazelcast stores it. */
    public static int utf8Length(CharSequence s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n++;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    /**
     * Puts the items of one ring back together, from its slots in sequence order. Not thread-safe: one per reader
     * of a ring.
     */
    public static final class Assembler {
        private StringBuilder pending;
        private String pendingTenant;
        private int pendingParts;
        private int next;
        private long pendingSince = -1;
        /** The part an orphan run (an item whose head is gone) goes on with, or 0. */
        private int orphanNext;
        private long dropped;

        /**
         * The whole record completed by this slot, or null while an item's parts are still coming (or when the slot
         * is a part of an item whose earlier parts are gone).
         */
        public String offer(long sequence, String slot) {
            if (!isPart(slot)) {
                abandon();
                orphanNext = 0;
                return slot;
            }
            int nl = slot.indexOf('\n');
            int slash = slot.indexOf('/', nl);
            int end = slot.indexOf('\n', nl + 1);
            int k;
            int n;
            try {
                k = Integer.parseInt(slot, nl + 2, slash, 10);
                n = Integer.parseInt(slot, slash + 1, end, 10);
            } catch (RuntimeException e) {
                abandon();
                return null;
            }
            String tenant = slot.substring(0, nl);
            if (k == 1) {
                abandon();
                orphanNext = 0;
                pending = new StringBuilder(Math.min(n, 16) * SLOT_BYTES).append(tenant).append('\n');
                pendingTenant = tenant;
                pendingParts = n;
                pendingSince = sequence;
            } else if (pending == null || k != next || n != pendingParts || !tenant.equals(pendingTenant)) {
                abandon();
                if (k != orphanNext) {
                    dropped++; // once per item whose head is gone, not once per part
                }
                orphanNext = k < n ? k + 1 : 0;
                return null;
            }
            pending.append(slot, end + 1, slot.length());
            next = k + 1;
            if (k < n) {
                return null;
            }
            String whole = pending.toString();
            pending = null;
            pendingSince = -1;
            return whole;
        }

        /** The sequence of the first part of an item not yet complete, or -1: a checkpoint must not pass it. */
        public long pendingSince() {
            return pendingSince;
        }

        /** Items dropped so far because some of their parts were missing. */
        public long dropped() {
            return dropped;
        }

        /** Forgets an item in progress (after a gap in the sequence), counting it as dropped. */
        public void reset() {
            abandon();
            orphanNext = 0;
        }

        private void abandon() {
            if (pending != null) {
                dropped++;
            }
            pending = null;
            pendingTenant = null;
            pendingSince = -1;
        }
    }
}
