package io.switchboard.query;

import static io.switchboard.query.HistoryResponses.term;

import co.elastic.clients.elasticsearch._types.SortOrder;
import co.elastic.clients.elasticsearch._types.query_dsl.Query;
import co.elastic.clients.elasticsearch.core.SearchRequest;
import co.elastic.clients.elasticsearch.core.search.Hit;
import io.switchboard.common.auth.AuthHandler;
import io.switchboard.common.codec.Json;
import io.switchboard.common.service.HttpErrors;
import io.switchboard.query.internal.EventDocuments;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * {@code GET /api/v1/traces/{traceId}}: every span and log of one trace of the caller's tenant, as a tree: each
 * span with its children and its logs, roots first by start time. Logs that name no span of the trace are listed
 * apart. At most {@value #MAX_ITEMS} items are read; {@code truncated} says when a trace had more.
 */
final class TraceResource {
    static final int MAX_ITEMS = 10_000;

    private final Vertx vertx;
    private final HistoryStore store;

    TraceResource(Vertx vertx, HistoryStore store) {
        this.vertx = vertx;
        this.store = store;
    }

    void handle(RoutingContext ctx) {
        String tenant = AuthHandler.principal(ctx).tenant();
        String traceId = ctx.pathParam("traceId");
        if (traceId == null || !traceId.matches("[0-9a-f]{32}")) {
            HttpErrors.send(ctx.response(), 400, "bad_parameter", "traceId: must be 32 lowercase hex digits", "traceId");
            return;
        }
        SearchRequest request = SearchRequest.of(s -> s.index(EventDocuments.INDEX_PATTERN).ignoreUnavailable(true)
                .allowNoIndices(true).size(MAX_ITEMS)
                .query(q -> q.bool(b -> b.filter(List.of(term("tenant", tenant), term("traceId", traceId),
                        Query.of(k -> k.terms(t -> t.field("kind").terms(v -> v.value(List.of(
                                co.elastic.clients.elasticsearch._types.FieldValue.of("span"),
                                co.elastic.clients.elasticsearch._types.FieldValue.of("log"))))))))))
                .sort(o -> o.field(f -> f.field("timestamp").order(SortOrder.Asc))));
        Future.fromCompletionStage(store.client().search(request, Map.class), vertx.getOrCreateContext()).onComplete(ar -> {
            if (ar.failed()) {
                HistoryResponses.unavailable(ctx);
                return;
            }
            List<Map<String, Object>> items = new ArrayList<>();
            for (Hit<Map> hit : ar.result().hits().hits()) {
                items.add(HistoryResponses.publicView(hit.source()));
            }
            if (items.isEmpty()) {
                HttpErrors.send(ctx.response(), 404, "not_found", "no trace " + traceId + " in the history", "traceId");
                return;
            }
            ctx.response().putHeader("Content-Type", "application/json; charset=utf-8")
                    .end(Json.write(tree(traceId, items, items.size() == MAX_ITEMS)));
        });
    }

    /** Assembles spans into a tree by parent span id; a span whose parent is not in the trace counts as a root. */
    static Map<String, Object> tree(String traceId, List<Map<String, Object>> items, boolean truncated) {
        Map<String, Map<String, Object>> spans = new LinkedHashMap<>();
        List<Map<String, Object>> logs = new ArrayList<>();
        for (Map<String, Object> item : items) {
            if ("span".equals(item.get("kind"))) {
                Map<String, Object> span = new LinkedHashMap<>(item);
                span.put("children", new ArrayList<Map<String, Object>>());
                span.put("logs", new ArrayList<Map<String, Object>>());
                spans.put(String.valueOf(item.get("spanId")), span);
            } else {
                logs.add(item);
            }
        }
        List<Map<String, Object>> roots = new ArrayList<>();
        for (Map<String, Object> span : spans.values()) {
            Map<String, Object> parent = spans.get(String.valueOf(span.get("parentSpanId")));
            (parent == null ? roots : list(parent, "children")).add(span);
        }
        List<Map<String, Object>> unattached = new ArrayList<>();
        for (Map<String, Object> log : logs) {
            Map<String, Object> span = spans.get(String.valueOf(log.get("spanId")));
            if (span == null) {
                unattached.add(log);
            } else {
                list(span, "logs").add(log);
            }
        }
        long start = Long.MAX_VALUE;
        long end = Long.MIN_VALUE;
        boolean error = false;
        TreeSet<String> services = new TreeSet<>();
        for (Map<String, Object> span : spans.values()) {
            long ts = ((Number) span.get("timestamp")).longValue();
            long duration = ((Number) span.getOrDefault("durationMicros", 0)).longValue();
            start = Math.min(start, ts);
            end = Math.max(end, ts + duration);
            error |= "error".equals(span.get("status"));
            services.add(String.valueOf(span.get("service")));
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("traceId", traceId);
        body.put("spanCount", spans.size());
        body.put("services", services);
        body.put("durationMicros", spans.isEmpty() ? 0 : end - start);
        body.put("error", error);
        body.put("truncated", truncated);
        body.put("spans", roots);
        body.put("logs", unattached);
        return body;
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Map<String, Object> span, String key) {
        return (List<Map<String, Object>>) span.get(key);
    }

}
