package io.switchboard.discovery;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.switchboard.common.quota.QuotaExceeded;
import io.switchboard.common.quota.QuotaMeter;
import io.switchboard.common.quota.TenantRate;
import io.vertx.core.Vertx;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * What a tenant's registry changes cost the replicas: each change goes to every subscription of the tenant, on
 * every replica, so a tenant may cause at most {@code quota.fanout-per-second} deliveries a second (changes times
 * its subscriptions), with ten seconds' worth at once for a burst such as a redeploy. A registration or
 * deregistration that changes what subscribers see spends one per subscription of the tenant; over the quota it is
 * refused with {@code limit_exceeded} and {@code retryAfterMs}. A tenant with no subscribers spends nothing.
 *
 * <p>Each replica publishes its number of subscriptions per tenant into {@value #MAP} (a second apart, each entry
 * living five seconds), and reads a tenant's total over the members at most once a second, off the event loop.
 */
final class FanoutQuota {
    static final String MAP = "discovery.subscribers";
    private static final long REFRESH_NANOS = 1_000_000_000L;

    private final Vertx vertx;
    private final HazelcastInstance hazelcast;
    private final SubscriptionHub hub;
    private final TenantRate rate;
    private final QuotaMeter meter;
    private final ConcurrentHashMap<String, Total> totals = new ConcurrentHashMap<>();
    private long timer = -1;

    private static final class Total {
        volatile long subscribers;
        long readAt;
        boolean reading;
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

    private IMap<String, Integer> map() {
        return hazelcast.getMap(MAP);
    }

    private void publish() {
        Map<String, Integer> local = hub.subscriptionCounts();
        if (local.isEmpty()) {
            return;
        }
        String member = hazelcast.getCluster().getLocalMember().getUuid().toString();
        IMap<String, Integer> map = map();
        local.forEach((tenant, count) -> map.setAsync(tenant + "|" + member, count, 5, TimeUnit.SECONDS));
    }

    /** Spends a change's deliveries of the tenant's quota, or refuses it. */
    void admitChange(String tenant) {
        if (rate.perSecond() <= 0) {
            return;
        }
        Total t = totals.computeIfAbsent(tenant, k -> new Total());
        refresh(tenant, t);
        // At least what this replica knows of, so that a fresh subscriber counts before the next read.
        long subscribers = Math.max(t.subscribers, hub.subscriptions(tenant));
        long wait = rate.tryAcquire(tenant, subscribers);
        if (wait > 0) {
            meter.refused(rate.quota(), tenant, 1);
            throw new QuotaExceeded(rate.quota(), "tenant " + tenant + " is over its quota of " + rate.perSecond()
                    + " change deliveries per second (quota.fanout-per-second): each change goes to its " + subscribers
                    + " subscriptions; register again in " + wait + " ms, or subscribe more narrowly (by service)",
                    "node", wait);
        }
    }

    private void refresh(String tenant, Total t) {
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
            long sum = 0;
            for (Integer n : map().getAll(keys).values()) {
                sum += n;
            }
            return sum;
        }, false).onComplete(ar -> {
            synchronized (t) {
                t.reading = false;
                if (ar.succeeded()) {
                    t.subscribers = ar.result();
                    t.readAt = System.nanoTime();
                }
            }
        });
    }
}
