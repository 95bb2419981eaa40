package io.switchboard.common.registry;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Extends a live node's expiry by its remaining lifetime, so that it expires exactly one TTL after its last
 * heartbeat, and marks it seen. Returns false if the node is not live. One key per call: a call for many keys
 * would ship every key to every partition.
 */
final class RefreshProcessor implements EntryProcessor<String, RegistryEntry, Boolean>, IdentifiedDataSerializable {
    private long remainingMillis;
    private long now;

    RefreshProcessor() {
    }

    RefreshProcessor(long remainingMillis, long now) {
        this.remainingMillis = remainingMillis;
        this.now = now;
    }

    @Override
    public Boolean process(Map.Entry<String, RegistryEntry> entry) {
        RegistryEntry e = entry.getValue();
        if (e == null || !e.live()) {
            return false;
        }
        ((ExtendedMapEntry<String, RegistryEntry>) entry).setValue(e.seenAt(now), remainingMillis, TimeUnit.MILLISECONDS);
        return true;
    }

    @Override
    public int getFactoryId() {
        return RegistryProcessors.FACTORY_ID;
    }

    @Override
    public int getClassId() {
        return RegistryProcessors.REFRESH;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeLong(remainingMillis);
        out.writeLong(now);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        remainingMillis = in.readLong();
        now = in.readLong();
    }
}
