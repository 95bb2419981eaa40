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
 * apart. At most {@value #MAX_ITEMS} items, and about {@code history.max-trace-bytes} of them, are read, in chunks of
 * {@value #CHUNK}; {@code truncated} says when a trace had more.
 */
final class TraceResource {
    static final int MAX_ITEMS = 10_000;
    static final int CHUNK = 500;

    private final Vertx vertx;
    private final HistoryStore store;
    private final long maxBytes;

    TraceResource(Vertx vertx, HistoryStore store, long maxBytes) {
        this.vertx = vertx;
        this.store = store;
        this.maxBytes = maxBytes;
    }

    void handle(RoutingContext ctx) {
        String tenant = AuthHandler.principal(ctx).tenant();
        String traceId = ctx.pathParam("traceId");
        if (traceId == null || !traceId.matches("[0-9a-f]{32}")) {
            HttpErrors.send(ctx.response(), 400, "bad_parameter", "traceId: must be 32 lowercase hex digits", "traceId");
            return;
        }
        read(ctx, tenant, traceId, new ArrayList<>(), new long[1], null);
    }

    /** Reads the trace chunk by chunk into {@code items}, then answers with its tree. */
    @SuppressWarnings({"rawtypes", "unchecked"})
    private void read(RoutingContext ctx, String tenant, String traceId, List<Map<String, Object>> items, long[] bytes,
                      List<co.elastic.clients.elasticsearch._types.FieldValue> after) {
        int size = Math.min(CHUNK, MAX_ITEMS - items.size());
        SearchRequest request = SearchRequest.of(s -> {
            s.index(EventDocuments.INDEX_PATTERN).ignoreUnavailable(true).allowNoIndices(true).size(size)
                    .query(q -> q.bool(b -> b.filter(List.of(term("tenant", tenant), term("traceId", traceId),
                            Query.of(k -> k.terms(t -> t.field("kind").terms(v -> v.value(List.of(
                                    co.elastic.clients.elasticsearch._types.FieldValue.of("span"),
                                    co.elastic.clients.elasticsearch._types.FieldValue.of("log"))))))))))
                    .sort(o -> o.field(f -> f.field("timestamp").order(SortOrder.Asc)))
                    .sort(o -> o.field(f -> f.field("id").order(SortOrder.Asc)))
                    .trackTotalHits(t -> t.enabled(false));
            if (after != null) {
                s.searchAfter(after);
            }
            return s;
        });
        Future.fromCompletionStage(store.client().search(request, Map.class), vertx.getOrCreateContext()).onComplete(ar -> {
            if (ctx.response().closed()) {
                return;
            }
            if (ar.failed()) {
                HistoryResponses.failed(ctx, ar.cause());
                return;
            }
            List<Hit<Map>> hits = ar.result().hits().hits();
            boolean full = false;
            for (Hit<Map> hit : hits) {
                Map<String, Object> item = HistoryResponses.publicView(hit.source());
                // The item's size as its JSON, roughly: what it costs here and in the answer.
                long length = Json.write(item).length();
                if (!items.isEmpty() && bytes[0] + length > maxBytes) {
                    full = true;
                    break;
                }
                items.add(item);
                bytes[0] += length;
            }
            boolean more = hits.size() == size;
            if (!full && more && items.size() < MAX_ITEMS) {
                read(ctx, tenant, traceId, items, bytes, hits.getLast().sort());
                return;
            }
            if (items.isEmpty()) {
                HttpErrors.send(ctx.response(), 404, "not_found", "no trace " + traceId + " in the history", "traceId");
                return;
            }
            // Built off the event loop: a tree of up to 10,000 items is work.
            boolean truncated = full || more;
            vertx.executeBlocking(() -> Json.write(tree(traceId, items, truncated)), false).onComplete(json -> {
                if (json.succeeded()) {
                    ctx.response().putHeader("Content-Type", "application/json; charset=utf-8").end(json.result());
                } else {
                    ctx.fail(json.cause());
                }
            });
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
