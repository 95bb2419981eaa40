package io.switchboard.common.service;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.switchboard.common.config.HttpConfig;
import io.switchboard.common.observe.HealthCheck;
import io.switchboard.common.observe.HealthEndpoints;
import io.switchboard.common.protocol.ProtocolLimits;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one or more {@link SwitchboardService}s on one HTTP port with /health, /ready and /metrics: a single
 * service in its own process, or all four in standalone mode.
 */
public final class HttpHostVerticle extends VerticleBase {
    private static final Logger LOG = LoggerFactory.getLogger(HttpHostVerticle.class);
    /** The management port's pre-stop hook (deploy/system.yaml's preStop of the members). */
    public static final String PRE_STOP_PATH = "/pre-stop";

    private final HttpConfig http;
    private final ProtocolLimits wsLimits;
    private final List<SwitchboardService> services;
    private final List<HealthCheck> extraChecks;
    private final PrometheusMeterRegistry registry;
    private final WarmUp warmUp;
    private HttpServer server;
    private HttpServer management;

    /** With no warm-up: ready as soon as it listens and its stores answer. */
    public HttpHostVerticle(HttpConfig http, ProtocolLimits wsLimits, List<SwitchboardService> services,
                            List<HealthCheck> extraChecks, PrometheusMeterRegistry registry) {
        this(http, wsLimits, services, extraChecks, registry, WarmUp.Config.OFF);
    }

    /**
     * @param extraChecks stores the host itself owns (standalone's embedded stores), listed before the services'
     * @param warmUpConfig the warm-up run once it listens, during which /ready answers 503
     */
    public HttpHostVerticle(HttpConfig http, ProtocolLimits wsLimits, List<SwitchboardService> services,
                            List<HealthCheck> extraChecks, PrometheusMeterRegistry registry, WarmUp.Config warmUpConfig) {
        this.http = http;
        this.wsLimits = wsLimits;
        this.services = List.copyOf(services);
        this.extraChecks = List.copyOf(extraChecks);
        this.registry = registry;
        this.warmUp = new WarmUp(warmUpConfig);
    }

    @Override
    public Future<?> start() {
        Router router = Router.router(vertx);
        router.route("/api/*").handler(BodyHandler.create(false).setBodyLimit(http.maxBodyBytes()));
        List<HealthCheck> checks = new ArrayList<>(extraChecks);
        if (warmUp.config().enabled()) {
            checks.add(warmUp.healthCheck());
        }
        for (SwitchboardService s : services) {
            checks.add(HealthCheck.service(s.name()));
            for (HealthCheck c : s.healthChecks()) {
                if (checks.stream().noneMatch(existing -> existing.name().equals(c.name()))) {
                    checks.add(c);
                }
            }
        }
        HealthEndpoints health = new HealthEndpoints(vertx, checks, registry);
        // /metrics names tenants: with a management port it is served there only, off the public path.
        health.mount(router, http.managementPort() == null);
        services.forEach(s -> s.mount(router));
        router.route().last().handler(ctx -> HttpErrors.send(ctx, 404, "not_found",
                "no such endpoint: " + ctx.request().method() + " " + ctx.request().path()));
        router.route().failureHandler(ctx -> {
            int status = ctx.statusCode() > 0 ? ctx.statusCode() : 500;
            if (status >= 500) {
                LOG.error("{} {} failed", ctx.request().method(), ctx.request().path(), ctx.failure());
            }
            HttpErrors.send(ctx, status, status == 413 ? "body_too_large" : status >= 500 ? "internal" : "bad_request",
                    status == 413 ? "the request body is over " + http.maxBodyBytes() + " bytes"
                            : status >= 500 ? "the server failed; it has been logged" : "the request was refused");
        });
        HttpServerOptions options = new HttpServerOptions()
                .setHost(http.host())
                .setPort(http.port())
                // A frame announcing more than the hard limit is refused from its header (1009), and a message no
                // longer than it may arrive in fragments: what partly received messages hold is bounded by
                // PartialFrames, per connection, tenant and process.
                .setMaxWebSocketFrameSize(wsLimits.hardFrameBytes())
                .setMaxWebSocketMessageSize(wsLimits.hardFrameBytes())
                // No permessage-deflate: the frame limits apply to compressed bytes, and what a frame inflates to
                // would be in memory before any limit saw it. Protocol frames are small JSON; HTTP responses are
                // still compressed (below).
                .setPerMessageWebSocketCompressionSupported(false)
                .setPerFrameWebSocketCompressionSupported(false)
                .setCompressionSupported(true);
        Future<?> managed = Future.succeededFuture();
        if (http.managementPort() != null) {
            Router internal = Router.router(vertx);
            health.mount(internal, true);
            internal.get(PRE_STOP_PATH).handler(this::preStop);
            managed = vertx.createHttpServer(new HttpServerOptions().setHost(http.host()).setPort(http.managementPort()))
                    .requestHandler(internal).listen().onSuccess(s -> management = s);
        }
        return managed.compose(m -> Future.all(services.stream().map(SwitchboardService::start).toList()))
                .compose(v -> vertx.createHttpServer(options).requestHandler(router).listen())
                .onSuccess(s -> {
                    server = s;
                    // Not awaited: the replica listens (and answers /ready 503) while it warms up.
                    String self = "0.0.0.0".equals(http.host()) || "::".equals(http.host()) ? "127.0.0.1" : http.host();
                    warmUp.run(vertx, self, s.actualPort(), services, registry);
                });
    }

    /**
     * The pre-stop hook (management port only: it may hold a request for a minute): answers once every service may
     * stop without losing data, 200 with what each found, or 503 when one gave up waiting (Kubernetes then logs
     * the hook as failed and stops the replica anyway).
     */
    private void preStop(io.vertx.ext.web.RoutingContext ctx) {
        long start = System.nanoTime();
        Map<String, Object> found = new java.util.LinkedHashMap<>();
        Future.all(services.stream().map(s -> s.preStop().onSuccess(r -> {
            synchronized (found) {
                found.put(s.name(), r);
            }
        })).toList()).onComplete(ar -> {
            boolean safe = ar.succeeded() && found.values().stream()
                    .noneMatch(r -> r instanceof Map<?, ?> m && Boolean.FALSE.equals(m.get("safe")));
            JsonObject body = new JsonObject().put("safeToStop", safe)
                    .put("waitedMs", TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).put("services", found);
            if (ar.failed()) {
                body.put("error", String.valueOf(ar.cause().getMessage()));
            }
            LOG.info("pre-stop: {}", body.encode());
            ctx.response().setStatusCode(safe ? 200 : 503).putHeader("content-type", "application/json").end(body.encode());
        });
    }

    /** Completes when the warm-up has ended and /ready may answer 200 (at once when there is no warm-up). */
    public Future<WarmUp.Report> warmedUp() {
        return warmUp.done();
    }

    /** The port actually bound (useful when the configured port is 0). */
    public int actualPort() {
        return server.actualPort();
    }

    /** The management port actually bound, or -1 when /metrics is on the public port. */
    public int managementPort() {
        return management == null ? -1 : management.actualPort();
    }

    @Override
    public Future<?> stop() {
        // Services first, so that they can tell their WebSocket clients to go elsewhere (1001) before the port closes.
        Future<?> stopped = Future.join(services.stream().map(SwitchboardService::stop).toList());
        // A graceful shutdown: no new connections, and requests in flight (a proxy may have sent one just before it
        // stopped sending this replica any) are answered before their connections close.
        return stopped.transform(ar -> server == null ? Future.succeededFuture() : server.shutdown(5, TimeUnit.SECONDS))
                .transform(ar -> management == null ? Future.succeededFuture() : management.close());
    }
}
