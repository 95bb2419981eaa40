package io.switchboard.common.service;

import io.switchboard.common.codec.Json;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Writes the one JSON error shape every REST endpoint uses:
 * {@code {"error": {"code": "...", "message": "...", "field": "..."}}}.
 */
public final class HttpErrors {
    private HttpErrors() {
    }

    public static void send(RoutingContext ctx, int status, String code, String message) {
        send(ctx.response(), status, code, message, null);
    }

    /** 503 with Retry-After: a store behind the endpoint is unreachable; {@code message} says which. */
    public static void unavailable(RoutingContext ctx, String message) {
        ctx.response().putHeader("Retry-After", "5");
        send(ctx, 503, "unavailable", message);
    }

    public static void send(HttpServerResponse response, int status, String code, String message, String field) {
        if (response.ended() || response.closed()) {
            return;
        }
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", code);
        error.put("message", message);
        if (field != null) {
            error.put("field", field);
        }
        response.setStatusCode(status)
                .putHeader("Content-Type", "application/json; charset=utf-8")
                .end(Json.write(Map.of("error", error)));
    }
}
