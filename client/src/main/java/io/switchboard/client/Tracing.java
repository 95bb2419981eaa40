package io.switchboard.client;

import io.switchboard.common.model.Level;
import io.switchboard.common.model.Node;
import io.switchboard.common.model.Span;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Logs, spans and call outcomes, sent to Switchboard in the background. Every call here costs a few microseconds
 * and does no I/O: items go into a bounded buffer (10,000 by default) and leave in batches; when the buffer is full
 * the oldest are dropped and the next batch tells the server how many.
 */
public interface Tracing {

    /** Records a log line, attached to the current span if there is one. */
    void log(Level level, String category, String message, Map<String, String> attributes);

    default void log(Level level, String category, String message) {
        log(level, category, message, Map.of());
    }

    /** Starts a span: a child of the current span, or of {@code parent} if given, else the root of a new trace. */
    ActiveSpan startSpan(String operation, Span.SpanKind kind, SpanContext parent);

    default ActiveSpan startSpan(String operation) {
        return startSpan(operation, Span.SpanKind.INTERNAL, null);
    }

    /** The current span's context on this thread, or null. */
    SpanContext current();

    /**
     * Adds {@code traceparent}, and {@code tracestate} if the trace carries one, for the current span to outgoing
     * request headers (nothing if no span is current).
     */
    default Map<String, String> inject(Map<String, String> headers) {
        SpanContext c = current();
        if (c != null) {
            headers.put(SpanContext.HEADER, c.traceparent());
            if (c.traceState() != null) {
                headers.put(SpanContext.STATE_HEADER, c.traceState());
            }
        }
        return headers;
    }

    /**
     * The trace context of an incoming request, from its {@code traceparent} and {@code tracestate} headers (names in
     * any case), to pass to {@link #startSpan}; null if there is none or it is invalid.
     */
    default SpanContext extract(Map<String, String> headers) {
        String parent = null;
        String state = null;
        for (Map.Entry<String, String> h : headers.entrySet()) {
            if (h.getKey() == null) {
                continue;
            }
            if (h.getKey().equalsIgnoreCase(SpanContext.HEADER)) {
                parent = h.getValue();
            } else if (h.getKey().equalsIgnoreCase(SpanContext.STATE_HEADER)) {
                state = h.getValue();
            }
        }
        return SpanContext.fromHeaders(parent, state);
    }

    /**
     * Records a span made elsewhere, finished, as it is (an OpenTelemetry span, say: see
     * {@code io.switchboard.client.otel.SwitchboardSpanExporter}). Its service, node and environment default to this
     * client's; the tenant is the token's. Never blocks.
     */
    void recordSpan(Span span);

    /** Records how a call to a node went (also what {@link Discovery#report} does). */
    void outcome(Node callee, boolean success, Duration latency);

    /** Items dropped so far because the buffer was full. */
    long dropped();

    /** Sends what is buffered and waits for the server to acknowledge it, at most {@code deadline}. */
    CompletableFuture<Void> flush(Duration deadline);
}
