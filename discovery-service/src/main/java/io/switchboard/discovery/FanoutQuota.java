package io.switchboard.discovery;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.switchboard.common.quota.QuotaExceeded;
import io.switchboard.common.quota.QuotaMeter;
import io.switchboard.common.quota.TenantRate;
import io.vertx.core.Vertx;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * What a tenant's registry costs the replicas to push: each change goes to every subscription of the tenant that
 * watches its service, on every replica, and each subscription starts with a snapshot of the nodes it matches, so a
 * tenant may cause at most {@code quota.fanout-per-second} node deliveries a second, with ten seconds' worth at once
 * for a burst such as a redeploy. A registration or deregistration that changes what subscribers see spends one per
 * subscription that will be sent it (those of its service and those of every service); a subscription spends the
 * nodes of its snapshot. Over the quota either is refused with {@code limit_exceeded} and {@code retryAfterMs}. A
 * change nobody watches spends nothing.
 *
 * <p>Each replica publishes its subscriptions per tenant, counted by the service they watch ({@value #ALL} for
 * every service), into {@value #MAP} (a second apart, each entry living five seconds), and reads a tenant's totals
 * over the members at most once a second, off the event loop.
 */
final class FanoutQuota {
    static final String MAP = "discovery.subscribers-by-service";
    /** The key of subscriptions to every service (a service name is never empty). */
    static final String ALL = "";
    private static final long REFRESH_NANOS = 1_000_000_000L;
    private static final long FORGET_NANOS = 60_000_000_000L;

    private final Vertx vertx;
    private final HazelcastInstance hazelcast;
    private final SubscriptionHub hub;
    private final TenantRate rate;
    private final QuotaMeter meter;
    private final ConcurrentHashMap<String, Totals> totals = new ConcurrentHashMap<>();
    private long timer = -1;

    /** A tenant's subscriptions over all replicas, by the service they watch, as last read. */
    private static final class Totals {
        volatile Map<String, Integer> byService = Map.of();
        long readAt;
        boolean reading;
        volatile long usedAt = System.nanoTime();
    }

    FanoutQuota(Vertx vertx, HazelcastInstance hazelcast, SubscriptionHub hub, long perSecond, QuotaMeter meter) {
        this.vertx = vertx;
        this.hazelcast = hazelcast;
        this.hub = hub;
        this.rate = new TenantRate("quota.fanout-per-second", perSecond, perSecond * 10);
        this.meter = meter;
    }

    void start() {
        if (rate.perSecond() > 0) {
            timer = vertx.setPeriodic(1_000, t -> publish());
        }
    }

    void stop() {
        if (timer >= 0) {
            vertx.cancelTimer(timer);
        }
    }

    private IMap<String, HashMap<String, Integer>> map() {
        return hazelcast.getMap(MAP);
    }

    private void publish() {
        // Forget what was read of tenants that have not registered here for a minute.
        long now = System.nanoTime();
        totals.values().removeIf(t -> now - t.usedAt > FORGET_NANOS);
        Map<String, HashMap<String, Integer>> local = hub.subscriptionCounts();
        if (local.isEmpty()) {
            return;
        }
        String member = hazelcast.getCluster().getLocalMember().getUuid().toString();
        IMap<String, HashMap<String, Integer>> map = map();
        local.forEach((tenant, counts) -> map.setAsync(tenant + "|" + member, counts, 5, TimeUnit.SECONDS));
    }

    /** Spends a change's deliveries (the subscriptions its service's nodes go to) of the tenant's quota, or refuses it. */
    void admitChange(String tenant, String service) {
        if (rate.perSecond() <= 0) {
            return;
        }
        Totals t = totals.computeIfAbsent(tenant, k -> new Totals());
        t.usedAt = System.nanoTime();
        refresh(tenant, t);
        Map<String, Integer> counts = t.byService;
        long watchers = counts.getOrDefault(ALL, 0) + (long) counts.getOrDefault(service, 0);
        // At least what this replica knows of, so that a fresh subscriber counts before the next read.
        long subscribers = Math.max(watchers, hub.subscriptions(tenant, service));
        if (subscribers == 0) {
            return;
        }
        long wait = rate.tryAcquire(tenant, subscribers);
        if (wait > 0) {
            meter.refused(rate.quota(), tenant, 1);
            throw new QuotaExceeded(rate.quota(), "tenant " + tenant + " is over its quota of " + rate.perSecond()
                    + " node deliveries per second (quota.fanout-per-second): a change to service '" + service
                    + "' goes to its " + subscribers + " subscriptions; register again in " + wait
                    + " ms, or subscribe more narrowly (by service)", "node", wait);
        }
    }

    /**
     * Before a subscription reads the view: spends what its snapshot may cost, the tenant's registered nodes as last
     * counted, so that a tenant without the allowance is refused before the replica reads the view for it. Returns
     * what was spent, settled by {@link #settleSnapshot} once the snapshot's size is known.
     */
    long admitSubscribe(String tenant, int tenantNodes) {
        long estimate = cost(tenantNodes);
        spend(tenant, estimate, "a snapshot of up to " + tenantNodes + " nodes");
        return estimate;
    }

    /** Settles a first snapshot's cost: gives back what was spent beyond its nodes, or spends what it lacked. */
    void settleSnapshot(String tenant, int nodes, long prepaid) {
        long cost = cost(nodes);
        if (cost < prepaid) {
            rate.refund(tenant, prepaid - cost);
        } else if (cost > prepaid) {
            spend(tenant, cost - prepaid, "a snapshot of " + nodes + " nodes");
        }
    }

    /** Gives back what a subscription spent on a snapshot it never sent. */
    void refund(String tenant, long prepaid) {
        if (prepaid > 0) {
            rate.refund(tenant, prepaid);
        }
    }

    /** What a snapshot costs: its nodes, at least one, at most the burst (so that it can ever be paid). */
    private long cost(int nodes) {
        return rate.perSecond() <= 0 ? 0 : Math.min(Math.max(1, nodes), rate.perSecond() * 10);
    }

    private void spend(String tenant, long deliveries, String what) {
        if (rate.perSecond() <= 0 || deliveries == 0) {
            return;
        }
        long wait = rate.tryAcquire(tenant, deliveries);
        if (wait > 0) {
            meter.refused(rate.quota(), tenant, 1);
            throw new QuotaExceeded(rate.quota(), "tenant " + tenant + " is over its quota of " + rate.perSecond()
                    + " node deliveries per second (quota.fanout-per-second) and " + what + " would spend more;"
                    + " subscribe again in " + wait + " ms, or subscribe more narrowly (by service)", "id", wait);
        }
    }

    private void refresh(String tenant, Totals t) {
        synchronized (t) {
            if (t.reading || System.nanoTime() - t.readAt <= REFRESH_NANOS) {
                return;
            }
            t.reading = true;
        }
        vertx.executeBlocking(() -> {
            Set<String> keys = new HashSet<>();
            for (Member m : hazelcast.getCluster().getMembers()) {
                keys.add(tenant + "|" + m.getUuid());
            }
            Map<String, Integer> sum = new HashMap<>();
            for (Map<String, Integer> counts : map().getAll(keys).values()) {
                counts.forEach((service, n) -> sum.merge(service, n, Integer::sum));
            }
            return sum;
        }, false).onComplete(ar -> {
            synchronized (t) {
                t.reading = false;
                if (ar.succeeded()) {
                    t.byService = ar.result();
                    t.readAt = System.nanoTime();
                }
            }
        });
    }
}
