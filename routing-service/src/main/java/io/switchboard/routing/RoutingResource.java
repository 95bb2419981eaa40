package io.switchboard.routing;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.common.auth.AuthHandler;
import io.switchboard.common.auth.Principal;
import io.switchboard.common.codec.Json;
import io.switchboard.common.model.EventValidator;
import io.switchboard.common.model.Limits;
import io.switchboard.common.model.ValidationException;
import io.switchboard.common.routing.Strategy;
import io.switchboard.common.service.HttpErrors;
import io.switchboard.routing.Reputation.Standing;
import io.switchboard.routing.ReputationStore.ServiceKey;
import io.switchboard.routing.StrategyStore.Scope;
import io.switchboard.routing.StrategyStore.Version;
import io.vertx.core.Future;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operators' routing API (docs/openapi.yaml), every call scoped to the caller's tenant:
 * <ul>
 *   <li>{@code GET /api/v1/routing}: every service's current strategies;</li>
 *   <li>{@code GET|PUT /api/v1/routing/{service}?environment=E}: the current strategy, or a new version of it;</li>
 *   <li>{@code GET .../history?environment=E}: every version, newest first;</li>
 *   <li>{@code POST .../rollback?environment=E&to=N}: version N again, as a new version;</li>
 *   <li>{@code GET .../nodes}: each node's standing and counts;</li>
 *   <li>{@code GET .../versions?environment=E&since=5m}: each version's health;</li>
 *   <li>{@code GET .../progressive?environment=E}: the running progressive rollout;
 *       {@code POST .../progressive/pause|resume|promote|abort?environment=E}: an operator's hand on it.</li>
 * </ul>
 */
final class RoutingResource {
    private static final Logger LOG = LoggerFactory.getLogger(RoutingResource.class);
    private static final int MAX_BODY = 16 * 1024;
    private static final int MAX_HISTORY = 1_000;

    private final RoutingDatabase database;
    private final RoutingConfig config;
    private final Clock clock;

    RoutingResource(RoutingDatabase database, RoutingConfig config, Clock clock) {
        this.database = database;
        this.config = config;
        this.clock = clock;
    }

    void mount(Router router) {
        String base = "/api/v1/routing";
        router.get(base).handler(this::list);
        router.get(base + "/:service").handler(this::current);
        router.put(base + "/:service").handler(this::put);
        router.get(base + "/:service/history").handler(this::history);
        router.post(base + "/:service/rollback").handler(this::rollback);
        router.get(base + "/:service/nodes").handler(this::nodes);
        router.get(base + "/:service/versions").handler(this::versions);
        router.get(base + "/:service/progressive").handler(this::progressive);
        router.post(base + "/:service/progressive/:action").handler(this::progressiveAction);
    }

    /**
     * The progressive rollout the current strategy is: its step, when the step is judged next, and the decision the
     * figures so far would get; 404 when the current strategy is not a progressive rollout.
     */
    private void progressive(RoutingContext ctx) {
        Scope scope = scope(ctx);
        if (scope == null) {
            return;
        }
        respond(ctx, database.blocking(c -> {
            var current = StrategyStore.current(c, scope).filter(v -> v.strategy().isProgressive());
            if (current.isEmpty()) {
                return null;
            }
            Version v = current.get();
            Instant now = clock.instant();
            ProgressiveJudge.Decision d = ProgressiveRollouts.judge(c, scope, v, now, config.maxCallsPerCaller());
            Strategy spec = v.strategy();
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("service", scope.service());
            body.put("environment", scope.environment());
            body.put("version", v.version());
            body.put("baseline", spec.baseline());
            body.put("candidate", spec.candidate());
            body.put("steps", spec.steps());
            body.put("step", spec.step() + 1);
            body.put("percent", spec.steps().get(spec.step()));
            body.put("paused", Boolean.TRUE.equals(spec.paused()));
            body.put("stepStartedAt", v.createdAt().toString());
            Instant due = v.createdAt().plus(spec.intervalDuration());
            body.put("nextJudgementAt", (due.isAfter(now) ? due : now).toString());
            Map<String, Object> decision = new LinkedHashMap<>();
            decision.put("move", d.move().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-'));
            decision.put("reason", d.reason());
            body.put("decisionNow", decision);
            body.put("figures", d.figures());
            body.put("strategy", spec);
            return body;
        }), () -> HttpErrors.send(ctx.response(), 404, "not_found", "service '" + scope.service() + "' has no progressive "
                + "rollout running in environment '" + scope.environment() + "' (see GET .../history for past ones)",
                "service"));
    }

    /** pause, resume, promote or abort the running rollout, as a new version noting who did it. */
    private void progressiveAction(RoutingContext ctx) {
        Scope scope = scope(ctx);
        if (scope == null) {
            return;
        }
        String action = ctx.pathParam("action");
        if (!List.of("pause", "resume", "promote", "abort").contains(action)) {
            HttpErrors.send(ctx.response(), 404, "not_found", "no action '" + (action.length() > 40 ? action.substring(0, 40)
                    + "..." : action) + "': pause, resume, promote or abort", "action");
            return;
        }
        String actor = actor(ctx);
        String[] conflict = new String[1];
        respond(ctx, database.blocking(c -> {
            var current = StrategyStore.current(c, scope).filter(v -> v.strategy().isProgressive());
            if (current.isEmpty()) {
                conflict[0] = "service '" + scope.service() + "' has no progressive rollout running in environment '"
                        + scope.environment() + "'";
                return null;
            }
            Version v = current.get();
            Strategy spec = v.strategy();
            boolean paused = Boolean.TRUE.equals(spec.paused());
            if (action.equals("pause") == paused && (action.equals("pause") || action.equals("resume"))) {
                conflict[0] = "the rollout is " + (paused ? "already paused" : "not paused");
                return null;
            }
            Strategy next = switch (action) {
                case "pause" -> spec.atStep(spec.step(), true);
                case "resume" -> spec.atStep(spec.step(), false);
                case "promote" -> new Strategy(Strategy.CANARY, Map.of(spec.candidate(), 100));
                default -> new Strategy(Strategy.CANARY, Map.of(spec.baseline(), 100));
            };
            String event = switch (action) {
                case "pause" -> "paused";
                case "resume" -> "resumed";
                case "promote" -> "promoted";
                default -> "aborted";
            };
            String message = event + " by " + actor + " at step " + (spec.step() + 1) + " of " + spec.steps().size()
                    + " (" + spec.steps().get(spec.step()) + " % to " + spec.candidate() + ")";
            return StrategyStore.put(c, scope, next, actor, null, ProgressiveRollouts.note(event, message, null),
                    v.version()).map(RoutingResource::version).orElseGet(() -> {
                        conflict[0] = "the strategy changed meanwhile; look again";
                        return null;
                    });
        }), () -> HttpErrors.send(ctx.response(), 409, "conflict", conflict[0], "action"));
    }

    /**
     * Each version's health over the recent past ({@code since}, default 5m, whole windows): calls, failures, error
     * rate, calls per second and latency percentiles, from outcomes that name the called node's version.
     */
    private void versions(RoutingContext ctx) {
        Scope scope = scope(ctx);
        if (scope == null) {
            return;
        }
        String sinceParam = ctx.request().getParam("since", "5m");
        Duration span = io.switchboard.common.config.ConfigSource.parseDuration(sinceParam);
        if (span == null || span.isZero() || span.isNegative() || span.compareTo(config.outcomeRetention()) > 0) {
            HttpErrors.send(ctx.response(), 400, "bad_parameter", "since must be a duration such as 30s, 5m or 1h, at "
                    + "most routing.outcome-retention (" + config.outcomeRetention().toHours() + "h), got '"
                    + (sinceParam.length() > 40 ? sinceParam.substring(0, 40) + "..." : sinceParam) + "'", "since");
            return;
        }
        respond(ctx, database.blocking(c -> {
            Instant now = clock.instant();
            long window = config.window().toMillis();
            // Whole windows: from the start of the one that holds now - since.
            long from = now.toEpochMilli() - span.toMillis();
            Instant since = Instant.ofEpochMilli(from - Math.floorMod(from, window));
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("service", scope.service());
            body.put("environment", scope.environment());
            body.put("from", since.toString());
            body.put("to", now.toString());
            body.put("windowSeconds", config.window().toSeconds());
            body.put("versions", VersionStats.read(c, scope.tenant(), scope.service(), scope.environment(), since, now,
                    config.maxCallsPerCaller())
                    .stream().map(VersionStats.Health::toJson).toList());
            return body;
        }));
    }

    private void list(RoutingContext ctx) {
        String tenant = AuthHandler.principal(ctx).tenant();
        respond(ctx, database.blocking(c -> {
            List<Map<String, Object>> services = new ArrayList<>();
            StrategyStore.allCurrent(c, tenant).forEach((service, envs) -> {
                Map<String, Object> s = new LinkedHashMap<>();
                s.put("service", service);
                s.put("strategies", envs);
                services.add(s);
            });
            return Map.of("services", services);
        }));
    }

    private void current(RoutingContext ctx) {
        Scope scope = scope(ctx);
        if (scope != null) {
            respond(ctx, database.blocking(c -> StrategyStore.current(c, scope).map(RoutingResource::version)
                    .orElseGet(() -> defaultVersion(scope))));
        }
    }

    private void put(RoutingContext ctx) {
        Scope scope = scope(ctx);
        if (scope == null) {
            return;
        }
        if (ctx.body().length() > MAX_BODY) {
            HttpErrors.send(ctx.response(), 413, "too_large", "a strategy is at most " + MAX_BODY + " bytes, this body is "
                    + ctx.body().length(), "body");
            return;
        }
        Strategy strategy;
        try {
            JsonNode body = Json.parse(ctx.body().asString());
            strategy = Strategy.parse(body);
        } catch (ValidationException e) {
            var first = e.violations().getFirst();
            HttpErrors.send(ctx.response(), 400, "invalid_strategy", e.getMessage(), first.field());
            return;
        } catch (RuntimeException e) {
            HttpErrors.send(ctx.response(), 400, "invalid_json", "the body must be a JSON strategy such as "
                    + "{\"strategy\": \"round-robin\"}: " + e.getMessage(), "body");
            return;
        }
        String actor = actor(ctx);
        respond(ctx, database.blocking(c -> version(StrategyStore.put(c, scope, strategy, actor, null))));
    }

    private void history(RoutingContext ctx) {
        Scope scope = scope(ctx);
        if (scope != null) {
            respond(ctx, database.blocking(c -> Map.of("service", scope.service(), "environment", scope.environment(),
                    "versions", StrategyStore.history(c, scope, MAX_HISTORY).stream().map(RoutingResource::version).toList())));
        }
    }

    private void rollback(RoutingContext ctx) {
        Scope scope = scope(ctx);
        if (scope == null) {
            return;
        }
        String to = ctx.request().getParam("to");
        int target;
        try {
            target = Integer.parseInt(to == null ? "" : to);
            if (target < 1) {
                throw new NumberFormatException();
            }
        } catch (NumberFormatException e) {
            HttpErrors.send(ctx.response(), 400, "bad_parameter", "to must be the version to make current again, a "
                    + "whole number from 1 (see GET .../history)", "to");
            return;
        }
        String actor = actor(ctx);
        respond(ctx, database.blocking(c -> StrategyStore.version(c, scope, target)
                .map(v -> version(uncheckedPut(c, scope, v.strategy(), actor, target)))
                .orElse(null)), () -> HttpErrors.send(ctx.response(), 404, "not_found", "service '" + scope.service()
                + "' has no version " + target + " in environment '" + scope.environment() + "'", "to"));
    }

    private static Version uncheckedPut(java.sql.Connection c, Scope scope, Strategy strategy, String actor, int of) {
        try {
            return StrategyStore.put(c, scope, strategy, actor, of);
        } catch (SQLException e) {
            throw new DatabaseFailure(e);
        }
    }

    private void nodes(RoutingContext ctx) {
        String tenant = AuthHandler.principal(ctx).tenant();
        String service = name(ctx, "service", ctx.pathParam("service"));
        if (service == null) {
            return;
        }
        respond(ctx, database.blocking(c -> {
            Instant now = clock.instant();
            ServiceKey key = new ServiceKey(tenant, service);
            var evidence = ReputationStore.evidence(c, now.minus(config.lookback()), tenant, service,
                    config.maxCallsPerCaller()).getOrDefault(key, List.of());
            var recorded = ReputationStore.ejections(c, tenant, service).getOrDefault(key, List.of());
            // The evaluator records ejections; this view only reports them (a new one shows as degraded until then).
            Map<String, Reputation.Ejection> fleet = new LinkedHashMap<>();
            Map<String, List<String>> ejectedFor = new LinkedHashMap<>();
            for (Reputation.Ejection e : recorded) {
                if (e.caller().isEmpty()) {
                    fleet.put(e.node(), e);
                } else if (e.activeAt(now)) {
                    ejectedFor.computeIfAbsent(e.node(), k -> new ArrayList<>()).add(e.caller());
                }
            }
            List<Map<String, Object>> nodes = new ArrayList<>();
            for (Standing s : Reputation.judgeService(evidence, recorded, now, config).standings()) {
                boolean ejected = fleet.containsKey(s.node()) && fleet.get(s.node()).activeAt(now);
                Map<String, Object> n = new LinkedHashMap<>();
                n.put("node", s.node());
                n.put("standing", ejected ? "ejected" : s.ejected() ? "degraded" : s.state());
                n.put("calls", s.seenCalls());
                n.put("failures", s.seenFailures());
                // Over the outcomes the node is judged on: those since its last ejection began.
                n.put("errorRate", Math.round(s.errorRate() * 10_000) / 10_000.0);
                n.put("averageLatencyMicros", s.averageLatencyMicros());
                n.put("weight", s.weight());
                n.put("ejectedUntil", ejected ? fleet.get(s.node()).until().toString() : null);
                // Callers that avoid it on their own evidence alone (not corroborated for every client).
                n.put("ejectedFor", ejectedFor.getOrDefault(s.node(), List.of()).stream().sorted().toList());
                n.put("ejections", s.ejections());
                nodes.add(n);
            }
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("service", service);
            body.put("lookbackSeconds", config.lookback().toSeconds());
            body.put("nodes", nodes);
            return body;
        }));
    }

    private Scope scope(RoutingContext ctx) {
        String tenant = AuthHandler.principal(ctx).tenant();
        String service = name(ctx, "service", ctx.pathParam("service"));
        if (service == null) {
            return null;
        }
        String environment = ctx.request().getParam("environment");
        if (environment == null || environment.isEmpty()) {
            HttpErrors.send(ctx.response(), 400, "bad_parameter", "environment is required: the environment the "
                    + "strategy applies to, such as ?environment=prod", "environment");
            return null;
        }
        return name(ctx, "environment", environment) == null ? null : new Scope(tenant, service, environment);
    }

    /** A service or environment name, or null after answering 400 naming the parameter. */
    private static String name(RoutingContext ctx, String field, String value) {
        int max = Limits.DEFAULT.maxNameLength();
        if (value == null || value.length() > max || !EventValidator.isName(value)) {
            String shown = value == null ? "" : value.length() > 40 ? value.substring(0, 40) + "..." : value;
            HttpErrors.send(ctx.response(), 400, "bad_parameter", field + " must be 1 to " + max + " letters, digits "
                    + "and . _ - starting with a letter or digit, got '" + shown + "'", field);
            return null;
        }
        return value;
    }

    private static String actor(RoutingContext ctx) {
        Principal p = AuthHandler.principal(ctx);
        return p.subject() == null ? p.tenant() : p.subject();
    }

    private static Map<String, Object> version(Version v) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("service", v.service());
        out.put("environment", v.environment());
        out.put("version", v.version());
        out.put("strategy", v.strategy());
        out.put("changedBy", v.actor());
        out.put("changedAt", v.createdAt() == null ? null : v.createdAt().toString());
        if (v.rollbackOf() != null) {
            out.put("rollbackOf", v.rollbackOf());
        }
        if (v.note() != null) {
            out.put("note", v.note());
        }
        return out;
    }

    private static Map<String, Object> defaultVersion(Scope scope) {
        Map<String, Object> out = version(new Version(scope.service(), scope.environment(), 0, Strategy.DEFAULT,
                null, null, null));
        out.put("default", true);
        return out;
    }

    private static void respond(RoutingContext ctx, Future<?> work) {
        respond(ctx, work, null);
    }

    /** Answers with the result as JSON; a null result calls {@code whenNull}; a database failure is a 503. */
    private static void respond(RoutingContext ctx, Future<?> work, Runnable whenNull) {
        work.onComplete(ar -> {
            if (ar.succeeded() && (ar.result() != null || whenNull == null)) {
                ctx.response().putHeader("Content-Type", "application/json; charset=utf-8").end(Json.write(ar.result()));
            } else if (ar.succeeded()) {
                whenNull.run();
            } else if (unavailable(ar.cause())) {
                HttpErrors.unavailable(ctx, "the routing database is unreachable; try again shortly");
            } else {
                LOG.error("routing request {} {} failed", ctx.request().method(), ctx.request().path(), ar.cause());
                HttpErrors.send(ctx, 500, "internal", "the request failed on the server; see its log");
            }
        });
    }

    private static boolean unavailable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            // Connection failures (08...), a statement cancelled by its timeout (57014), and calls refused while the
            // database does not keep up: all mean "try again shortly", not a server bug.
            if (t instanceof SQLTransientConnectionException || t instanceof java.sql.SQLTimeoutException
                    || t instanceof SQLException s && s.getSQLState() != null
                    && (s.getSQLState().startsWith("08") || s.getSQLState().equals("57014"))) {
                return true;
            }
        }
        return false;
    }

    /** A database failure inside a lambda that cannot throw checked exceptions. */
    private static final class DatabaseFailure extends RuntimeException {
        DatabaseFailure(SQLException cause) {
            super(cause.getMessage(), cause);
        }
    }
}
