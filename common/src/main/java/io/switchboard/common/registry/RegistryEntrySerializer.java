package io.switchboard.common.registry;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.StreamSerializer;
import io.switchboard.common.model.Node;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;

/**
 * How a {@link RegistryEntry} is stored in the registry maps and carried in their events: its fields one after the
 * other, behind a format byte. Every member and client registers it ({@link RegistryProcessors#configure}). Writing
 * and reading it costs a few string copies, where JSON cost a parse on every entry processor run, every event and
 * every snapshot.
 */
final class RegistryEntrySerializer implements StreamSerializer<RegistryEntry> {
    /** Hazelcast's id for this serializer; unique among the cluster's custom serializers. */
    static final int TYPE_ID = 1701;
    private static final byte FORMAT = 1;
    static final RegistryEntrySerializer INSTANCE = new RegistryEntrySerializer();

    @Override
    public int getTypeId() {
        return TYPE_ID;
    }

    @Override
    public void write(ObjectDataOutput out, RegistryEntry e) throws IOException {
        out.writeByte(FORMAT);
        Node n = e.node();
        out.writeString(n.tenant());
        out.writeString(n.id());
        out.writeString(n.service());
        out.writeString(n.version());
        out.writeString(n.address());
        out.writeString(n.environment());
        out.writeInt(n.properties().size());
        for (Map.Entry<String, String> p : n.properties().entrySet()) {
            out.writeString(p.getKey());
            out.writeString(p.getValue());
        }
        out.writeInt(e.ttlSeconds());
        out.writeLong(e.registeredAt());
        out.writeLong(e.lastSeen());
        out.writeString(e.owner());
        out.writeString(e.removed() == null ? null : e.removed().name());
    }

    @Override
    public RegistryEntry read(ObjectDataInput in) throws IOException {
        byte format = in.readByte();
        if (format != FORMAT) {
            throw new IOException("registry entry in format " + format + "; this member reads format " + FORMAT
                    + ": all discovery replicas and members must run the same Switchboard version");
        }
        String tenant = in.readString();
        String id = in.readString();
        String service = in.readString();
        String version = in.readString();
        String address = in.readString();
        String environment = in.readString();
        int count = in.readInt();
        Map<String, String> properties = count == 0 ? Map.of() : new HashMap<>(count * 2);
        for (int i = 0; i < count; i++) {
            properties.put(in.readString(), in.readString());
        }
        int ttl = in.readInt();
        long registeredAt = in.readLong();
        long lastSeen = in.readLong();
        String owner = in.readString();
        String removed = in.readString();
        return new RegistryEntry(new Node(tenant, id, service, version, address, environment, properties), ttl,
                registeredAt, lastSeen, owner, removed == null ? null : RemovalReason.valueOf(removed));
    }
}
