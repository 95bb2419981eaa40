package io.switchboard.common.registry;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import java.io.Serial;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Replaces a live node with a short-lived tombstone carrying the reason. Optional guards: only if a given session
 * owns it (graceful close must not remove a node another connection took over), or only if it is still at a given
 * service and address (replacement).
 */
final class RemoveProcessor implements EntryProcessor<String, String, Boolean> {
    @Serial
    private static final long serialVersionUID = 1L;

    private final RemovalReason reason;
    private final String owner;
    private final String service;
    private final String address;

    RemoveProcessor(RemovalReason reason, String owner, String service, String address) {
        this.reason = reason;
        this.owner = owner;
        this.service = service;
        this.address = address;
    }

    @Override
    public Boolean process(Map.Entry<String, String> entry) {
        if (entry.getValue() == null) {
            return false;
        }
        RegistryEntry e = RegistryEntry.fromJson(entry.getValue());
        if (!e.live()
                || owner != null && !owner.equals(e.owner())
                || service != null && !(service.equals(e.node().service()) && address.equals(e.node().address()))) {
            return false;
        }
        ((ExtendedMapEntry<String, String>) entry).setValue(e.tombstone(reason).toJson(),
                RegistryProcessors.TOMBSTONE_MILLIS, TimeUnit.MILLISECONDS);
        return true;
    }
}
