package io.switchboard.client.internal;

import io.switchboard.client.ActiveSpan;
import io.switchboard.client.Scope;
import io.switchboard.client.SpanContext;
import io.switchboard.common.model.Span;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/** A span in progress; {@link #end()} turns it into a {@link Span} item in the tracing buffer. */
final class SpanImpl implements ActiveSpan {
    private final TracingClient tracing;
    private final SpanContext context;
    private final String parentSpanId;
    private final String operation;
    private final Span.SpanKind kind;
    private final long startMicros = Ids.nowMicros();
    private final long startNanos = System.nanoTime();
    private final Map<String, String> attributes = new LinkedHashMap<>();
    private final AtomicBoolean ended = new AtomicBoolean();
    private volatile Span.Status status = Span.Status.UNSET;
    private volatile String peerService;

    SpanImpl(TracingClient tracing, SpanContext context, String parentSpanId, String operation, Span.SpanKind kind) {
        this.tracing = tracing;
        this.context = context;
        this.parentSpanId = parentSpanId;
        this.operation = operation;
        this.kind = kind;
    }

    @Override
    public SpanContext context() {
        return context;
    }

    @Override
    public synchronized ActiveSpan attribute(String key, String value) {
        if (key != null && value != null) {
            if ("peer.service".equals(key)) {
                peerService = value;
            }
            attributes.put(key, value);
        }
        return this;
    }

    @Override
    public ActiveSpan status(boolean ok) {
        status = ok ? Span.Status.OK : Span.Status.ERROR;
        return this;
    }

    @Override
    public Scope makeCurrent() {
        return tracing.makeCurrent(context);
    }

    @Override
    public void end() {
        if (!ended.compareAndSet(false, true)) {
            return;
        }
        long duration = Math.max(0, (System.nanoTime() - startNanos) / 1_000);
        Map<String, String> attrs;
        synchronized (this) {
            attrs = Map.copyOf(attributes);
        }
        tracing.record(new Span(null, Ids.id128(), startMicros, duration, tracing.service(), tracing.nodeId(),
                tracing.environment(), context.traceId(), context.spanId(), parentSpanId, operation, kind, status,
                peerService, attrs, context.traceState(), null, null));
    }
}
