package io.switchboard.query;

import static io.switchboard.query.HistoryResponses.term;

import co.elastic.clients.elasticsearch._types.aggregations.StringTermsBucket;
import co.elastic.clients.elasticsearch._types.query_dsl.Query;
import co.elastic.clients.elasticsearch.core.SearchRequest;
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
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * {@code GET /api/v1/dependencies}: which service calls which, with call and error counts, in a time window: from
 * call outcomes (caller {@code service} to {@code calleeService}, an error when not {@code success}) and from client
 * spans (to {@code peerService}, an error when their status is error).
 */
final class DependenciesResource {
    private static final int MAX_SERVICES = 500;

    private final Vertx vertx;
    private final HistoryStore store;

    DependenciesResource(Vertx vertx, HistoryStore store) {
        this.vertx = vertx;
        this.store = store;
    }

    void handle(RoutingContext ctx) {
        String tenant = AuthHandler.principal(ctx).tenant();
        SearchParams window;
        try {
            window = SearchParams.window(ctx.request().params(), System.currentTimeMillis());
        } catch (SearchParams.BadParameter e) {
            HttpErrors.send(ctx.response(), 400, "bad_parameter", e.getMessage(), e.parameter());
            return;
        }
        Future<Map<String, long[]>> outcomes = edges(tenant, window, "outcome", "calleeService",
                Query.of(q -> q.term(t -> t.field("success").value(false))), null);
        Future<Map<String, long[]>> spans = edges(tenant, window, "span", "peerService",
                term("status", "error"), term("spanKind", "client"));
        Future.all(outcomes, spans).onComplete(ar -> {
            if (ar.failed()) {
                HistoryResponses.failed(ctx, ar.cause());
                return;
            }
            Map<String, long[]> merged = new TreeMap<>(outcomes.result());
            spans.result().forEach((edge, counts) -> merged.merge(edge, counts, (a, b) -> new long[] {a[0] + b[0], a[1] + b[1]}));
            List<Map<String, Object>> edges = new ArrayList<>();
            TreeSet<String> services = new TreeSet<>();
            merged.forEach((edge, counts) -> {
                String[] ends = edge.split("\n");
                services.add(ends[0]);
                services.add(ends[1]);
                Map<String, Object> e = new LinkedHashMap<>();
                e.put("from", ends[0]);
                e.put("to", ends[1]);
                e.put("calls", counts[0]);
                e.put("errors", counts[1]);
                e.put("errorRate", counts[0] == 0 ? 0.0 : (double) counts[1] / counts[0]);
                edges.add(e);
            });
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("services", services);
            body.put("edges", edges);
            ctx.response().putHeader("Content-Type", "application/json; charset=utf-8").end(Json.write(body));
        });
    }

    /** Caller and callee ("from\nto") to {calls, errors} for one kind of item. */
    private Future<Map<String, long[]>> edges(String tenant, SearchParams window, String kind, String calleeField,
                                              Query error, Query extra) {
        List<Query> filters = new ArrayList<>(List.of(term("tenant", tenant), term("kind", kind), window.timeFilter(),
                Query.of(q -> q.exists(x -> x.field(calleeField)))));
        if (extra != null) {
            filters.add(extra);
        }
        SearchRequest request = SearchRequest.of(s -> s.index(window.indices()).ignoreUnavailable(true)
                .allowNoIndices(true).size(0)
                .query(q -> q.bool(b -> b.filter(filters)))
                .aggregations("from", a -> a.terms(t -> t.field("service").size(MAX_SERVICES))
                        .aggregations("to", b -> b.terms(t -> t.field(calleeField).size(MAX_SERVICES))
                                .aggregations("errors", c -> c.filter(error)))));
        return Future.fromCompletionStage(store.client().search(request, Void.class), vertx.getOrCreateContext()).map(response -> {
            Map<String, long[]> out = new TreeMap<>();
            for (StringTermsBucket from : response.aggregations().get("from").sterms().buckets().array()) {
                for (StringTermsBucket to : from.aggregations().get("to").sterms().buckets().array()) {
                    long errors = to.aggregations().get("errors").filter().docCount();
                    out.put(from.key().stringValue() + "\n" + to.key().stringValue(), new long[] {to.docCount(), errors});
                }
            }
            return out;
        });
    }
}
