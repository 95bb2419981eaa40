package io.switchboard.common.registry;

import com.hazelcast.map.EntryProcessor;

/**
 * The entry processors of the registry maps. Hazelcast runs them on whichever member owns the key (and on its
 * backup), and that member may be any service's replica: a tracing member holds registry partitions too. So they
 * live in {@code common}, which every member has on its classpath, never in the discovery service's module; their
 * class names and serialized fields are part of what members of one cluster must agree on (docs/architecture.md).
 */
public final class RegistryProcessors {
    /** How long a tombstone stays so that every replica's listener sees why a node left. */
    public static final long TOMBSTONE_MILLIS = 2_000;
    /**
     * The processors travel as Hazelcast IdentifiedDataSerializable (a factory id and a class id, then their fields),
     * not Java serialization, which was most of a registration's cost on the partition threads. Every member and
     * client registers their factory through {@link #configure} (HazelcastConnector does).
     */
    public static final int FACTORY_ID = 1701;
    static final int REGISTER = 1;
    static final int INDEX = 2;
    static final int REFRESH = 3;
    static final int TOUCH = 4;
    static final int REMOVE = 5;
    static final int LIVE_ENTRIES = 6;
    static final int LIVE_SIZE = 7;

    private RegistryProcessors() {
    }

    /**
     * What every member and client of the cluster must register: the processors' factory and the serializer of
     * {@link RegistryEntry}, the registry maps' values.
     */
    public static void configure(com.hazelcast.config.SerializationConfig config) {
        config.addDataSerializableFactory(FACTORY_ID, factory());
        config.addSerializerConfig(new com.hazelcast.config.SerializerConfig().setTypeClass(RegistryEntry.class)
                .setImplementation(RegistryEntrySerializer.INSTANCE));
    }

    /**
     * Stores a registration, expiring after {@code expiryMillis}; a re-registration by the same owner keeps the
     * original registration time. Returns null when stored, or the service of the live node that already holds
     * the id (a node id belongs to one service while it lives), when refused.
     */
    public static EntryProcessor<String, RegistryEntry, String> register(RegistryEntry entry, long expiryMillis) {
        return new RegisterProcessor(entry, expiryMillis);
    }

    /** Points an address-index entry at a node id; returns the id it pointed at before, or null. */
    public static EntryProcessor<String, String, String> index(String nodeId, long expiryMillis) {
        return new IndexProcessor(nodeId, expiryMillis);
    }

    /** Extends a live node's expiry to {@code remainingMillis} from now, marking it seen; false if it is not live. */
    public static EntryProcessor<String, RegistryEntry, Boolean> refresh(long remainingMillis, long now) {
        return new RefreshProcessor(remainingMillis, now);
    }

    /** Extends the expiry of an address-index entry without changing it. */
    public static EntryProcessor<String, String, Boolean> touch(long remainingMillis) {
        return new TouchProcessor(remainingMillis);
    }

    /**
     * Replaces a live node with a tombstone carrying the reason. If {@code owner} is not null, only when that
     * session owns it; if {@code service} is not null, only when it is still at that service and address.
     * Returns true when a live node was removed.
     */
    public static EntryProcessor<String, RegistryEntry, Boolean> remove(RemovalReason reason, String owner, String service,
                                                                 String address) {
        return new RemoveProcessor(reason, owner, service, address);
    }

    /** Makes the processors from their ids when they arrive on a member. */
    static com.hazelcast.nio.serialization.DataSerializableFactory factory() {
        return classId -> switch (classId) {
            case REGISTER -> new RegisterProcessor();
            case INDEX -> new IndexProcessor();
            case REFRESH -> new RefreshProcessor();
            case TOUCH -> new TouchProcessor();
            case REMOVE -> new RemoveProcessor();
            case LIVE_ENTRIES -> new LiveEntries();
            case LIVE_SIZE -> new LiveSize();
            default -> null;
        };
    }
}
