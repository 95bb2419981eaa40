package io.switchboard.common.buffer;

import com.fasterxml.jackson.databind.JsonNode;
import com.hazelcast.core.IFunction;
import io.switchboard.common.codec.Json;
import io.switchboard.common.model.Level;
import java.io.Serial;
import java.util.Locale;

/**
 * What a tail wants, evaluated where the ring lives: always the tail's tenant, then optionally service,
 * environment, trace id, a minimum level (which keeps logs at or above it and leaves spans and outcomes alone),
 * and a case-insensitive text that must occur in a log's message or a span's operation. A part of a large item
 * ({@link RingSlots}) cannot be judged alone: parts of the tenant's items pass, and the tail applies the filter again
 * to the whole item once it has put it together.
 */
public record TailFilter(String tenant, String service, Level minLevel, String environment, String traceId, String text)
        implements IFunction<String, Boolean> {
    @Serial
    private static final long serialVersionUID = 1L;

    @Override
    public Boolean apply(String record) {
        if (!TraceRings.belongsTo(record, tenant)) {
            return false;
        }
        if (RingSlots.isPart(record)) {
            return true;
        }
        if (service == null && minLevel == null && environment == null && traceId == null && text == null) {
            return true;
        }
        JsonNode item;
        try {
            item = Json.MAPPER.readTree(TraceRings.json(record));
        } catch (java.io.IOException e) {
            return false;
        }
        if (service != null && !service.equals(item.path("service").asText())) {
            return false;
        }
        if (environment != null && !environment.equals(item.path("environment").asText())) {
            return false;
        }
        if (traceId != null && !traceId.equals(item.path("traceId").asText())) {
            return false;
        }
        String kind = item.path("kind").asText();
        if (minLevel != null && "log".equals(kind)) {
            Level level = Level.parse(item.path("level").asText("trace"));
            if (level.ordinal() < minLevel.ordinal()) {
                return false;
            }
        }
        if (text != null) {
            String haystack = "log".equals(kind) ? item.path("message").asText()
                    : "span".equals(kind) ? item.path("operation").asText() : "";
            return haystack.toLowerCase(Locale.ROOT).contains(text.toLowerCase(Locale.ROOT));
        }
        return true;
    }
}
