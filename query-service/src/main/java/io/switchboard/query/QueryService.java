package io.switchboard.query;

import com.hazelcast.core.HazelcastInstance;
import io.micrometer.core.instrument.MeterRegistry;
import io.switchboard.common.auth.AuthHandler;
import io.switchboard.common.auth.Principal;
import io.switchboard.common.auth.Role;
import io.switchboard.common.auth.TokenVerifier;
import io.switchboard.common.codec.Json;
import io.switchboard.common.observe.HealthCheck;
import io.switchboard.common.service.HttpErrors;
import io.switchboard.common.service.SwitchboardService;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.StaticHandler;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The query service: indexes the trace buffer into Elasticsearch ({@link HistoryIndexer}), keeps the history
 * within its retention, and answers operators. So far it answers who the caller is ({@code GET /api/v1/session},
 * which the dashboard uses to check a token); search, traces, stats and the dependency graph come with the query
 * issue.
 */
public final class QueryService implements SwitchboardService {
    private static final Logger LOG = LoggerFactory.getLogger(QueryService.class);

    private final Vertx vertx;
    private final HistoryStore history;
    private final TokenVerifier verifier;
    private final HistoryConfig config;
    private final HistoryIndexer indexer;
    private final HazelcastInstance hazelcast;
    private final RefusedItems refused;
    private long prepareTimer = -1;
    private long retentionTimer = -1;
    private volatile boolean stopped;

    /**
     * @param hazelcast the cluster holding the trace buffer, or null for a replica that only answers queries
     */
    public QueryService(Vertx vertx, HistoryStore history, HazelcastInstance hazelcast, HistoryConfig config,
                        TokenVerifier verifier, MeterRegistry meters) {
        this.vertx = vertx;
        this.history = history;
        this.verifier = verifier;
        this.config = config;
        this.hazelcast = hazelcast;
        this.refused = hazelcast == null ? null : new RefusedItems(hazelcast);
        this.indexer = hazelcast != null && config.indexerEnabled()
                ? new HistoryIndexer(vertx, history, hazelcast, config, meters, refused) : null;
    }

    /**
     * Installs the index template (retrying while Elasticsearch is unreachable: the service still starts and
     * reports not ready), then starts the indexer and the daily retention.
     */
    @Override
    public Future<Void> start() {
        prepare(1_000);
        return Future.succeededFuture();
    }

    private void prepare(long retryMillis) {
        if (stopped) {
            return;
        }
        history.installTemplate(config.replicas()).onComplete(ar -> {
            if (ar.failed()) {
                LOG.warn("the history index template could not be installed, retrying in {} ms: {}", retryMillis,
                        ar.cause().getMessage());
                prepareTimer = vertx.setTimer(retryMillis, t -> prepare(Math.min(retryMillis * 2, 30_000)));
                return;
            }
            if (indexer != null) {
                indexer.start();
            }
            applyRetention();
            retentionTimer = vertx.setPeriodic(3_600_000, t -> applyRetention());
        });
    }

    /** Deletes whole daily indices older than the retention (never documents one by one). */
    public Future<java.util.List<String>> applyRetention() {
        java.time.LocalDate cutoff = java.time.LocalDate.now(java.time.ZoneOffset.UTC).minusDays(config.retention().toDays());
        return history.deleteIndicesBefore(cutoff)
                .onSuccess(deleted -> {
                    if (!deleted.isEmpty()) {
                        LOG.info("retention deleted history indices {}", deleted);
                    }
                })
                .onFailure(e -> LOG.warn("retention could not run: {}", e.getMessage()));
    }

    @Override
    public Future<Void> stop() {
        stopped = true;
        vertx.cancelTimer(prepareTimer);
        vertx.cancelTimer(retentionTimer);
        // The leases are given back before Vert.x closes, so that another replica takes the rings over at once.
        return indexer == null ? Future.succeededFuture()
                : indexer.stop().timeout(5, java.util.concurrent.TimeUnit.SECONDS).otherwiseEmpty();
    }

    /** The indexer's document building, when this replica indexes. */
    @Override
    public io.switchboard.common.service.WarmUp.Warmer warmer(io.switchboard.common.service.WarmUp.Context context) {
        return indexer == null ? null : new QueryWarmer(context);
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
        mountHistory(router);
        mountDashboard(router);
    }

    /**
     * The operators' dashboard: a static page at {@code /} with its assets under {@code /dashboard/}. It holds no
     * data; everything it shows comes through the REST API and WebSockets with the operator's token.
     */
    private void mountDashboard(Router router) {
        router.get("/").handler(ctx -> ctx.response()
                .putHeader("Content-Type", "text/html; charset=utf-8")
                .putHeader("Cache-Control", "no-cache")
                .sendFile("dashboard/index.html"));
        router.get("/dashboard/*").handler(StaticHandler.create("dashboard").setCachingEnabled(false)
                .setDefaultContentEncoding("UTF-8"));
    }

    private void mountHistory(Router router) {
        LogsResource logs = new LogsResource(vertx, history, config.maxPageBytes());
        router.get("/api/v1/logs").handler(AuthHandler.requiring(vertx, verifier, Role.OPERATOR)).handler(logs::handle);
        StatsResource stats = new StatsResource(vertx, history);
        router.get("/api/v1/stats").handler(AuthHandler.requiring(vertx, verifier, Role.OPERATOR)).handler(stats::handle);
        DependenciesResource dependencies = new DependenciesResource(vertx, history);
        router.get("/api/v1/dependencies").handler(AuthHandler.requiring(vertx, verifier, Role.OPERATOR)).handler(dependencies::handle);
        TraceSearchResource traceSearch = new TraceSearchResource(vertx, history);
        router.get("/api/v1/traces").handler(AuthHandler.requiring(vertx, verifier, Role.OPERATOR)).handler(traceSearch::handle);
        TraceResource traces = new TraceResource(vertx, history, config.maxTraceBytes());
        router.get("/api/v1/traces/:traceId").handler(AuthHandler.requiring(vertx, verifier, Role.OPERATOR)).handler(traces::handle);
        router.get("/api/v1/refused").handler(AuthHandler.requiring(vertx, verifier, Role.OPERATOR)).handler(ctx -> {
            if (refused == null) {
                HttpErrors.send(ctx, 404, "not_found", "this replica is not connected to the trace buffer's cluster");
            } else {
                refused.handle(vertx, ctx);
            }
        });
        router.get("/api/v1/losses").handler(AuthHandler.requiring(vertx, verifier, Role.OPERATOR)).handler(this::losses);
    }

    /**
     * {@code GET /api/v1/losses}: what the caller's tenant lost from the trace buffer before it was indexed (only past
     * a documented bound: a reader gone longer than {@code tracing.reader-grace}), in slots, and when last.
     */
    private void losses(io.vertx.ext.web.RoutingContext ctx) {
        if (hazelcast == null) {
            HttpErrors.send(ctx, 404, "not_found", "this replica is not connected to the trace buffer's cluster");
            return;
        }
        String tenant = AuthHandler.principal(ctx).tenant();
        vertx.executeBlocking(() -> new io.switchboard.common.buffer.BufferLosses(hazelcast).of(tenant), false)
                .onComplete(ar -> {
                    if (ar.failed()) {
                        HttpErrors.unavailable(ctx, "the cluster holding the loss counts is unreachable: "
                                + ar.cause().getMessage());
                        return;
                    }
                    java.util.Map<String, Object> body = new java.util.LinkedHashMap<>();
                    body.put("tenant", tenant);
                    body.put("lostSlots", ar.result().slots());
                    body.put("lastLostAt", ar.result().lastAt() == null ? null : ar.result().lastAt().toString());
                    ctx.response().putHeader("Content-Type", "application/json; charset=utf-8")
                            .end(io.switchboard.common.codec.Json.write(body));
                });
    }

    @Override
    public List<HealthCheck> healthChecks() {
        HealthCheck elasticsearch = HealthCheck.store("elasticsearch", history::ping);
        return hazelcast == null ? List.of(elasticsearch)
                : List.of(elasticsearch, io.switchboard.common.hazelcast.HazelcastConnector.healthCheck(vertx, hazelcast));
    }
}
