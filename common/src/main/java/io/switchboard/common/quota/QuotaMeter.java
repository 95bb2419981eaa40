package io.switchboard.common.quota;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * Counts refusals by quota and tenant ({@code switchboard_quota_exceeded_total{service, quota, tenant}}), so that an
 * operator sees who is throttled and by which limit. Tenant names are on the metrics port only (docs/architecture.md).
 */
public final class QuotaMeter {
    private final MeterRegistry registry;
    private final String service;

    public QuotaMeter(MeterRegistry registry, String service) {
        this.registry = registry;
        this.service = service;
    }

    /** Records {@code amount} units (requests, events) refused by a quota. */
    public void refused(String quota, String tenant, long amount) {
        Counter.builder("switchboard.quota.exceeded").description("Units refused because a tenant was over a quota")
                .tag("service", service).tag("quota", quota).tag("tenant", tenant).register(registry).increment(amount);
    }
}
