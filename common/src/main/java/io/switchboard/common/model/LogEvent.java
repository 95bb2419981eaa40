package io.switchboard.common.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Map;

/**
 * A log line from a service, optionally attached to a trace.
 *
 * @param timestamp  microseconds since the Unix epoch
 * @param node       the id of the node that logged it, if known
 * @param category   the logger's name, such as com.example.Orders
 * @param traceId    32 lowercase hex digits, if logged inside a trace
 * @param spanId     16 lowercase hex digits, if logged inside a span
 * @param attributes structured key-value pairs, searchable by key and value
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record LogEvent(String tenant, String id, long timestamp, String service, String node, String environment,
                       Level level, String category, String message, String traceId, String spanId,
                       Map<String, String> attributes) implements TraceItem {

    public LogEvent {
        attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
    }

    @Override
    public LogEvent withTenant(String tenant) {
        return new LogEvent(tenant, id, timestamp, service, node, environment, level, category, message, traceId,
                spanId, attributes);
    }
}
