package io.switchboard.discovery;

import com.hazelcast.core.HazelcastInstance;
import io.switchboard.common.quota.QuotaExceeded;
import io.switchboard.common.quota.QuotaMeter;
import io.vertx.core.Vertx;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The nodes a tenant may have registered at once ({@code quota.nodes}), across the whole registry. Counting the
 * tenant's map costs a call to every member, so its size is read at most once a second per tenant (off the event
 * loop) and registrations are judged on the last count: a tenant can pass its quota by what the registry takes in
 * about a second, and clients re-registering after a failover (nodes already counted) are never refused for it.
 */
final class NodeQuota {
    private static final long REFRESH_NANOS = 1_000_000_000L;

    private final Vertx vertx;
    private final HazelcastInstance hazelcast;
    private final int limit;
    private final QuotaMeter meter;
    private final ConcurrentHashMap<String, Count> counts = new ConcurrentHashMap<>();

    private static final class Count {
        int registered;
        long readAt;
        boolean reading;
    }

    NodeQuota(Vertx vertx, HazelcastInstance hazelcast, int limit, QuotaMeter meter) {
        this.vertx = vertx;
        this.hazelcast = hazelcast;
        this.limit = limit;
        this.meter = meter;
    }

    /** Refuses a node this connection does not yet keep when the tenant is at its quota. */
    void admitNew(String tenant) {
        if (limit <= 0) {
            return;
        }
        Count c = counts.computeIfAbsent(tenant, t -> new Count());
        int registered;
        synchronized (c) {
            registered = c.registered;
        }
        refresh(tenant, c);
        if (registered >= limit) {
            meter.refused("quota.nodes", tenant, 1);
            throw new QuotaExceeded("quota.nodes", "tenant " + tenant + " already has " + registered
                    + " nodes registered, its quota is " + limit + " (quota.nodes); deregister some first", "node.id", 0);
        }
    }

    private void refresh(String tenant, Count c) {
        synchronized (c) {
            if (c.reading || System.nanoTime() - c.readAt <= REFRESH_NANOS) {
                return;
            }
            c.reading = true;
        }
        vertx.executeBlocking(() -> hazelcast.<String, io.switchboard.common.registry.RegistryEntry>getMap("registry." + tenant)
                .aggregate(com.hazelcast.aggregation.Aggregators.count(), new io.switchboard.common.registry.LiveEntries()),
                false).onComplete(ar -> {
            synchronized (c) {
                c.reading = false;
                if (ar.succeeded()) {
                    c.registered = (int) Math.min(Integer.MAX_VALUE, ar.result());
                    c.readAt = System.nanoTime();
                }
            }
        });
    }
}
