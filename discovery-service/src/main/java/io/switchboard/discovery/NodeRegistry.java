package io.switchboard.discovery;

import io.switchboard.common.model.Node;
import io.switchboard.common.registry.RegistryEntry;
import io.switchboard.common.registry.RemovalReason;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The live registry of one deployment, per tenant. Every method is scoped by the tenant it is given, which always
 * comes from a verified token.
 */
public interface NodeRegistry {

    /** A node to register and the TTL it asked for. */
    record Registration(Node node, Duration ttl) {
    }

    /**
     * Registers or refreshes nodes, in as few distributed calls as the store allows. If another node of the same
     * service was registered at the same address as one of them, it is removed with {@link RemovalReason#REPLACED}.
     * A node id belongs to one service while it lives: a registration whose id a live node of another service holds
     * is refused and changes nothing.
     *
     * @param owner the session that keeps the nodes alive
     * @return the ids refused, each with the service that holds it (empty when all were stored)
     */
    Future<Map<String, String>> register(String tenant, List<Registration> batch, String owner);

    /** Registers or refreshes one node; see {@link #register(String, List, String)}. */
    default Future<Map<String, String>> register(String tenant, Node node, Duration ttl, String owner) {
        return register(tenant, List.of(new Registration(node, ttl)), owner);
    }

    /**
     * Extends the life of live nodes in one batched call: each node's expiry becomes its given remaining lifetime
     * from now. Returns the ids that were not live any more (expired, removed, or lost with the cluster).
     */
    Future<Set<String>> refresh(String tenant, Map<Node, Duration> remaining);

    /**
     * Removes a node, leaving a short tombstone so that every subscriber learns the reason.
     *
     * @param owner if not null, removes only if this session still owns the node
     * @return true if a live node was removed
     */
    Future<Boolean> remove(String tenant, String nodeId, RemovalReason reason, String owner);

    /** Every live node of the tenant, with its registration details. */
    Future<List<RegistryEntry>> entries(String tenant);

    /**
     * Calls {@code listener} (on a registry thread) for every change of the tenant's nodes, from any replica,
     * until the returned handle is closed.
     */
    Future<AutoCloseable> watch(String tenant, Consumer<RegistryChange> listener);

    /** Removes every node of the given ids that this session owns, as after a graceful close. */
    default Future<Void> removeAll(String tenant, Collection<String> ids, RemovalReason reason, String owner) {
        return Future.join(ids.stream().map(id -> remove(tenant, id, reason, owner)).toList()).mapEmpty();
    }
}
