package io.switchboard.testsupport;

import com.hazelcast.core.HazelcastInstance;
import io.switchboard.common.config.HazelcastConfig;
import io.switchboard.common.hazelcast.HazelcastConnector;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Hazelcast members on 127.0.0.1 in a cluster of their own (a random name per test class, so that classes never
 * meet), all shut down after the class.
 */
public final class TestHazelcast implements AutoCloseable {
    public TestHazelcast() {
    }

    private final String clusterName = "test-" + UUID.randomUUID();
    private final List<HazelcastInstance> instances = new ArrayList<>();

    public String clusterName() {
        return clusterName;
    }

    public HazelcastConfig config(HazelcastConfig.Mode mode) {
        return new HazelcastConfig(mode, clusterName, List.of("127.0.0.1:5701", "127.0.0.1:5702", "127.0.0.1:5703"), 5701);
    }

    /** Starts another data-holding member of this cluster. */
    public synchronized HazelcastInstance member() {
        HazelcastInstance hz = HazelcastConnector.member(config(HazelcastConfig.Mode.MEMBER));
        instances.add(hz);
        return hz;
    }

    /** Connects a client to this cluster (a member must be running). */
    public synchronized HazelcastInstance client() {
        HazelcastInstance hz = HazelcastConnector.client(config(HazelcastConfig.Mode.CLIENT));
        instances.add(hz);
        return hz;
    }

    @Override
    public synchronized void close() {
        for (int i = instances.size() - 1; i >= 0; i--) {
            instances.get(i).shutdown();
        }
        instances.clear();
    }
}
