package io.switchboard.tracing;

import com.hazelcast.core.HazelcastInstance;
import io.switchboard.common.auth.AuthHandler;
import io.switchboard.common.auth.Role;
import io.switchboard.common.auth.TokenVerifier;
import io.switchboard.common.hazelcast.HazelcastConnector;
import io.switchboard.common.observe.HealthCheck;
import io.switchboard.common.protocol.ProtocolEndpoint;
import io.switchboard.common.protocol.ProtocolLimits;
import io.switchboard.common.protocol.SessionListener;
import io.switchboard.common.service.SwitchboardService;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import java.util.List;
import java.util.Map;

/**
 * The tracing service: the WebSocket endpoint {@value #PATH} speaking protocol v1 on the Hazelcast cluster.
 * The handshake, auth and frame checks are in place; its message types come with the tracing issue.
 */
public final class TracingService implements SwitchboardService {
    public static final String PATH = "/v1/tracing";

    private final Vertx vertx;
    private final ProtocolLimits limits;
    private final HazelcastInstance hazelcast;
    private final TokenVerifier verifier;

    public TracingService(Vertx vertx, ProtocolLimits limits, HazelcastInstance hazelcast, TokenVerifier verifier) {
        this.vertx = vertx;
        this.limits = limits;
        this.hazelcast = hazelcast;
        this.verifier = verifier;
    }

    @Override
    public String name() {
        return "tracing";
    }

    @Override
    public void mount(Router router) {
        AuthHandler auth = AuthHandler.requiring(vertx, verifier, Role.CLIENT, Role.OPERATOR);
        router.route(PATH).handler(new ProtocolEndpoint(vertx, name(), auth, limits, Map.of(), SessionListener.NONE));
    }

    @Override
    public List<HealthCheck> healthChecks() {
        return List.of(HazelcastConnector.healthCheck(hazelcast));
    }
}
