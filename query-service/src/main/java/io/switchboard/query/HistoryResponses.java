package io.switchboard.query;

import co.elastic.clients.elasticsearch._types.query_dsl.Query;
import io.switchboard.common.service.HttpErrors;
import io.vertx.ext.web.RoutingContext;
import java.util.LinkedHashMap;
import java.util.Map;

/** What the history endpoints share: the public view of a stored item, the tenant-scoping term, the 503. */
final class HistoryResponses {
    private HistoryResponses() {
    }

    /** A stored document as callers see it: the item as sent, without the tenant and the fields derived for search. */
    static Map<String, Object> publicView(Map<?, ?> source) {
        Map<String, Object> item = new LinkedHashMap<>();
        source.forEach((k, v) -> item.put(String.valueOf(k), v));
        item.remove("tenant");
        item.remove("levelNum");
        item.remove("attrs");
        item.remove("@timestamp");
        return item;
    }

    static Query term(String field, String value) {
        return Query.of(q -> q.term(t -> t.field(field).value(value)));
    }

    static void unavailable(RoutingContext ctx) {
        HttpErrors.unavailable(ctx, "the history store is unreachable; try again shortly");
    }
}
