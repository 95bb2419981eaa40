package io.switchboard.common.observe;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.switchboard.common.codec.Json;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * GET /health (liveness: 200 while the process can answer, with every component's state), GET /ready (200 only
 * when every component is up, else 503) and GET /metrics (Prometheus text format). No token is needed: probes and
 * scrapers have none. /health and /ready hold no tenant data; /metrics names tenants in its labels, so services
 * serve it on their management port (http.management-port), which no ingress routes to.
 */
public final class HealthEndpoints {
    private static final long PROBE_TIMEOUT_MS = 3_000;

    private final Vertx vertx;
    private final List<HealthCheck> checks;
    private final PrometheusMeterRegistry registry;

    public HealthEndpoints(Vertx vertx, List<HealthCheck> checks, PrometheusMeterRegistry registry) {
        this.vertx = vertx;
        this.checks = List.copyOf(checks);
        this.registry = registry;
    }

    public void mount(Router router) {
        mount(router, true);
    }

    /** Mounts /health and /ready, and /metrics if {@code withMetrics}. */
    public void mount(Router router, boolean withMetrics) {
        router.get("/health").handler(ctx -> report(ctx, false));
        router.get("/ready").handler(ctx -> report(ctx, true));
        if (withMetrics) {
            router.get("/metrics").handler(this::metrics);
        }
    }

    private void metrics(RoutingContext ctx) {
        vertx.executeBlocking(registry::scrape, false).onComplete(ar -> {
            if (ar.succeeded()) {
                ctx.response().putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8").end(ar.result());
            } else {
                ctx.fail(ar.cause());
            }
        });
    }

    private void report(RoutingContext ctx, boolean readiness) {
        probeAll().onSuccess(components -> {
            boolean allUp = components.values().stream().allMatch(c -> "up".equals(c.get("status")));
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("status", allUp ? "up" : readiness ? "down" : "degraded");
            body.put("components", components);
            ctx.response()
                    .setStatusCode(readiness && !allUp ? 503 : 200)
                    .putHeader("Content-Type", "application/json; charset=utf-8")
                    .putHeader("Cache-Control", "no-store")
                    .end(Json.write(body));
        });
    }

    /** Runs every probe with a timeout; never fails, a failed probe is reported as down with its reason. */
    public Future<Map<String, Map<String, Object>>> probeAll() {
        List<Future<Map<String, Object>>> results = new ArrayList<>();
        for (HealthCheck check : checks) {
            long start = System.nanoTime();
            Future<Map<String, Object>> one = safeProbe(check)
                    .timeout(PROBE_TIMEOUT_MS, java.util.concurrent.TimeUnit.MILLISECONDS)
                    .transform(ar -> {
                        Map<String, Object> c = new LinkedHashMap<>();
                        c.put("kind", check.kind().name().toLowerCase(Locale.ROOT));
                        c.put("status", ar.succeeded() ? "up" : "down");
                        c.put("latencyMs", (System.nanoTime() - start) / 1_000_000);
                        if (ar.failed()) {
                            c.put("error", String.valueOf(ar.cause().getMessage()));
                        } else if (ar.result() instanceof Map<?, ?> details) {
                            details.forEach((k, v) -> c.putIfAbsent(String.valueOf(k), v));
                        }
                        return Future.succeededFuture(c);
                    });
            results.add(one);
        }
        return Future.all(results).map(all -> {
            Map<String, Map<String, Object>> out = new LinkedHashMap<>();
            for (int i = 0; i < checks.size(); i++) {
                out.put(checks.get(i).name(), results.get(i).result());
            }
            return out;
        });
    }

    private static Future<?> safeProbe(HealthCheck check) {
        try {
            return check.probe().get();
        } catch (RuntimeException e) {
            return Future.failedFuture(e);
        }
    }
}
