package io.switchboard.common.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.List;
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
 * @param traceState     the W3C {@code tracestate} the span was started with (vendors' entries), if any
 * @param events         what happened at a point during the span (an exception, a retry), oldest first
 * @param links          spans of this or other traces the span is causally related to (a batch's inputs)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Span(String tenant, String id, long timestamp, long durationMicros, String service, String node,
                   String environment, String traceId, String spanId, String parentSpanId, String operation,
                   SpanKind spanKind, Status status, String peerService, Map<String, String> attributes,
                   String traceState, @JsonInclude(JsonInclude.Include.NON_EMPTY) List<Event> events,
                   @JsonInclude(JsonInclude.Include.NON_EMPTY) List<Link> links)
        implements TraceItem {

    public Span {
        attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
        spanKind = spanKind == null ? SpanKind.INTERNAL : spanKind;
        status = status == null ? Status.UNSET : status;
        events = events == null ? List.of() : List.copyOf(events);
        links = links == null ? List.of() : List.copyOf(links);
    }

    /** A span without trace state, events or links. */
    public Span(String tenant, String id, long timestamp, long durationMicros, String service, String node,
                String environment, String traceId, String spanId, String parentSpanId, String operation,
                SpanKind spanKind, Status status, String peerService, Map<String, String> attributes) {
        this(tenant, id, timestamp, durationMicros, service, node, environment, traceId, spanId, parentSpanId,
                operation, spanKind, status, peerService, attributes, null, null, null);
    }

    @Override
    public Span withTenant(String tenant) {
        return new Span(tenant, id, timestamp, durationMicros, service, node, environment, traceId, spanId,
                parentSpanId, operation, spanKind, status, peerService, attributes, traceState, events, links);
    }

    /**
     * Something that happened at one moment of a span, such as an exception (OpenTelemetry's span event, Zipkin's
     * annotation).
     *
     * @param timestamp microseconds since the Unix epoch
     */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record Event(long timestamp, String name, Map<String, String> attributes) {
        public Event {
            attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
        }
    }

    /** A span this one is causally related to, in this trace or another (OpenTelemetry's span link). */
    @JsonInclude(JsonInclude.Include.NON_EMPTY)
    public record Link(String traceId, String spanId, String traceState, Map<String, String> attributes) {
        public Link {
            attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
        }
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
