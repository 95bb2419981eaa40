package io.switchboard.common.registry;

import com.hazelcast.aggregation.Aggregator;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import java.io.IOException;
import java.util.Map;

/**
 * Counts a tenant's live nodes and their bytes ({@link io.switchboard.common.model.Node#bytes()}) where the entries
 * live, for the node and registry-bytes quotas. Runs on members, so it lives in common; used with
 * {@link LiveEntries}. The answer is {@code {count, bytes}}.
 */
public final class LiveSize implements Aggregator<Map.Entry<String, RegistryEntry>, long[]>, IdentifiedDataSerializable {
    private long count;
    private long bytes;

    @Override
    public void accumulate(Map.Entry<String, RegistryEntry> entry) {
        RegistryEntry value = entry.getValue();
        if (value != null && value.live()) {
            count++;
            bytes += value.node().bytes();
        }
    }

    @Override
    public void combine(Aggregator aggregator) {
        LiveSize other = (LiveSize) aggregator;
        count += other.count;
        bytes += other.bytes;
    }

    @Override
    public long[] aggregate() {
        return new long[] {count, bytes};
    }

    @Override
    public int getFactoryId() {
        return RegistryProcessors.FACTORY_ID;
    }

    @Override
    public int getClassId() {
        return RegistryProcessors.LIVE_SIZE;
    }

    @Override
    public void writeData(ObjectDataOutput out) throws IOException {
        out.writeLong(count);
        out.writeLong(bytes);
    }

    @Override
    public void readData(ObjectDataInput in) throws IOException {
        count = in.readLong();
        bytes = in.readLong();
    }
}
