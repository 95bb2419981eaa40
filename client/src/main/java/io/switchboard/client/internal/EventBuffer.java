package io.switchboard.client.internal;

import io.switchboard.common.model.TraceItem;
import java.util.ArrayDeque;

/**
 * The bounded buffer between application threads and the sender: adding never blocks and never fails; when full,
 * the oldest item is dropped and counted. The lock is held only to move references in and out.
 */
final class EventBuffer {
    private final int capacity;
    private final ArrayDeque<TraceItem> items;
    private long droppedSinceTaken;
    private long droppedTotal;

    EventBuffer(int capacity) {
        this.capacity = capacity;
        this.items = new ArrayDeque<>(capacity);
    }

    /** Adds an item; returns the number buffered afterwards. */
    synchronized int add(TraceItem item) {
        if (items.size() == capacity) {
            items.pollFirst();
            droppedSinceTaken++;
            droppedTotal++;
        }
        items.addLast(item);
        return items.size();
    }

    /** The oldest item, or null if empty. */
    synchronized TraceItem poll() {
        return items.pollFirst();
    }

    /** Puts back an item taken that did not fit its batch; if the buffer filled meanwhile, it counts as dropped. */
    synchronized void putBack(TraceItem item) {
        if (items.size() == capacity) {
            droppedSinceTaken++;
            droppedTotal++;
            return;
        }
        items.addFirst(item);
    }

    /** Items dropped since the last call, which the next batch reports; resets the count. */
    synchronized long takeDropped() {
        long d = droppedSinceTaken;
        droppedSinceTaken = 0;
        return d;
    }

    synchronized long droppedTotal() {
        return droppedTotal;
    }

    synchronized int size() {
        return items.size();
    }
}
