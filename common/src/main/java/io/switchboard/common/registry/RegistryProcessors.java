package io.switchboard.common.registry;

import com.hazelcast.map.EntryProcessor;
import java.util.Map;

/**
 * The entry processors of the registry maps. Hazelcast runs them on whichever member owns the key (and on its
 * backup), and that member may be any service's replica: a tracing member holds registry partitions too. So they
 * live in {@code common}, which every member has on its classpath, never in the discovery service's module; their
 * class names and serialized fields are part of what members of one cluster must agree on (docs/architecture.md).
 */
public final class RegistryProcessors {
    /** How long a tombstone stays so that every replica's listener sees why a node left. */
    public static final long TOMBSTONE_MILLIS = 2_000;

    private RegistryProcessors() {
    }

    /**
     * Stores a registration (the entry's JSON), expiring after {@code expiryMillis}; a re-registration by the same
     * owner keeps the original registration time. Returns nothing.
     */
    public static EntryProcessor<String, String, Object> register(String entryJson, long expiryMillis) {
        return new RegisterProcessor(entryJson, expiryMillis);
    }

    /** Points an address-index entry at a node id; returns the id it pointed at before, or null. */
    public static EntryProcessor<String, String, String> index(String nodeId, long expiryMillis) {
        return new IndexProcessor(nodeId, expiryMillis);
    }

    /**
     * Extends live nodes' expiry, each by its own remaining lifetime, marking them seen at {@code now}; returns
     * false for keys that are not live.
     */
    public static EntryProcessor<String, String, Boolean> refresh(Map<String, Long> remainingMillis, long now) {
        return new RefreshProcessor(remainingMillis, now);
    }

    /** Extends the expiry of address-index entries without changing them. */
    public static EntryProcessor<String, String, Boolean> touch(Map<String, Long> remainingMillis) {
        return new TouchProcessor(remainingMillis);
    }

    /**
     * Replaces a live node with a tombstone carrying the reason. If {@code owner} is not null, only when that
     * session owns it; if {@code service} is not null, only when it is still at that service and address.
     * Returns true when a live node was removed.
     */
    public static EntryProcessor<String, String, Boolean> remove(RemovalReason reason, String owner, String service,
                                                                 String address) {
        return new RemoveProcessor(reason, owner, service, address);
    }
}
