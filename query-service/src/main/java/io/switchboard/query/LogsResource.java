package io.switchboard.query;

import static io.switchboard.query.HistoryResponses.term;

import co.elastic.clients.elasticsearch._types.FieldValue;
import co.elastic.clients.elasticsearch._types.SortOrder;
import co.elastic.clients.elasticsearch._types.query_dsl.Operator;
import co.elastic.clients.elasticsearch._types.query_dsl.Query;
import co.elastic.clients.elasticsearch._types.query_dsl.SimpleQueryStringFlag;
import co.elastic.clients.elasticsearch.core.SearchResponse;
import co.elastic.clients.elasticsearch.core.search.Hit;
import io.switchboard.common.auth.AuthHandler;
import io.switchboard.common.codec.Json;
import io.switchboard.common.service.HttpErrors;
import io.switchboard.query.internal.EventDocuments;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /api/v1/logs}: the caller's tenant's log history, newest first by default, with full-text search,
 * filters, a time window and cursor pagination.
 *
 * <p>The text of {@code q} goes to Elasticsearch's simple query string inside the query, next to the tenant
 * filter, never into the query's structure: whatever it contains, it cannot widen the search beyond the tenant.
 * Pages follow each other by {@code search_after} on (time, id), a unique sort, so events arriving meanwhile cause
 * no gaps or duplicates.
 */
final class LogsResource {
    static final int MAX_LIMIT = 1_000;

    private final Vertx vertx;
    private final HistoryStore store;

    LogsResource(Vertx vertx, HistoryStore store) {
        this.vertx = vertx;
        this.store = store;
    }

    void handle(RoutingContext ctx) {
        String tenant = AuthHandler.principal(ctx).tenant();
        SearchParams params;
        try {
            params = SearchParams.from(ctx.request().params(), System.currentTimeMillis());
        } catch (SearchParams.BadParameter e) {
            HttpErrors.send(ctx.response(), 400, "bad_parameter", e.getMessage(), e.parameter());
            return;
        }
        search(tenant, params).onComplete(ar -> {
            if (ar.succeeded()) {
                ctx.response().putHeader("Content-Type", "application/json; charset=utf-8").end(Json.write(ar.result()));
            } else {
                HistoryResponses.unavailable(ctx);
            }
        });
    }

    private Future<Map<String, Object>> search(String tenant, SearchParams p) {
        List<Query> filters = new ArrayList<>();
        filters.add(term("tenant", tenant));
        filters.add(term("kind", "log"));
        if (p.service() != null) {
            filters.add(term("service", p.service()));
        }
        if (p.environment() != null) {
            filters.add(term("environment", p.environment()));
        }
        if (p.node() != null) {
            filters.add(term("node", p.node()));
        }
        if (p.traceId() != null) {
            filters.add(term("traceId", p.traceId()));
        }
        if (p.minLevel() != null) {
            filters.add(Query.of(q -> q.range(r -> r.number(n -> n.field("levelNum").gte((double) p.minLevel().ordinal())))));
        }
        filters.add(p.timeFilter());
        List<Query> must = new ArrayList<>();
        if (p.q() != null) {
            // Words, phrases, + | - and parentheses only: prefix (orders*), fuzzy (~) and proximity operators can make
            // one request expand to every term of the index, so they are read as plain text.
            must.add(Query.of(q -> q.simpleQueryString(s -> s.query(p.q()).fields("message")
                    .defaultOperator(Operator.And).lenient(true)
                    .flags(SimpleQueryStringFlag.And, SimpleQueryStringFlag.Or, SimpleQueryStringFlag.Not,
                            SimpleQueryStringFlag.Phrase, SimpleQueryStringFlag.Precedence, SimpleQueryStringFlag.Escape,
                            SimpleQueryStringFlag.Whitespace))));
        }
        SortOrder order = p.ascending() ? SortOrder.Asc : SortOrder.Desc;
        var request = co.elastic.clients.elasticsearch.core.SearchRequest.of(s -> {
            s.index(p.indices()).ignoreUnavailable(true).allowNoIndices(true)
                    .size(p.limit())
                    .query(q -> q.bool(b -> b.filter(filters).must(must)))
                    .sort(o -> o.field(f -> f.field("@timestamp").order(order)))
                    .sort(o -> o.field(f -> f.field("id").order(order)))
                    .trackTotalHits(t -> t.enabled(false));
            if (p.cursor() != null) {
                s.searchAfter(FieldValue.of(p.cursor().timestamp()), FieldValue.of(p.cursor().id()));
            }
            return s;
        });
        return Future.fromCompletionStage(store.client().search(request, Map.class), vertx.getOrCreateContext())
                .map(this::page);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    private Map<String, Object> page(SearchResponse<Map> response) {
        List<Map<String, Object>> items = new ArrayList<>();
        String next = null;
        List<Hit<Map>> hits = response.hits().hits();
        for (Hit<Map> hit : hits) {
            items.add(HistoryResponses.publicView(hit.source()));
        }
        if (!hits.isEmpty()) {
            List<FieldValue> sort = hits.getLast().sort();
            next = Cursor.encode(sort.get(0).longValue(), sort.get(1).stringValue());
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("items", items);
        body.put("next", items.size() == 0 ? null : next);
        return body;
    }


    /** Where the next page starts: the sort values of the last item, opaque to callers. */
    record Cursor(long timestamp, String id) {
        static String encode(long timestamp, String id) {
            return Base64.getUrlEncoder().withoutPadding().encodeToString((timestamp + "," + id).getBytes(StandardCharsets.UTF_8));
        }

        static Cursor decode(String text) {
            String raw = new String(Base64.getUrlDecoder().decode(text), StandardCharsets.UTF_8);
            int comma = raw.indexOf(',');
            return new Cursor(Long.parseLong(raw.substring(0, comma)), raw.substring(comma + 1));
        }
    }

}
