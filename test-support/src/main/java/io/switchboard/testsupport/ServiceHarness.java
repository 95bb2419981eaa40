package io.switchboard.testsupport;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.switchboard.common.codec.Json;
import io.switchboard.common.config.HttpConfig;
import io.switchboard.common.observe.Metrics;
import io.switchboard.common.protocol.ProtocolLimits;
import io.switchboard.common.service.HttpHostVerticle;
import io.switchboard.common.service.SwitchboardService;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.function.Function;

/**
 * Serves services on a free port of 127.0.0.1 exactly as a service's main does (same host verticle, health,
 * metrics), with a real HTTP client for REST calls. Build the services from the harness's Vert.x.
 */
public final class ServiceHarness implements AutoCloseable {
    public static final ProtocolLimits LIMITS = new ProtocolLimits(64 * 1024, 256 * 1024, Duration.ofSeconds(10), Duration.ofSeconds(30));

    private final Vertx vertx;
    private final PrometheusMeterRegistry registry;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private int port;
    private int managementPort = -1;

    public ServiceHarness() {
        registry = Metrics.registry("test");
        vertx = Metrics.vertx(registry);
    }

    public Vertx vertx() {
        return vertx;
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** Starts serving the services the factory builds; returns this harness. */
    public ServiceHarness serve(Function<Vertx, List<SwitchboardService>> factory) {
        return serve(0, factory);
    }

    /** Serves on a given port (0 for any), as a replica restarted at the same address. */
    public ServiceHarness serve(int port, Function<Vertx, List<SwitchboardService>> factory) {
        return serve(port, LIMITS, factory);
    }

    /** Serves with other WebSocket limits (frame sizes, timeouts) than {@link #LIMITS}. */
    public ServiceHarness serve(ProtocolLimits limits, Function<Vertx, List<SwitchboardService>> factory) {
        return serve(0, limits, factory);
    }

    private ServiceHarness serve(int port, ProtocolLimits limits, Function<Vertx, List<SwitchboardService>> factory) {
        serve(port, limits, factory, io.switchboard.common.service.WarmUp.Config.OFF);
        return this;
    }

    /**
     * Serves with a warm-up, as a service's main does: returns as soon as it listens (its /ready answering 503), with
     * the warm-up's end to wait on.
     */
    public io.vertx.core.Future<io.switchboard.common.service.WarmUp.Report> serveWarmingUp(
            io.switchboard.common.service.WarmUp.Config warmUp, Function<Vertx, List<SwitchboardService>> factory) {
        return serve(0, LIMITS, factory, warmUp).warmedUp();
    }

    /** Serves with a management port (any free one) as deployed replicas do: /metrics and the pre-stop hook there. */
    public ServiceHarness serveWithManagementPort(Function<Vertx, List<SwitchboardService>> factory) {
        serve(new HttpConfig("127.0.0.1", 0, 1024 * 1024, 0), LIMITS, factory, io.switchboard.common.service.WarmUp.Config.OFF);
        return this;
    }

    private HttpHostVerticle serve(int port, ProtocolLimits limits, Function<Vertx, List<SwitchboardService>> factory,
                                   io.switchboard.common.service.WarmUp.Config warmUp) {
        return serve(new HttpConfig("127.0.0.1", port, 1024 * 1024), limits, factory, warmUp);
    }

    private HttpHostVerticle serve(HttpConfig config, ProtocolLimits limits, Function<Vertx, List<SwitchboardService>> factory,
                                   io.switchboard.common.service.WarmUp.Config warmUp) {
        HttpHostVerticle host = new HttpHostVerticle(config, limits, factory.apply(vertx), List.of(), registry, warmUp);
        WsTestClient.await(vertx.deployVerticle(host));
        this.port = host.actualPort();
        this.managementPort = host.managementPort();
        return host;
    }

    /** The management port, or -1 when served without one. */
    public int managementPort() {
        return managementPort;
    }

    public int port() {
        return port;
    }

    public String url(String path) {
        return "http://127.0.0.1:" + port + path;
    }

    public HttpResponse<String> get(String path, String token) {
        return send("GET", path, token, null);
    }

    /** A request with a JSON body (or none, if {@code body} is null). */
    public HttpResponse<String> send(String method, String path, String token, String body) {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url(path))).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        try {
            return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(method + " " + path + " failed", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
    }

    /** The status of one component in GET /health. */
    public String componentStatus(String component) {
        return Json.parse(get("/health", null).body()).path("components").path(component).path("status").asText();
    }

    @Override
    public void close() {
        WsTestClient.await(io.switchboard.common.service.ServiceMain.shutdown(vertx));
    }
}
