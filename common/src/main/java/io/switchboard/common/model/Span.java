package io.switchboard.common.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;
import java.util.Map;

/**
 * One timed operation of a trace, in the W3C trace-context model.
 *
 * @param timestamp      start, in microseconds since the Unix epoch
 * @param durationMicros how long it took
 * @param traceId        32 lowercase hex digits, not all zero
 * @param spanId         16 lowercase hex digits, not all zero
 * @param parentSpanId   16 lowercase hex digits, or null for a root span
 * @param peerService    for a client span: the service it called, which feeds the dependency graph
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Span(String tenant, String id, long timestamp, long durationMicros, String service, String node,
                   String environment, String traceId, String spanId, String parentSpanId, String operation,
                   SpanKind spanKind, Status status, String peerService, Map<String, String> attributes)
        implements TraceItem {

    public Span {
        attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
        spanKind = spanKind == null ? SpanKind.INTERNAL : spanKind;
        status = status == null ? Status.UNSET : status;
    }

    @Override
    public Span withTenant(String tenant) {
        return new Span(tenant, id, timestamp, durationMicros, service, node, environment, traceId, spanId,
                parentSpanId, operation, spanKind, status, peerService, attributes);
    }

    /** What side of a call a span stands for, as in OpenTelemetry. */
    public enum SpanKind {
        INTERNAL, SERVER, CLIENT, PRODUCER, CONSUMER;

        @JsonValue
        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        @JsonCreator
        public static SpanKind parse(String name) {
            try {
                return valueOf(name.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown span kind '" + name
                        + "'; expected one of internal, server, client, producer, consumer");
            }
        }
    }

    /** The outcome of the operation. */
    public enum Status {
        UNSET, OK, ERROR;

        @JsonValue
        public String wireName() {
            return name().toLowerCase(Locale.ROOT);
        }

        @JsonCreator
        public static Status parse(String name) {
            try {
                return valueOf(name.toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown status '" + name + "'; expected one of unset, ok, error");
            }
        }
    }
}
