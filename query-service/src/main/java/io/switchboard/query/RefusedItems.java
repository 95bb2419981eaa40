package io.switchboard.query;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.ringbuffer.OverflowPolicy;
import com.hazelcast.ringbuffer.Ringbuffer;
import io.switchboard.common.auth.AuthHandler;
import io.switchboard.common.buffer.TraceRings;
import io.switchboard.common.codec.Json;
import io.switchboard.common.service.HttpErrors;
import io.vertx.core.Vertx;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Items the indexer set aside because Elasticsearch will never take them (a mapping conflict, too large for any
 * request), so that the ring moves on: what they were, not their bodies. Kept in a small Hazelcast ring
 * ({@value #RING}, the newest 10,000 of all tenants), read by the tenant's operators at {@code GET /api/v1/refused}.
 */
final class RefusedItems {
    static final String RING = "history-refused";
    private static final int MAX_LIMIT = 1_000;
    private static final int MESSAGE_CHARS = 300;

    private final Ringbuffer<String> ring;

    RefusedItems(HazelcastInstance hazelcast) {
        this.ring = hazelcast.getRingbuffer(RING);
    }

    /** Notes an item set aside (asynchronously: the indexer does not wait for it). */
    void record(String tenant, String id, String reason, String message, int bytes) {
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("id", id);
        entry.put("reason", reason);
        entry.put("message", message == null || message.length() <= MESSAGE_CHARS ? message : message.substring(0, MESSAGE_CHARS) + "...");
        entry.put("bytes", bytes);
        entry.put("at", Instant.now().toString());
        ring.addAsync(tenant + "\n" + Json.write(entry), OverflowPolicy.OVERWRITE);
    }

    /** {@code GET /api/v1/refused?limit=100}: the tenant's items set aside, newest first. */
    void handle(Vertx vertx, RoutingContext ctx) {
        String tenant = AuthHandler.principal(ctx).tenant();
        int limit;
        try {
            limit = Integer.parseInt(ctx.request().params().get("limit") == null ? "100" : ctx.request().params().get("limit"));
        } catch (NumberFormatException e) {
            limit = -1;
        }
        if (limit < 1 || limit > MAX_LIMIT) {
            HttpErrors.send(ctx.response(), 400, "bad_parameter", "limit must be a whole number from 1 to " + MAX_LIMIT, "limit");
            return;
        }
        int max = limit;
        vertx.executeBlocking(() -> newest(tenant, max), false).onComplete(ar -> {
            if (ar.failed()) {
                HttpErrors.unavailable(ctx, "the cluster holding the refused items is unreachable: " + ar.cause().getMessage());
                return;
            }
            ctx.response().putHeader("Content-Type", "application/json; charset=utf-8")
                    .end(Json.write(Map.of("items", ar.result())));
        });
    }

    private List<Object> newest(String tenant, int limit) throws Exception {
        List<Object> out = new ArrayList<>();
        long head = ring.headSequence();
        for (long s = ring.tailSequence(); s >= head && out.size() < limit; s--) {
            String record = ring.readOne(s);
            if (TraceRings.belongsTo(record, tenant)) {
                out.add(Json.MAPPER.readTree(TraceRings.json(record)));
            }
        }
        return out;
    }
}
