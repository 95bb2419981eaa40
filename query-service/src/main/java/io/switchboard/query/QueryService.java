package io.switchboard.query;

import io.switchboard.common.auth.AuthHandler;
import io.switchboard.common.auth.Principal;
import io.switchboard.common.auth.Role;
import io.switchboard.common.auth.TokenVerifier;
import io.switchboard.common.codec.Json;
import io.switchboard.common.observe.HealthCheck;
import io.switchboard.common.service.SwitchboardService;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The query service: operators' REST API over the history in Elasticsearch. So far it answers who the caller
 * is ({@code GET /api/v1/session}, which the dashboard uses to check a token); search, traces, stats and the
 * dependency graph come with the query issue.
 */
public final class QueryService implements SwitchboardService {
    private final Vertx vertx;
    private final HistoryStore history;
    private final TokenVerifier verifier;

    public QueryService(Vertx vertx, HistoryStore history, TokenVerifier verifier) {
        this.vertx = vertx;
        this.history = history;
        this.verifier = verifier;
    }

    @Override
    public String name() {
        return "query";
    }

    @Override
    public void mount(Router router) {
        router.get("/api/v1/session")
                .handler(AuthHandler.requiring(vertx, verifier, Role.CLIENT, Role.OPERATOR))
                .handler(ctx -> {
                    Principal p = AuthHandler.principal(ctx);
                    Map<String, Object> body = new LinkedHashMap<>();
                    body.put("tenant", p.tenant());
                    body.put("role", p.role().wireName());
                    body.put("subject", p.subject());
                    body.put("expiresAt", p.expiresAt().toString());
                    ctx.response().putHeader("Content-Type", "application/json; charset=utf-8").end(Json.write(body));
                });
    }

    @Override
    public List<HealthCheck> healthChecks() {
        return List.of(HealthCheck.store("elasticsearch", history::ping));
    }
}
