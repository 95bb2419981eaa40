package io.switchboard.query;

import static io.switchboard.query.HistoryResponses.term;

import co.elastic.clients.elasticsearch._types.FieldValue;
import co.elastic.clients.elasticsearch._types.SortOrder;
import co.elastic.clients.elasticsearch._types.query_dsl.Query;
import co.elastic.clients.elasticsearch.core.SearchRequest;
import co.elastic.clients.elasticsearch.core.search.Hit;
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
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * {@code GET /api/v1/traces}: the most recent traces with a span matching the filters (service, operation, duration,
 * error, attribute key=value, time window), each summarised: root service and operation, start, duration, span
 * count, services, and whether any span failed.
 */
final class TraceSearchResource {
    static final int MAX_LIMIT = 100;
    private static final int MAX_SPANS = 10_000;

    private final Vertx vertx;
    private final HistoryStore store;

    TraceSearchResource(Vertx vertx, HistoryStore store) {
        this.vertx = vertx;
        this.store = store;
    }

    void handle(RoutingContext ctx) {
        String tenant = AuthHandler.principal(ctx).tenant();
        List<Query> filters = new ArrayList<>();
        int limit;
        try {
            MultiMap params = MultiMap.caseInsensitiveMultiMap().addAll(ctx.request().params());
            filters.add(term("tenant", tenant));
            filters.add(term("kind", "span"));
            name(params, "service").ifPresent(v -> filters.add(term("service", v)));
            name(params, "operation").ifPresent(v -> filters.add(term("operation", v)));
            Long min = micros(params, "minDuration");
            Long max = micros(params, "maxDuration");
            if (min != null || max != null) {
                filters.add(Query.of(q -> q.range(r -> r.number(n -> {
                    n.field("durationMicros");
                    if (min != null) {
                        n.gte((double) min);
                    }
                    if (max != null) {
                        n.lte((double) max);
                    }
                    return n;
                }))));
            }
            String error = params.get("error");
            if (error != null && !error.equals("true")) {
                throw new SearchParams.BadParameter("error", "only error=true is a filter (traces with a failed span)");
            }
            if (error != null) {
                filters.add(term("status", "error"));
            }
            String attribute = params.get("attribute");
            if (attribute != null && (!attribute.contains("=") || attribute.length() > 1_200)) {
                throw new SearchParams.BadParameter("attribute", "must be key=value");
            }
            if (attribute != null) {
                filters.add(term("attrs", attribute));
            }
            limit = limit(params.get("limit"));
            params.remove("service").remove("operation").remove("minDuration").remove("maxDuration").remove("error")
                    .remove("attribute").remove("limit");
            filters.add(SearchParams.window(params, System.currentTimeMillis()).timeFilter());
        } catch (SearchParams.BadParameter e) {
            HttpErrors.send(ctx.response(), 400, "bad_parameter", e.getMessage(), e.parameter());
            return;
        }
        matchingTraces(filters, limit).compose(ids -> ids.isEmpty() ? Future.succeededFuture(List.<Map<String, Object>>of())
                : summaries(tenant, ids)).onComplete(ar -> {
                    if (ar.failed()) {
                        HistoryResponses.failed(ctx, ar.cause());
                        return;
                    }
                    ctx.response().putHeader("Content-Type", "application/json; charset=utf-8")
                            .end(Json.write(Map.of("traces", ar.result())));
                });
    }

    /** The ids of the most recent traces with a matching span. */
    private Future<List<String>> matchingTraces(List<Query> filters, int limit) {
        SearchRequest request = SearchRequest.of(s -> s.index(EventDocuments.INDEX_PATTERN).ignoreUnavailable(true)
                .allowNoIndices(true).size(0).query(q -> q.bool(b -> b.filter(filters)))
                .aggregations("traces", a -> a.terms(t -> t.field("traceId").size(limit)
                        .order(List.of(co.elastic.clients.util.NamedValue.of("latest", SortOrder.Desc))))
                        .aggregations("latest", l -> l.max(m -> m.field("@timestamp")))));
        return Future.fromCompletionStage(store.client().search(request, Void.class), vertx.getOrCreateContext())
                .map(r -> r.aggregations().get("traces").sterms().buckets().array().stream()
                        .map(b -> b.key().stringValue()).toList());
    }

    /** Every span of the given traces, summarised per trace, most recent first. */
    @SuppressWarnings({"rawtypes", "unchecked"})
    private Future<List<Map<String, Object>>> summaries(String tenant, List<String> traceIds) {
        SearchRequest request = SearchRequest.of(s -> s.index(EventDocuments.INDEX_PATTERN).ignoreUnavailable(true)
                .allowNoIndices(true).size(MAX_SPANS)
                .query(q -> q.bool(b -> b.filter(List.of(term("tenant", tenant), term("kind", "span"),
                        Query.of(k -> k.terms(t -> t.field("traceId").terms(v -> v.value(
                                traceIds.stream().map(FieldValue::of).toList())))))))));
        return Future.fromCompletionStage(store.client().search(request, Map.class), vertx.getOrCreateContext()).map(r -> {
            Map<String, List<Map<String, Object>>> byTrace = new LinkedHashMap<>();
            for (Hit<Map> hit : r.hits().hits()) {
                Map<String, Object> span = hit.source();
                byTrace.computeIfAbsent(String.valueOf(span.get("traceId")), k -> new ArrayList<>()).add(span);
            }
            List<Map<String, Object>> out = new ArrayList<>();
            byTrace.forEach((traceId, spans) -> out.add(summary(traceId, spans)));
            out.sort(Comparator.comparing((Map<String, Object> m) -> (String) m.get("start")).reversed());
            return out;
        });
    }

    static Map<String, Object> summary(String traceId, List<Map<String, Object>> spans) {
        long start = Long.MAX_VALUE;
        long end = Long.MIN_VALUE;
        boolean error = false;
        Map<String, Object> root = null;
        TreeSet<String> services = new TreeSet<>();
        for (Map<String, Object> span : spans) {
            long ts = ((Number) span.get("timestamp")).longValue();
            start = Math.min(start, ts);
            end = Math.max(end, ts + ((Number) span.getOrDefault("durationMicros", 0)).longValue());
            error |= "error".equals(span.get("status"));
            services.add(String.valueOf(span.get("service")));
            boolean isRoot = span.get("parentSpanId") == null;
            if (root == null || isRoot && (root.get("parentSpanId") != null
                    || ((Number) span.get("timestamp")).longValue() < ((Number) root.get("timestamp")).longValue())) {
                root = span;
            }
        }
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("traceId", traceId);
        s.put("rootService", root.get("service"));
        s.put("rootOperation", root.get("operation"));
        s.put("start", Instant.ofEpochMilli(start / 1_000).toString());
        s.put("durationMicros", end - start);
        s.put("spanCount", spans.size());
        s.put("services", services);
        s.put("error", error);
        return s;
    }

    private static java.util.Optional<String> name(MultiMap params, String parameter) {
        String value = params.get(parameter);
        if (value != null && (value.isEmpty() || value.length() > 100 || value.chars().anyMatch(Character::isISOControl))) {
            throw new SearchParams.BadParameter(parameter, "must be 1 to 100 characters");
        }
        return java.util.Optional.ofNullable(value);
    }

    private static Long micros(MultiMap params, String parameter) {
        String value = params.get(parameter);
        if (value == null) {
            return null;
        }
        Duration d = ConfigSource.parseDuration(value);
        if (d == null && value.endsWith("us")) {
            try {
                return Long.parseLong(value.substring(0, value.length() - 2));
            } catch (NumberFormatException e) {
                d = null;
            }
        }
        if (d == null) {
            throw new SearchParams.BadParameter(parameter, "must be a duration such as 250ms, 2s or 1500us");
        }
        return d.toNanos() / 1_000;
    }

    private static int limit(String value) {
        if (value == null) {
            return 20;
        }
        try {
            int n = Integer.parseInt(value);
            if (n >= 1 && n <= MAX_LIMIT) {
                return n;
            }
        } catch (NumberFormatException e) {
            // falls through
        }
        throw new SearchParams.BadParameter("limit", "must be a whole number from 1 to " + MAX_LIMIT);
    }
}
