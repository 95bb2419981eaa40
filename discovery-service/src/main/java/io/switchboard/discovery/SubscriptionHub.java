package io.switchboard.discovery;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.HashMap;
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

    private final io.vertx.core.Vertx vertx;
    private final NodeRegistry registry;
    private final PolicyStore policies;
    private final Map<String, TenantWatch> watches = new ConcurrentHashMap<>();
    /** Tenants whose last listener is being removed. */
    private final Set<String> closing = ConcurrentHashMap.newKeySet();

    SubscriptionHub(io.vertx.core.Vertx vertx, NodeRegistry registry, PolicyStore policies) {
        this.vertx = vertx;
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

    /** This replica's subscriptions of one tenant that a change to {@code service}'s nodes may go to. */
    int subscriptions(String tenant, String service) {
        TenantWatch w = watches.get(tenant);
        if (w == null) {
            return 0;
        }
        int n = 0;
        for (Subscription s : w.subscriptions) {
            if (s.service() == null || s.service().equals(service)) {
                n++;
            }
        }
        return n;
    }

    /**
     * This replica's subscriptions per tenant, counted by the service they watch ({@link FanoutQuota#ALL} for those
     * of every service).
     */
    Map<String, HashMap<String, Integer>> subscriptionCounts() {
        Map<String, HashMap<String, Integer>> out = new HashMap<>();
        watches.forEach((tenant, w) -> {
            HashMap<String, Integer> counts = new HashMap<>();
            for (Subscription s : w.subscriptions) {
                counts.merge(s.service() == null ? FanoutQuota.ALL : s.service(), 1, Integer::sum);
            }
            out.put(tenant, counts);
        });
        return out;
    }

    /** Whether this replica still listens to the tenant's registry (a subscription of it is open or closing). */
    boolean watching(String tenant) {
        TenantWatch w = watches.get(tenant);
        return w != null || closing.contains(tenant);
    }

    void remove(String tenant, Subscription subscription) {
        subscription.close();
        TenantWatch closing = null;
        synchronized (watches) {
            TenantWatch watch = watches.get(tenant);
            if (watch != null && watch.subscriptions.remove(subscription) && watch.subscriptions.isEmpty()) {
                watches.remove(tenant);
                this.closing.add(tenant);
                closing = watch;
            }
        }
        if (closing != null) {
            closing.close(vertx).onComplete(ar -> this.closing.remove(tenant));
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

        /**
         * Removes both listeners, off the event loop (removing a cluster-wide listener is a call to every member);
         * completes when they are gone (or could not be removed, which is logged).
         */
        Future<Void> close(io.vertx.core.Vertx vertx) {
            return Future.join(nodes.compose(h -> closeQuietly(vertx, h)), policies.compose(h -> closeQuietly(vertx, h)))
                    .<Void>mapEmpty().otherwiseEmpty();
        }

        private static Future<Void> closeQuietly(io.vertx.core.Vertx vertx, AutoCloseable handle) {
            return vertx.executeBlocking(() -> {
                try {
                    handle.close();
                } catch (Exception e) {
                    LOG.warn("could not remove a registry listener: {}", e.getMessage());
                }
                return null;
            }, false);
        }
    }
}
