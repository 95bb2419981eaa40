package io.switchboard.common.web;

import io.switchboard.common.auth.AuthHandler;
import io.switchboard.common.auth.Role;
import io.switchboard.common.config.HttpConfig;
import io.switchboard.common.observe.HealthCheck;
import io.switchboard.common.observe.Metrics;
import io.switchboard.common.protocol.MessageHandler;
import io.switchboard.common.protocol.ProtocolEndpoint;
import io.switchboard.common.protocol.ProtocolLimits;
import io.switchboard.common.protocol.SessionListener;
import io.switchboard.common.service.HttpHostVerticle;
import io.switchboard.common.service.SwitchboardService;
import io.switchboard.testsupport.Tokens;
import io.switchboard.testsupport.WsTestClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A real HTTP host on a free port serving one small service built from the shared pieces under test: a
 * protocol v1 endpoint at /v1/test with the given handlers, and an operator-only REST route.
 */
final class TestHost implements AutoCloseable {
    final Vertx vertx;
    final int port;
    final io.micrometer.prometheusmetrics.PrometheusMeterRegistry registry;

    TestHost(Map<String, MessageHandler> handlers, SessionListener listener, List<HealthCheck> stores, Duration openTimeout) {
        this(handlers, listener, stores, openTimeout, Duration.ofSeconds(30));
    }

    TestHost(Map<String, MessageHandler> handlers, SessionListener listener, List<HealthCheck> stores, Duration openTimeout,
             Duration slowClientTimeout) {
        this(handlers, listener, stores, new ProtocolLimits(4_096, 8_192, openTimeout, slowClientTimeout));
    }

    TestHost(Map<String, MessageHandler> handlers, SessionListener listener, List<HealthCheck> stores, ProtocolLimits limits) {
        registry = Metrics.registry("test");
        vertx = Metrics.vertx(registry);
        SwitchboardService service = new SwitchboardService() {
            @Override
            public String name() {
                return "test";
            }

            @Override
            public void mount(Router router) {
                AuthHandler any = AuthHandler.requiring(vertx, Tokens.verifier(), Role.CLIENT, Role.OPERATOR);
                router.route("/v1/test").handler(new ProtocolEndpoint(vertx, "test", any, limits, handlers, listener)
                        .meter(registry));
                router.get("/api/v1/secret").handler(AuthHandler.requiring(vertx, Tokens.verifier(), Role.OPERATOR))
                        .handler(ctx -> ctx.response().end("tenant=" + AuthHandler.principal(ctx).tenant()));
            }

            @Override
            public List<HealthCheck> healthChecks() {
                return stores;
            }
        };
        HttpHostVerticle host = new HttpHostVerticle(new HttpConfig("127.0.0.1", 0, 1_024), limits, List.of(service), List.of(), registry);
        WsTestClient.await(vertx.deployVerticle(host));
        port = host.actualPort();
    }

    TestHost(Map<String, MessageHandler> handlers) {
        this(handlers, SessionListener.NONE, List.of(HealthCheck.store("fake-store", Future::succeededFuture)), Duration.ofSeconds(10));
    }

    @Override
    public void close() {
        WsTestClient.await(vertx.close());
    }
}
