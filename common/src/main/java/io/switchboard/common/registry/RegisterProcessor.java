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
 * Stores a registration, keeping the original registration time when the same owner re-registers a live node
 * (a heartbeat by register). A live node of another service keeps its id: the registration is refused and the
 * processor returns that service's name (null when stored). Runs on the member that owns the key (and on its
 * backup, which finds the same entry and decides the same).
 */
final class RegisterProcessor implements EntryProcessor<String, RegistryEntry, String>, IdentifiedDataSerializable {
    private RegistryEntry next;
    private long expiryMillis;

    RegisterProcessor() {
    }

    RegisterProcessor(RegistryEntry next, long expiryMillis) {
        this.next = next;
        this.expiryMillis = expiryMillis;
    }

    @Override
    public String process(Map.Entry<String, RegistryEntry> entry) {
        RegistryEntry value = next;
        RegistryEntry before = entry.getValue();
        if (before != null && before.live() && !before.node().service().equals(next.node().service())) {
            return before.node().service();
        }
        if (before != null && before.live() && before.owner().equals(next.owner())) {
            value = new RegistryEntry(next.node(), next.ttlSeconds(), before.registeredAt(), next.lastSeen(),
                    next.owner(), null);
        }
        ((ExtendedMapEntry<String, RegistryEntry>) entry).setValue(value, expiryMillis, TimeUnit.MILLISECONDS);
        return null;
    }

    @Override
    public int getFactoryId() {
        return RegistryProcessors.FACTORY_ID;
    }

    @Override
    public int getClassId() {
        return RegistryProcessors.REGISTER;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        RegistryEntrySerializer.INSTANCE.write(out, next);
        out.writeLong(expiryMillis);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        next = RegistryEntrySerializer.INSTANCE.read(in);
        expiryMillis = in.readLong();
    }
}
