package io.switchboard.discovery;

import io.switchboard.common.routing.RoutingPolicy;
import io.vertx.core.Future;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * The routing policies the routing service publishes, per tenant and service, which discovery pushes to
 * subscribers along with the nodes. Scoped by the tenant it is given, which always comes from a verified token.
 */
public interface PolicyStore {

    /** Every service's current policy. */
    Future<Map<String, RoutingPolicy>> policies(String tenant);

    /**
     * Calls {@code listener} (on a store thread) with the service and its new policy, or null when the policy was
     * withdrawn, until the returned handle is closed.
     */
    Future<AutoCloseable> watch(String tenant, BiConsumer<String, RoutingPolicy> listener);
}
