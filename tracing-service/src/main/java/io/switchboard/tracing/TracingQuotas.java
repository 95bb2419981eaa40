package io.switchboard.tracing;

import io.micrometer.core.instrument.MeterRegistry;
import io.switchboard.common.protocol.ProtocolLimits;
import io.switchboard.common.quota.QuotaExceeded;
import io.switchboard.common.quota.QuotaMeter;
import io.switchboard.common.quota.TenantCount;
import io.switchboard.common.quota.TenantRate;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What one tenant may use of this tracing replica (the {@code quota.*} keys): items and bytes stored per second,
 * connections and tails open at once. Shared by every connection of the replica.
 *
 * <p>Refuse before working: a tenant whose batch was refused for its event rate has the rest of its frames, on every
 * connection, refused unread until that batch would have fitted, as a frame over its byte rate is.
 */
final class TracingQuotas {
    final TenantRate events;
    final TenantRate bytes;
    final TenantCount connections;
    final TenantCount tails;
    final QuotaMeter meter;
    /**
     * Tenants over their event rate, to when (System.nanoTime) the batch refused last would fit: until then their
     * frames, on any connection, are refused before they are parsed.
     */
    private final ConcurrentHashMap<String, Long> overEvents = new ConcurrentHashMap<>();

    TracingQuotas(TracingConfig config, ProtocolLimits limits, MeterRegistry meters) {
        TracingConfig.Quotas q = config.quotas();
        // A tenant can always store one whole batch at once, whatever its rate.
        events = new TenantRate("quota.events-per-second", q.eventsPerSecond(), config.maxItemsPerBatch());
        bytes = new TenantRate("quota.bytes-per-second", q.bytesPerSecond(), limits.maxFrameBytes());
        connections = new TenantCount("quota.connections", q.connections());
        tails = new TenantCount("quota.tails", q.tails());
        meter = new QuotaMeter(meters, "tracing");
    }

    /**
     * Spends a batch's items and bytes of the tenant's rates, or refuses the batch whole (spending nothing) with the
     * quota it is over and when to send it again.
     */
    void admitBatch(String tenant, int items, int frameBytes) {
        admitBytes(tenant, items, frameBytes);
        admitItems(tenant, items, frameBytes);
    }

    /** Milliseconds until the tenant's last batch refused for its event rate would fit, or 0. */
    long overEventsFor(String tenant) {
        Long until = overEvents.get(tenant);
        // Rounded up, so that a gate opened after it finds the cool-down over.
        return until == null ? 0 : Math.max(0, (until - System.nanoTime() + 999_999) / 1_000_000);
    }

    /**
     * Spends a frame's bytes of the tenant's rate, before anything of it is read, or refuses it.
     *
     * @param items how many items the refusal is counted as in the metrics (1 when unknown: the frame was not read)
     */
    void admitBytes(String tenant, int items, int frameBytes) {
        Long until = overEvents.get(tenant);
        if (until != null) {
            long left = until - System.nanoTime();
            if (left > 0) {
                meter.refused(events.quota(), tenant, items);
                long wait = Math.max(1, (left + 999_999) / 1_000_000);
                throw new QuotaExceeded(events.quota(), "tenant " + tenant + " is over its quota of " + events.perSecond()
                        + " events per second on this replica (quota.events-per-second); nothing of this batch was read: "
                        + "send it again in " + wait + " ms", "items", wait);
            }
            overEvents.remove(tenant, until);
        }
        long wait = bytes.tryAcquire(tenant, frameBytes);
        if (wait > 0) {
            meter.refused(bytes.quota(), tenant, items);
            throw new QuotaExceeded(bytes.quota(), "tenant " + tenant + " is over its quota of " + bytes.perSecond()
                    + " bytes of events per second on this replica (quota.bytes-per-second); nothing of this batch was "
                    + "stored: send it again in " + wait + " ms", "items", wait);
        }
    }

    /** Spends a batch's items of the tenant's rate, or refuses it, giving back the bytes it spent. */
    void admitItems(String tenant, int items, int frameBytes) {
        long wait = events.tryAcquire(tenant, items);
        if (wait > 0) {
            bytes.refund(tenant, frameBytes);
            overEvents.put(tenant, System.nanoTime() + wait * 1_000_000);
            meter.refused(events.quota(), tenant, items);
            throw new QuotaExceeded(events.quota(), "tenant " + tenant + " is over its quota of " + events.perSecond()
                    + " events per second on this replica (quota.events-per-second); nothing of this batch was stored: "
                    + "send it again in " + wait + " ms", "items", wait);
        }
    }

    /** Gives back what {@link #admitBatch} spent, when the batch was not stored after all. */
    void refund(String tenant, int items, int frameBytes) {
        events.refund(tenant, items);
        bytes.refund(tenant, frameBytes);
    }
}
