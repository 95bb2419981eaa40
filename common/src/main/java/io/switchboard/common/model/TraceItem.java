package io.switchboard.common.model;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/**
 * One item a client sends to the tracing service: a log event, a span or a call outcome.
 *
 * <p>{@code id} is made by the client (UUID or 32 hex digits) so that a re-sent item is recognised downstream.
 * {@code tenant} is never read from the wire: the server sets it from the verified token.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "kind")
@JsonSubTypes({
        @JsonSubTypes.Type(value = LogEvent.class, name = "log"),
        @JsonSubTypes.Type(value = Span.class, name = "span"),
        @JsonSubTypes.Type(value = CallOutcome.class, name = "outcome")
})
public sealed interface TraceItem permits LogEvent, Span, CallOutcome {
    String tenant();

    String id();

    /** Microseconds since the Unix epoch: when the event happened, or when the span started. */
    long timestamp();

    String service();

    /** The trace the item belongs to (32 hex digits), or null. */
    String traceId();

    /** A copy with the tenant set; the only way a tenant gets into an item. */
    TraceItem withTenant(String tenant);
}
