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
 * Replaces a live node with a short-lived tombstone carrying the reason. Optional guards: only if a given session
 * owns it (graceful close must not remove a node another connection took over), or only if it is still at a given
 * service and address (replacement).
 */
final class RemoveProcessor implements EntryProcessor<String, RegistryEntry, Boolean>, IdentifiedDataSerializable {
    private RemovalReason reason;
    private String owner;
    private String service;
    private String address;

    RemoveProcessor() {
    }

    RemoveProcessor(RemovalReason reason, String owner, String service, String address) {
        this.reason = reason;
        this.owner = owner;
        this.service = service;
        this.address = address;
    }

    @Override
    public Boolean process(Map.Entry<String, RegistryEntry> entry) {
        RegistryEntry e = entry.getValue();
        if (e == null || !e.live()
                || owner != null && !owner.equals(e.owner())
                || service != null && !(service.equals(e.node().service()) && address.equals(e.node().address()))) {
            return false;
        }
        ((ExtendedMapEntry<String, RegistryEntry>) entry).setValue(e.tombstone(reason),
                RegistryProcessors.TOMBSTONE_MILLIS, TimeUnit.MILLISECONDS);
        return true;
    }

    @Override
    public int getFactoryId() {
        return RegistryProcessors.FACTORY_ID;
    }

    @Override
    public int getClassId() {
        return RegistryProcessors.REMOVE;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeString(reason.name());
        out.writeString(owner);
        out.writeString(service);
        out.writeString(address);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        reason = RemovalReason.valueOf(in.readString());
        owner = in.readString();
        service = in.readString();
        address = in.readString();
    }
}
