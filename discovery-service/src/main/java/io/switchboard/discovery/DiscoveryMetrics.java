package io.switchboard.discovery;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToDoubleFunction;

/** The discovery service's own meters, all prefixed {@code switchboard.discovery}. */
final class DiscoveryMetrics {
    final AtomicInteger connections = new AtomicInteger();
    final Counter registrations;
    final Counter expirations;
    final Counter resyncs;
    final Counter slowDisconnects;
    final Timer pushLatency;
    private final MeterRegistry registry;
    private final Set<String> tenantsWithGauge = ConcurrentHashMap.newKeySet();

    DiscoveryMetrics(MeterRegistry registry) {
        this.registry = registry;
        Gauge.builder("switchboard.discovery.connections", connections, AtomicInteger::get)
                .description("Open discovery WebSocket connections on this replica").register(registry);
        registrations = Counter.builder("switchboard.discovery.registrations")
                .description("Register frames accepted by this replica").register(registry);
        expirations = Counter.builder("switchboard.discovery.expirations")
                .description("Nodes that expired by TTL, as seen by this replica's subscriptions").register(registry);
        resyncs = Counter.builder("switchboard.discovery.resyncs")
                .description("Subscribers sent a fresh snapshot because they fell behind").register(registry);
        slowDisconnects = Counter.builder("switchboard.discovery.slow.disconnects")
                .description("Subscribers disconnected (4008) because they stayed blocked").register(registry);
        pushLatency = Timer.builder("switchboard.discovery.push.latency")
                .description("From a registry write to the changes frame that carries it")
                .publishPercentiles(0.5, 0.99).register(registry);
    }

    /** Registers, once per tenant, a gauge of the tenant's registered nodes. */
    <T> void tenantNodes(String tenant, T source, ToDoubleFunction<T> count) {
        if (tenantsWithGauge.add(tenant)) {
            Gauge.builder("switchboard.discovery.nodes", source, count).tag("tenant", tenant)
                    .description("Registered nodes of the tenant (cluster-wide)").register(registry);
        }
    }
}
