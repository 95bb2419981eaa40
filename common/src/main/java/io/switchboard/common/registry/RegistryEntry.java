package io.switchboard.common.registry;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.switchboard.common.model.Node;

/**
 * What the registry holds for one node: the value in the tenant's map, stored as {@link RegistryEntrySerializer}
 * writes it. A removed node is kept for a moment as a tombstone ({@code removed} set) so that every replica's
 * listener learns why it left.
 *
 * @param ttlSeconds   the TTL the node registered with
 * @param registeredAt when it (last) registered, epoch milliseconds
 * @param lastSeen     when it was last registered or refreshed by a heartbeat, epoch milliseconds
 * @param owner        the session that keeps it alive; only that session's graceful close removes it
 * @param removed      null while the node is live
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record RegistryEntry(Node node, int ttlSeconds, long registeredAt, long lastSeen, String owner,
                            RemovalReason removed) {

    @JsonIgnore
    public boolean live() {
        return removed == null;
    }

    public RegistryEntry seenAt(long now) {
        return new RegistryEntry(node, ttlSeconds, registeredAt, now, owner, removed);
    }

    public RegistryEntry tombstone(RemovalReason reason) {
        return new RegistryEntry(node, ttlSeconds, registeredAt, lastSeen, owner, reason);
    }
}
