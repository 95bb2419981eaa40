package io.switchboard.common.registry;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Extends the expiry of an address-index entry along with its node, without changing it. */
final class TouchProcessor implements EntryProcessor<String, String, Boolean>, IdentifiedDataSerializable {
    private long remainingMillis;

    TouchProcessor() {
    }

    TouchProcessor(long remainingMillis) {
        this.remainingMillis = remainingMillis;
    }

    @Override
    public Boolean process(Map.Entry<String, String> entry) {
        if (entry.getValue() == null) {
            return false;
        }
        ((ExtendedMapEntry<String, String>) entry).setValue(entry.getValue(), remainingMillis, TimeUnit.MILLISECONDS);
        return true;
    }

    @Override
    public int getFactoryId() {
        return RegistryProcessors.FACTORY_ID;
    }

    @Override
    public int getClassId() {
        return RegistryProcessors.TOUCH;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeLong(remainingMillis);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        remainingMillis = in.readLong();
    }
}
