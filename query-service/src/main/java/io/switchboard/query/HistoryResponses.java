package io.switchboard.query;

import co.elastic.clients.elasticsearch._types.query_dsl.Query;
import io.switchboard.common.service.HttpErrors;
import io.vertx.ext.web.RoutingContext;
import java.util.LinkedHashMap;
import java.util.Map;

/** What the history endpoints share: the public view of a stored item, the tenant-scoping term, errors. */
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

    /** Answers a failed history request with what actually happened. */
    static void failed(RoutingContext ctx, Throwable cause) {
        Failure f = Failure.of(cause);
        if (f.status() == 503) {
            ctx.response().putHeader("Retry-After", "5");
        }
        HttpErrors.send(ctx, f.status(), f.code(), f.message());
    }

    /** What went wrong with a request to the history store, as status, code and message. */
    record Failure(int status, String code, String message) {
        static Failure of(Throwable cause) {
            Throwable t = cause;
            while ((t instanceof java.util.concurrent.CompletionException || t instanceof java.util.concurrent.ExecutionException)
                    && t.getCause() != null) {
                t = t.getCause();
            }
            for (Throwable c = t; c != null; c = c.getCause()) {
                if (c instanceof co.elastic.clients.elasticsearch._types.ElasticsearchException es) {
                    String reason = es.error() == null ? es.getMessage() : es.error().reason();
                    if (es.status() == 429) {
                        return new Failure(503, "unavailable", "the history store is busy (" + reason
                                + "); try again shortly");
                    }
                    if (es.status() >= 400 && es.status() < 500) {
                        return new Failure(400, "bad_query", "the history store refused the query: " + reason);
                    }
                    return new Failure(503, "unavailable", "the history store failed the query (" + reason
                            + "); try again shortly");
                }
                if (c instanceof java.net.SocketTimeoutException || c instanceof java.util.concurrent.TimeoutException) {
                    return new Failure(504, "timeout", "the history store did not answer in time; narrow the query "
                            + "(a shorter window, a service, a smaller limit) or try again");
                }
                if (c instanceof java.net.ConnectException || c instanceof java.net.UnknownHostException
                        || c instanceof java.net.NoRouteToHostException) {
                    return new Failure(503, "unavailable", "the history store is unreachable; try again shortly");
                }
            }
            return new Failure(503, "unavailable", "the history store could not answer: " + t.getMessage()
                    + "; try again shortly");
        }
    }
}
