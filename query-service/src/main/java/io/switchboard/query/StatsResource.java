package io.switchboard.query;

import static io.switchboard.query.HistoryResponses.term;

import co.elastic.clients.elasticsearch._types.aggregations.Aggregation;
import co.elastic.clients.elasticsearch._types.aggregations.Aggregate;
import co.elastic.clients.elasticsearch._types.aggregations.DateHistogramBucket;
import co.elastic.clients.elasticsearch._types.aggregations.Percentiles;
import co.elastic.clients.elasticsearch._types.aggregations.StringTermsBucket;
import co.elastic.clients.elasticsearch._types.query_dsl.Query;
import co.elastic.clients.elasticsearch.core.SearchRequest;
import io.switchboard.common.auth.AuthHandler;
import io.switchboard.common.codec.Json;
import io.switchboard.common.config.ConfigSource;
import io.switchboard.common.service.HttpErrors;
import io.switchboard.query.internal.EventDocuments;
import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.ext.web.RoutingContext;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /api/v1/stats}: for every service (or one), the three figures that say whether it is healthy, from its
 * server spans (requests it served): request count, error rate and latency p50, p95 and p99, per time bucket and
 * per operation over the window. Latency percentiles are Elasticsearch's (t-digest, exact for small samples and
 * within a few per cent above that).
 */
final class StatsResource {
    private static final int MAX_SERVICES = 200;
    private static final int MAX_OPERATIONS = 100;
    private static final int MAX_BUCKETS = 500;

    private final Vertx vertx;
    private final HistoryStore store;

    StatsResource(Vertx vertx, HistoryStore store) {
        this.vertx = vertx;
        this.store = store;
    }

    void handle(RoutingContext ctx) {
        String tenant = AuthHandler.principal(ctx).tenant();
        MultiMap params = ctx.request().params();
        SearchParams window;
        Duration interval;
        try {
            MultiMap timeOnly = MultiMap.caseInsensitiveMultiMap().addAll(params);
            String service = timeOnly.get("service");
            String operation = timeOnly.get("operation");
            String bucket = timeOnly.get("interval");
            timeOnly.remove("service").remove("operation").remove("interval");
            window = SearchParams.window(timeOnly, System.currentTimeMillis());
            interval = interval(bucket, window);
            handle(ctx, tenant, window, interval, checkName("service", service), checkName("operation", operation));
        } catch (SearchParams.BadParameter e) {
            HttpErrors.send(ctx.response(), 400, "bad_parameter", e.getMessage(), e.parameter());
        }
    }

    private void handle(RoutingContext ctx, String tenant, SearchParams window, Duration interval, String service, String operation) {
        List<Query> filters = new ArrayList<>(List.of(term("tenant", tenant), term("kind", "span"),
                term("spanKind", "server"), window.timeFilter()));
        if (service != null) {
            filters.add(term("service", service));
        }
        if (operation != null) {
            filters.add(term("operation", operation));
        }
        Map<String, Aggregation> figures = figures();
        SearchRequest request = SearchRequest.of(s -> s.index(window.indices()).ignoreUnavailable(true)
                .allowNoIndices(true).size(0)
                .query(q -> q.bool(b -> b.filter(filters)))
                .aggregations("services", a -> a.terms(t -> t.field("service").size(MAX_SERVICES))
                        .aggregations(figures)
                        .aggregations("buckets", h -> h.dateHistogram(d -> d.field("@timestamp")
                                .fixedInterval(f -> f.time(interval.toMillis() + "ms"))).aggregations(figures))
                        .aggregations("operations", o -> o.terms(t -> t.field("operation").size(MAX_OPERATIONS))
                                .aggregations(figures))));
        Future.fromCompletionStage(store.client().search(request, Void.class), vertx.getOrCreateContext()).onComplete(ar -> {
            if (ar.failed()) {
                HistoryResponses.failed(ctx, ar.cause());
                return;
            }
            List<Map<String, Object>> services = new ArrayList<>();
            for (StringTermsBucket s : ar.result().aggregations().get("services").sterms().buckets().array()) {
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("service", s.key().stringValue());
                entry.putAll(summary(s.docCount(), s.aggregations()));
                List<Map<String, Object>> operations = new ArrayList<>();
                for (StringTermsBucket op : s.aggregations().get("operations").sterms().buckets().array()) {
                    Map<String, Object> o = new LinkedHashMap<>();
                    o.put("operation", op.key().stringValue());
                    o.putAll(summary(op.docCount(), op.aggregations()));
                    operations.add(o);
                }
                entry.put("operations", operations);
                List<Map<String, Object>> buckets = new ArrayList<>();
                for (DateHistogramBucket b : s.aggregations().get("buckets").dateHistogram().buckets().array()) {
                    Map<String, Object> bucket = new LinkedHashMap<>();
                    bucket.put("start", Instant.ofEpochMilli(b.key()).toString());
                    bucket.putAll(summary(b.docCount(), b.aggregations()));
                    buckets.add(bucket);
                }
                entry.put("buckets", buckets);
                services.add(entry);
            }
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("from", Instant.ofEpochMilli(window.fromMillis()).toString());
            body.put("to", Instant.ofEpochMilli(window.toMillis()).toString());
            body.put("intervalSeconds", interval.toSeconds());
            body.put("services", services);
            ctx.response().putHeader("Content-Type", "application/json; charset=utf-8").end(Json.write(body));
        });
    }

    private static Map<String, Aggregation> figures() {
        Map<String, Aggregation> figures = new LinkedHashMap<>();
        figures.put("latency", Aggregation.of(a -> a.percentiles(p -> p.field("durationMicros").percents(50.0, 95.0, 99.0))));
        figures.put("errors", Aggregation.of(a -> a.filter(term("status", "error"))));
        return figures;
    }

    private static Map<String, Object> summary(long count, Map<String, Aggregate> aggs) {
        long errors = aggs.get("errors").filter().docCount();
        Percentiles latency = aggs.get("latency").tdigestPercentiles().values();
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("requests", count);
        out.put("errors", errors);
        out.put("errorRate", count == 0 ? 0.0 : (double) errors / count);
        Map<String, Object> percentiles = new LinkedHashMap<>();
        if (latency.isKeyed()) {
            latency.keyed().forEach((k, v) -> percentiles.put("p" + k.replace(".0", ""), v == null ? null : Math.round(Double.parseDouble(v))));
        } else {
            latency.array().forEach(p -> percentiles.put("p" + Double.toString(p.key()).replace(".0", ""),
                    p.value() == null ? null : Math.round(p.value())));
        }
        out.put("latencyMicros", percentiles);
        return out;
    }

    /** The bucket size: as asked (1m, 5m, 1h ...), or about a sixtieth of the window, at least a minute. */
    private static Duration interval(String text, SearchParams window) {
        long span = window.toMillis() - window.fromMillis();
        if (text == null) {
            return Duration.ofMinutes(Math.max(1, span / 60 / 60_000));
        }
        Duration d = ConfigSource.parseDuration(text);
        if (d == null || d.toSeconds() < 1) {
            throw new SearchParams.BadParameter("interval", "must be a duration of at least 1s, such as 1m or 1h");
        }
        if (span / d.toMillis() > MAX_BUCKETS) {
            throw new SearchParams.BadParameter("interval", "makes more than " + MAX_BUCKETS + " buckets in this window; use a longer one");
        }
        return d;
    }

    private static String checkName(String parameter, String value) {
        if (value != null && (value.isEmpty() || value.length() > 100 || value.chars().anyMatch(Character::isISOControl))) {
            throw new SearchParams.BadParameter(parameter, "must be 1 to 100 characters");
        }
        return value;
    }
}
