package io.switchboard.common.registry;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** Points an address-index entry at a node id, returning the id it pointed at before (or null). */
final class IndexProcessor implements EntryProcessor<String, String, String>, IdentifiedDataSerializable {
    private String id;
    private long expiryMillis;

    IndexProcessor() {
    }

    IndexProcessor(String id, long expiryMillis) {
        this.id = id;
        this.expiryMillis = expiryMillis;
    }

    @Override
    public String process(Map.Entry<String, String> entry) {
        String previous = entry.getValue();
        ((ExtendedMapEntry<String, String>) entry).setValue(id, expiryMillis, TimeUnit.MILLISECONDS);
        return previous;
    }

    @Override
    public int getFactoryId() {
        return RegistryProcessors.FACTORY_ID;
    }

    @Override
    public int getClassId() {
        return RegistryProcessors.INDEX;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeString(id);
        out.writeLong(expiryMillis);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        id = in.readString();
        expiryMillis = in.readLong();
    }
}
