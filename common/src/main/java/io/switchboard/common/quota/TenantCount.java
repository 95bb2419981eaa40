package io.switchboard.common.quota;

import java.util.concurrent.ConcurrentHashMap;

/** How many of something (connections, subscriptions, tails) each tenant holds on this replica, up to a limit. */
public final class TenantCount {
    private final String quota;
    private final int limit;
    private final ConcurrentHashMap<String, Integer> counts = new ConcurrentHashMap<>();

    /** @param limit the most a tenant may hold at once; 0 means no limit */
    public TenantCount(String quota, int limit) {
        this.quota = quota;
        this.limit = limit;
    }

    public String quota() {
        return quota;
    }

    public int limit() {
        return limit;
    }

    /** Takes one for the tenant if it is under the limit; false (and nothing taken) if it is at the limit. */
    public boolean tryAcquire(String tenant) {
        boolean[] taken = new boolean[1];
        counts.compute(tenant, (t, n) -> {
            int current = n == null ? 0 : n;
            if (limit > 0 && current >= limit) {
                return n;
            }
            taken[0] = true;
            return current + 1;
        });
        return taken[0];
    }

    /** Gives one back (after a successful {@link #tryAcquire}). */
    public void release(String tenant) {
        counts.computeIfPresent(tenant, (t, n) -> n <= 1 ? null : n - 1);
    }

    public int count(String tenant) {
        return counts.getOrDefault(tenant, 0);
    }
}
