package io.switchboard.common.quota;

import java.util.concurrent.ConcurrentHashMap;

/**
 * A rate per tenant on this replica (events or bytes per second): a token bucket per tenant that fills at the rate
 * and holds at most {@code burst}. Safe from any thread; a tenant idle for a minute is forgotten.
 */
public final class TenantRate {
    private static final long IDLE_NANOS = 60_000_000_000L;

    private final String quota;
    private final long perSecond;
    private final long burst;
    private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();
    private volatile long lastSweep = System.nanoTime();

    private static final class Bucket {
        double tokens;
        long refilledAt;

        Bucket(double tokens, long now) {
            this.tokens = tokens;
            this.refilledAt = now;
        }
    }

    /**
     * @param quota     the configuration key, named in refusals
     * @param perSecond the rate; 0 means no limit
     * @param burst     the most a tenant can spend at once (at least the largest single request)
     */
    public TenantRate(String quota, long perSecond, long burst) {
        this.quota = quota;
        this.perSecond = perSecond;
        this.burst = Math.max(burst, perSecond);
    }

    public String quota() {
        return quota;
    }

    public long perSecond() {
        return perSecond;
    }

    /** Spends {@code amount} of the tenant's allowance: 0 if it had enough, else milliseconds until it would have. */
    public long tryAcquire(String tenant, long amount) {
        if (perSecond <= 0) {
            return 0;
        }
        long now = System.nanoTime();
        sweep(now);
        Bucket b = buckets.computeIfAbsent(tenant, t -> new Bucket(burst, now));
        synchronized (b) {
            b.tokens = Math.min(burst, b.tokens + (now - b.refilledAt) / 1e9 * perSecond);
            b.refilledAt = now;
            if (b.tokens >= amount) {
                b.tokens -= amount;
                return 0;
            }
            double missing = Math.min(amount, burst) - b.tokens;
            return Math.max(1, (long) Math.ceil(missing * 1_000 / perSecond));
        }
    }

    /** Gives back what {@link #tryAcquire} spent, when the request it was for did not go ahead after all. */
    public void refund(String tenant, long amount) {
        Bucket b = buckets.get(tenant);
        if (b != null) {
            synchronized (b) {
                b.tokens = Math.min(burst, b.tokens + amount);
            }
        }
    }

    private void sweep(long now) {
        if (now - lastSweep > IDLE_NANOS) {
            lastSweep = now;
            buckets.entrySet().removeIf(e -> now - e.getValue().refilledAt > IDLE_NANOS);
        }
    }
}
