package io.switchboard.common.registry;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import java.io.Serial;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Extends live nodes' expiry in one call for many keys: each gets its own remaining lifetime, so that a node
 * expires exactly one TTL after its last heartbeat. Returns false for keys that are not live.
 */
final class RefreshProcessor implements EntryProcessor<String, String, Boolean> {
    @Serial
    private static final long serialVersionUID = 1L;

    private final Map<String, Long> remainingMillis;
    private final long now;

    RefreshProcessor(Map<String, Long> remainingMillis, long now) {
        this.remainingMillis = remainingMillis;
        this.now = now;
    }

    @Override
    public Boolean process(Map.Entry<String, String> entry) {
        if (entry.getValue() == null) {
            return false;
        }
        RegistryEntry e = RegistryEntry.fromJson(entry.getValue());
        if (!e.live()) {
            return false;
        }
        ((ExtendedMapEntry<String, String>) entry).setValue(e.seenAt(now).toJson(),
                remainingMillis.getOrDefault(entry.getKey(), e.ttlSeconds() * 1_000L), TimeUnit.MILLISECONDS);
        return true;
    }
}
