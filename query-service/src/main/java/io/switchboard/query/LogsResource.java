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
 *
 * <p>A page is read from Elasticsearch in chunks of {@value #CHUNK} items and streamed as it is read; it ends at
 * {@code limit} items or once about {@code history.max-page-bytes} of items were written, whichever comes first, and
 * its {@code next} goes on from its last item. So a tenant whose items are large gets shorter pages, never an answer
 * the store or this service cannot hold.
 */
final class LogsResource {
    static final int MAX_LIMIT = 1_000;
    /** Items read from the store at once: at most 128 KiB each as stored, so a chunk stays a few megabytes. */
    static final int CHUNK = 50;

    private final Vertx vertx;
    private final HistoryStore store;
    private final long maxPageBytes;

    LogsResource(Vertx vertx, HistoryStore store, long maxPageBytes) {
        this.vertx = vertx;
        this.store = store;
        this.maxPageBytes = maxPageBytes;
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
        new Page(ctx, tenant, params).read(params.cursor());
    }

    /** One page on its way out: chunks read one after another, each written before the next is asked for. */
    private final class Page {
        private final RoutingContext ctx;
        private final String tenant;
        private final SearchParams params;
        private int written;
        private long bytes;
        private String last;

        Page(RoutingContext ctx, String tenant, SearchParams params) {
            this.ctx = ctx;
            this.tenant = tenant;
            this.params = params;
        }

        void read(Cursor after) {
            int size = Math.min(CHUNK, params.limit() - written);
            search(tenant, params, after, size).onComplete(ar -> {
                if (ctx.response().closed()) {
                    return;
                }
                if (ar.failed()) {
                    if (written == 0 && !ctx.response().headWritten()) {
                        HistoryResponses.failed(ctx, ar.cause());
                    } else {
                        // The page so far stands; the error says why it ends here, and next goes on from its last item.
                        finish(HistoryResponses.Failure.of(ar.cause()).message());
                    }
                    return;
                }
                List<Hit<Map>> hits = ar.result().hits().hits();
                boolean full = false;
                for (Hit<Map> hit : hits) {
                    String item = Json.write(HistoryResponses.publicView(hit.source()));
                    if (written > 0 && bytes + item.length() > maxPageBytes) {
                        full = true;
                        break;
                    }
                    write((written == 0 ? "" : ",") + item);
                    written++;
                    bytes += item.length();
                    List<FieldValue> sort = hit.sort();
                    last = Cursor.encode(sort.get(0).longValue(), sort.get(1).stringValue());
                }
                if (full || hits.size() < size || written >= params.limit()) {
                    finish(null);
                } else if (ctx.response().writeQueueFull()) {
                    Cursor next = Cursor.decode(last);
                    ctx.response().drainHandler(v -> read(next));
                } else {
                    read(Cursor.decode(last));
                }
            });
        }

        private void write(String text) {
            if (!ctx.response().headWritten()) {
                ctx.response().setChunked(true).putHeader("Content-Type", "application/json; charset=utf-8")
                        .write("{\"items\":[");
            }
            ctx.response().write(text);
        }

        private void finish(String error) {
            write("");
            StringBuilder end = new StringBuilder("],\"next\":");
            if (last == null) {
                end.append("null");
            } else {
                io.switchboard.common.codec.JsonText.string(end, last);
            }
            if (error != null) {
                io.switchboard.common.codec.JsonText.string(end.append(",\"error\":"), error);
            }
            ctx.response().end(end.append('}').toString());
        }
    }

    private Future<SearchResponse<Map>> search(String tenant, SearchParams p, Cursor after, int size) {
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
                    .size(size)
                    .query(q -> q.bool(b -> b.filter(filters).must(must)))
                    .sort(o -> o.field(f -> f.field("@timestamp").order(order)))
                    .sort(o -> o.field(f -> f.field("id").order(order)))
                    .trackTotalHits(t -> t.enabled(false));
            if (after != null) {
                s.searchAfter(FieldValue.of(after.timestamp()), FieldValue.of(after.id()));
            }
            return s;
        });
        return Future.fromCompletionStage(store.client().search(request, Map.class), vertx.getOrCreateContext());
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
