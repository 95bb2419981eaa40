package io.switchboard.common.registry;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import java.io.Serial;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Stores a registration, keeping the original registration time when the same owner re-registers a live node
 * (a heartbeat by register). Runs on the member that owns the key.
 */
final class RegisterProcessor implements EntryProcessor<String, String, Object> {
    @Serial
    private static final long serialVersionUID = 3L;

    private final String json;
    private final long expiryMillis;

    RegisterProcessor(String json, long expiryMillis) {
        this.json = json;
        this.expiryMillis = expiryMillis;
    }

    @Override
    public Object process(Map.Entry<String, String> entry) {
        String value = json;
        if (entry.getValue() != null) {
            RegistryEntry before = RegistryEntry.fromJson(entry.getValue());
            RegistryEntry next = RegistryEntry.fromJson(json);
            if (before.live() && before.owner().equals(next.owner())) {
                value = new RegistryEntry(next.node(), next.ttlSeconds(), before.registeredAt(), next.lastSeen(),
                        next.owner(), null).toJson();
            }
        }
        ((ExtendedMapEntry<String, String>) entry).setValue(value, expiryMillis, TimeUnit.MILLISECONDS);
        return null;
    }
}
