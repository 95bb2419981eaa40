package io.switchboard.discovery;

import com.hazelcast.core.HazelcastInstance;
import io.switchboard.common.quota.QuotaExceeded;
import io.switchboard.common.quota.QuotaMeter;
import io.vertx.core.Vertx;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The nodes a tenant may have registered at once ({@code quota.nodes}) and their bytes ({@code quota.registry-bytes}),
 * across the whole registry. Counting the tenant's map costs a call to every member, so its size is read at most
 * once a second per tenant (off the event loop) and registrations are judged on the last count: a tenant can pass
 * its quota by what the registry takes in about a second, and clients re-registering after a failover (nodes
 * already counted, no bigger than before) are never refused for it.
 */
final class NodeQuota {
    private static final long REFRESH_NANOS = 1_000_000_000L;

    private final Vertx vertx;
    private final HazelcastInstance hazelcast;
    private final int limit;
    private final long bytesLimit;
    private final QuotaMeter meter;
    private final ConcurrentHashMap<String, Count> counts = new ConcurrentHashMap<>();

    private static final class Count {
        int registered;
        long bytes;
        long readAt;
        boolean reading;
    }

    NodeQuota(Vertx vertx, HazelcastInstance hazelcast, int limit, long bytesLimit, QuotaMeter meter) {
        this.vertx = vertx;
        this.hazelcast = hazelcast;
        this.limit = limit;
        this.bytesLimit = bytesLimit;
        this.meter = meter;
    }

    /**
     * Refuses a registration that would take the tenant past a quota: a node this connection does not yet keep when
     * the tenant is at its node quota, or one that adds {@code addedBytes} (a new node's bytes, or what a
     * re-registered node grew by) past its registry bytes.
     */
    void admit(String tenant, boolean newNode, long addedBytes) {
        if (limit <= 0 && bytesLimit <= 0 || !newNode && addedBytes <= 0) {
            return;
        }
        Count c = counts.computeIfAbsent(tenant, t -> new Count());
        int registered;
        long bytes;
        synchronized (c) {
            registered = c.registered;
            bytes = c.bytes;
        }
        refresh(tenant, c);
        if (newNode && limit > 0 && registered >= limit) {
            meter.refused("quota.nodes", tenant, 1);
            throw new QuotaExceeded("quota.nodes", "tenant " + tenant + " already has " + registered
                    + " nodes registered, its quota is " + limit + " (quota.nodes); deregister some first", "node.id", 0);
        }
        if (bytesLimit > 0 && addedBytes > 0 && bytes + addedBytes > bytesLimit) {
            meter.refused("quota.registry-bytes", tenant, 1);
            throw new QuotaExceeded("quota.registry-bytes", "tenant " + tenant + "'s registered nodes already weigh "
                    + bytes + " bytes and this would add " + addedBytes + "; its quota is " + bytesLimit
                    + " (quota.registry-bytes): trim node properties or deregister some nodes first", "node", 0);
        }
    }

    /** The tenant's registered nodes as last counted (0 until a first count), counted again if due. */
    int registered(String tenant) {
        Count c = counts.computeIfAbsent(tenant, t -> new Count());
        refresh(tenant, c);
        synchronized (c) {
            return c.registered;
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
                .aggregate(new io.switchboard.common.registry.LiveSize(), new io.switchboard.common.registry.LiveEntries()),
                false).onComplete(ar -> {
            synchronized (c) {
                c.reading = false;
                if (ar.succeeded()) {
                    c.registered = (int) Math.min(Integer.MAX_VALUE, ar.result()[0]);
                    c.bytes = ar.result()[1];
                    c.readAt = System.nanoTime();
                }
            }
        });
    }
}
