package io.switchboard.common.registry;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import com.hazelcast.query.Predicate;
import java.util.Map;

/**
 * Registry entries that are live nodes, not tombstones of nodes that just left: for counting a tenant's registered
 * nodes where the entries live (a member runs it, so it lives in common).
 */
public final class LiveEntries implements Predicate<String, RegistryEntry>, IdentifiedDataSerializable {
    @Override
    public boolean apply(Map.Entry<String, RegistryEntry> entry) {
        RegistryEntry value = entry.getValue();
        return value != null && value.live();
    }

    @Override
    public int getFactoryId() {
        return RegistryProcessors.FACTORY_ID;
    }

    @Override
    public int getClassId() {
        return RegistryProcessors.LIVE_ENTRIES;
    }

    @Override
    public void writeData(ObjectDataOutput out) {
        // no state
    }

    @Override
    public void readData(ObjectDataInput in) {
        // no state
    }
}
