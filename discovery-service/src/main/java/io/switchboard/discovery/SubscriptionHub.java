package io.switchboard.discovery;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fans registry changes out to this replica's subscriptions: one registry listener per tenant that has
 * subscribers here, whatever their number, removed when the tenant's last subscriber leaves.
 */
final class SubscriptionHub {
    private static final Logger LOG = LoggerFactory.getLogger(SubscriptionHub.class);

    private final NodeRegistry registry;
    private final PolicyStore policies;
    private final Map<String, TenantWatch> watches = new ConcurrentHashMap<>();

    SubscriptionHub(NodeRegistry registry, PolicyStore policies) {
        this.registry = registry;
        this.policies = policies;
    }

    PolicyStore policies() {
        return policies;
    }

    /** Adds a subscription and starts it once the tenant's listener is in place, so no change slips between. */
    Future<Void> add(String tenant, Subscription subscription) {
        TenantWatch watch;
        synchronized (watches) {
            watch = watches.computeIfAbsent(tenant, t -> new TenantWatch(t, registry, policies));
            watch.subscriptions.add(subscription);
        }
        Promise<Void> started = Promise.promise();
        // The listener may have been set up from another event loop; start on the subscription's own.
        watch.ready.onComplete(ar -> subscription.onLoop(() -> {
            if (ar.failed()) {
                started.fail(ar.cause());
            } else {
                subscription.start().onComplete(started);
            }
        }));
        return started.future();
    }

    /** This replica's subscriptions of one tenant. */
    int subscriptions(String tenant) {
        TenantWatch w = watches.get(tenant);
        return w == null ? 0 : w.subscriptions.size();
    }

    /** This replica's subscriptions per tenant. */
    Map<String, Integer> subscriptionCounts() {
        Map<String, Integer> out = new java.util.HashMap<>();
        watches.forEach((tenant, w) -> out.put(tenant, w.subscriptions.size()));
        return out;
    }

    void remove(String tenant, Subscription subscription) {
        subscription.close();
        TenantWatch closing = null;
        synchronized (watches) {
            TenantWatch watch = watches.get(tenant);
            if (watch != null && watch.subscriptions.remove(subscription) && watch.subscriptions.isEmpty()) {
                watches.remove(tenant);
                closing = watch;
            }
        }
        if (closing != null) {
            closing.close();
        }
    }

    /** The listeners of one tenant (nodes and policies) and its local subscriptions. */
    private static final class TenantWatch {
        final Set<Subscription> subscriptions = ConcurrentHashMap.newKeySet();
        final Future<AutoCloseable> nodes;
        final Future<AutoCloseable> policies;
        final Future<Void> ready;

        TenantWatch(String tenant, NodeRegistry registry, PolicyStore policyStore) {
            nodes = registry.watch(tenant, change -> subscriptions.forEach(s -> s.offer(change)));
            policies = policyStore.watch(tenant, (service, p) -> subscriptions.forEach(s -> s.offerPolicy(service, p)));
            ready = Future.all(nodes, policies).mapEmpty();
        }

        void close() {
            nodes.onSuccess(TenantWatch::closeQuietly);
            policies.onSuccess(TenantWatch::closeQuietly);
        }

        private static void closeQuietly(AutoCloseable handle) {
            try {
                handle.close();
            } catch (Exception e) {
                LOG.warn("could not remove a registry listener: {}", e.getMessage());
            }
        }
    }
}
