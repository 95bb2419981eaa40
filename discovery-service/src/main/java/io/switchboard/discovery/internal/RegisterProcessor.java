package io.switchboard.discovery.internal;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import io.switchboard.discovery.RegistryEntry;
import java.io.Serial;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Stores a registration, keeping the original registration time when the same owner re-registers a live node
 * (a heartbeat by register). Runs on the member that owns the key.
 */
final class RegisterProcessor implements EntryProcessor<String, String, Object> {
    @Serial
    private static final long serialVersionUID = 1L;

    private final String json;
    private final long ttlMillis;

    RegisterProcessor(String json, long ttlMillis) {
        this.json = json;
        this.ttlMillis = ttlMillis;
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
        ((ExtendedMapEntry<String, String>) entry).setValue(value, ttlMillis, TimeUnit.MILLISECONDS);
        return null;
    }
}
