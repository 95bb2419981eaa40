package io.switchboard.client.otel;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.TraceState;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.data.EventData;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import io.switchboard.client.Tracing;
import io.switchboard.common.model.ModelFit;
import io.switchboard.common.model.Span;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * An OpenTelemetry {@link SpanExporter} that sends the SDK's spans through a Switchboard client's tracing
 * connection, into its bounded buffer: exporting never blocks the application, and the spans join the client's own
 * logs, spans and outcomes in the same batches. Add it to an {@code SdkTracerProvider} with a span processor:
 *
 * <pre>{@code
 * SdkTracerProvider.builder().addSpanProcessor(BatchSpanProcessor.builder(
 *         SwitchboardSpanExporter.create(switchboard.tracing())).build()).build();
 * }</pre>
 *
 * <p>The OpenTelemetry SDK is an optional dependency of the client: add {@code io.opentelemetry:opentelemetry-sdk-trace}
 * to use this class. A span keeps its ids, kind, status, attributes, events, links and trace state; the resource's
 * {@code service.name} and {@code deployment.environment} name its service and environment (else, as with the SDK's
 * default {@code unknown_service}, the client's own),
 * its other attributes are kept with the span. Its item id is derived from its trace and span ids, as the server's
 * OTLP receiver derives it, so a span reported both ways is stored once.
 */
public final class SwitchboardSpanExporter implements SpanExporter {
    private static final Duration FLUSH_DEADLINE = Duration.ofSeconds(10);
    private final Tracing tracing;

    private SwitchboardSpanExporter(Tracing tracing) {
        this.tracing = tracing;
    }

    public static SwitchboardSpanExporter create(Tracing tracing) {
        if (tracing == null) {
            throw new IllegalArgumentException("tracing must not be null: pass switchboard.tracing()");
        }
        return new SwitchboardSpanExporter(tracing);
    }

    @Override
    public CompletableResultCode export(Collection<SpanData> spans) {
        for (SpanData span : spans) {
            tracing.recordSpan(span(span));
        }
        return CompletableResultCode.ofSuccess();
    }

    /** Sends what is buffered and waits for the server's acks, at most ten seconds. */
    @Override
    public CompletableResultCode flush() {
        CompletableResultCode result = new CompletableResultCode();
        tracing.flush(FLUSH_DEADLINE).whenComplete((v, e) -> {
            if (e == null) {
                result.succeed();
            } else {
                result.fail();
            }
        });
        return result;
    }

    @Override
    public CompletableResultCode shutdown() {
        return flush();
    }

    static Span span(SpanData s) {
        ModelFit.Attributes attrs = new ModelFit.Attributes();
        String service = null;
        String environment = null;
        for (var e : s.getResource().getAttributes().asMap().entrySet()) {
            String key = e.getKey().getKey();
            String value = String.valueOf(e.getValue());
            switch (key) {
                // The SDK's default when none was configured: this client's own service then.
                case "service.name" -> service = value.startsWith("unknown_service") ? null : ModelFit.name(value);
                case "deployment.environment.name", "deployment.environment" -> environment = ModelFit.name(value);
                default -> attrs.put(key, value);
            }
        }
        if (!s.getInstrumentationScopeInfo().getName().isEmpty()) {
            attrs.put("otel.scope.name", s.getInstrumentationScopeInfo().getName());
        }
        // Before the span's own attributes, so that many of them cannot crowd out why it failed.
        if (!s.getStatus().getDescription().isEmpty()) {
            attrs.put("otel.status_description", s.getStatus().getDescription());
        }
        String peer = s.getAttributes().get(AttributeKey.stringKey("peer.service"));
        s.getAttributes().forEach((k, v) -> attrs.put(k.getKey(), String.valueOf(v)));
        attrs.dropped(s.getTotalAttributeCount() - s.getAttributes().size());
        Span.Status status = switch (s.getStatus().getStatusCode()) {
            case OK -> Span.Status.OK;
            case ERROR -> Span.Status.ERROR;
            default -> Span.Status.UNSET;
        };
        Span.SpanKind kind = switch (s.getKind()) {
            case SERVER -> Span.SpanKind.SERVER;
            case CLIENT -> Span.SpanKind.CLIENT;
            case PRODUCER -> Span.SpanKind.PRODUCER;
            case CONSUMER -> Span.SpanKind.CONSUMER;
            default -> Span.SpanKind.INTERNAL;
        };
        List<Span.Event> events = new ArrayList<>();
        for (EventData e : s.getEvents()) {
            if (events.size() == io.switchboard.common.model.EventValidator.MAX_SPAN_EVENTS) {
                break;
            }
            ModelFit.Attributes ea = new ModelFit.Attributes();
            e.getAttributes().forEach((k, v) -> ea.put(k.getKey(), String.valueOf(v)));
            events.add(new Span.Event(e.getEpochNanos() / 1_000, ModelFit.label(e.getName(), "event"), ea.build()));
        }
        List<Span.Link> links = new ArrayList<>();
        for (LinkData l : s.getLinks()) {
            if (!l.getSpanContext().isValid() || links.size() == io.switchboard.common.model.EventValidator.MAX_SPAN_EVENTS) {
                continue;
            }
            ModelFit.Attributes la = new ModelFit.Attributes();
            l.getAttributes().forEach((k, v) -> la.put(k.getKey(), String.valueOf(v)));
            links.add(new Span.Link(l.getSpanContext().getTraceId(), l.getSpanContext().getSpanId(),
                    traceState(l.getSpanContext().getTraceState()), la.build()));
        }
        SpanContext parent = s.getParentSpanContext();
        return new Span(null, s.getTraceId().substring(16) + s.getSpanId(), s.getStartEpochNanos() / 1_000,
                Math.max(0, (s.getEndEpochNanos() - s.getStartEpochNanos()) / 1_000), service, null, environment,
                s.getTraceId(), s.getSpanId(), parent.isValid() ? parent.getSpanId() : null,
                ModelFit.label(s.getName(), "unnamed"), kind, status, peer == null ? null : ModelFit.name(peer),
                attrs.build(), traceState(s.getSpanContext().getTraceState()), events, links);
    }

    /** The W3C {@code tracestate} header value of a trace state, or null when it is empty or too long. */
    private static String traceState(TraceState state) {
        if (state.isEmpty()) {
            return null;
        }
        StringBuilder b = new StringBuilder();
        state.forEach((k, v) -> b.append(b.isEmpty() ? "" : ",").append(k).append('=').append(v));
        return b.length() > io.switchboard.client.SpanContext.MAX_TRACE_STATE ? null : b.toString();
    }
}
