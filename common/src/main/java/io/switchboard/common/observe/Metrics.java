package io.switchboard.common.observe;

import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;

/**
 * The Prometheus registry a process reports through (JVM, process, Vert.x HTTP and WebSocket metrics, and each
 * service's own counters), and a Vert.x instance wired to it.
 */
public final class Metrics {
    private Metrics() {
    }

    public static PrometheusMeterRegistry registry(String application) {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().commonTags("application", application);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        return registry;
    }

    /** A Vert.x whose HTTP server, client and event-loop metrics go to {@code registry}. */
    public static Vertx vertx(PrometheusMeterRegistry registry) {
        VertxOptions options = new VertxOptions()
                .setMetricsOptions(new MicrometerMetricsOptions().setEnabled(true));
        return Vertx.builder().with(options).withMetrics(new MicrometerMetricsFactory(registry)).build();
    }
}
