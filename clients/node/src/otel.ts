import { validTraceState } from "./context.js";
import { FittedAttributes, fitLabel, fitName, LIMITS } from "./fit.js";
import type { SpanKind, SpanStatus, TraceItem, Tracing } from "./tracing.js";

// The shapes of the OpenTelemetry JS SDK (1.x and 2.x) that the exporter reads, so that the client needs no
// OpenTelemetry package of its own.
type HrTime = [number, number];
interface OtelSpanContext {
  traceId: string;
  spanId: string;
  traceState?: { serialize(): string };
}
interface OtelReadableSpan {
  readonly name: string;
  readonly kind: number;
  spanContext(): OtelSpanContext;
  /** SDK 2.x */
  readonly parentSpanContext?: OtelSpanContext;
  /** SDK 1.x */
  readonly parentSpanId?: string;
  readonly startTime: HrTime;
  readonly endTime: HrTime;
  readonly status: { code: number; message?: string };
  readonly attributes: Record<string, unknown>;
  readonly links: { context: OtelSpanContext; attributes?: Record<string, unknown> }[];
  readonly events: { name: string; time: HrTime; attributes?: Record<string, unknown> }[];
  readonly resource: { attributes: Record<string, unknown> };
  readonly instrumentationScope?: { name: string };
  readonly instrumentationLibrary?: { name: string };
  readonly droppedAttributesCount?: number;
}
/** ExportResultCode of @opentelemetry/core: 0 success, 1 failed. */
interface ExportResult {
  code: 0 | 1;
  error?: Error;
}

const KINDS: SpanKind[] = ["internal", "server", "client", "producer", "consumer"];
const STATUSES: SpanStatus[] = ["unset", "ok", "error"];
const INVALID = /^0+$/;

function micros(t: HrTime): number {
  return t[0] * 1_000_000 + Math.floor(t[1] / 1_000);
}

function state(ctx: OtelSpanContext): string | undefined {
  return validTraceState(ctx.traceState?.serialize());
}

/**
 * An OpenTelemetry `SpanExporter` that sends the SDK's spans through a Switchboard client, into its bounded buffer:
 * exporting never waits for the network, and the spans join the client's own logs, spans and outcomes.
 *
 * ```ts
 * const provider = new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(new SwitchboardSpanExporter(sb.tracing))] });
 * ```
 *
 * A span keeps its ids, kind, status, attributes, events, links and trace state. The resource's `service.name` and
 * `deployment.environment(.name)` name its service and environment (else, as with the SDK's default
 * `unknown_service`, the client's own); its other attributes are kept with the span. Its item id is derived from its
 * trace and span ids, as the server's OTLP receiver and the Java exporter derive it, so a span reported twice is
 * stored once.
 */
export class SwitchboardSpanExporter {
  constructor(private readonly tracing: Tracing, private readonly flushDeadlineMs = 10_000) {}

  export(spans: OtelReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    for (const span of spans) {
      try {
        this.tracing.recordSpan(SwitchboardSpanExporter.item(span));
      } catch {
        // A span this exporter cannot read is skipped rather than failing the SDK's batch.
      }
    }
    resultCallback({ code: 0 });
  }

  /** Sends what is buffered and waits for the server's acks (at most the flush deadline). */
  forceFlush(): Promise<void> {
    return this.tracing.flush(this.flushDeadlineMs);
  }

  shutdown(): Promise<void> {
    return this.forceFlush();
  }

  /** The trace item of an SDK span. */
  static item(s: OtelReadableSpan): TraceItem {
    const attributes = new FittedAttributes();
    let service: string | null = null;
    let environment: string | null = null;
    for (const [key, value] of Object.entries(s.resource?.attributes ?? {})) {
      if (key === "service.name") {
        service = String(value).startsWith("unknown_service") ? null : fitName(String(value));
      } else if (key === "deployment.environment.name" || key === "deployment.environment") {
        environment = fitName(String(value));
      } else {
        attributes.put(key, value);
      }
    }
    const scope = (s.instrumentationScope ?? s.instrumentationLibrary)?.name;
    if (scope) {
      attributes.put("otel.scope.name", scope);
    }
    // Before the span's own attributes, so that many of them cannot crowd out why it failed.
    if (s.status?.message) {
      attributes.put("otel.status_description", s.status.message);
    }
    attributes.putAll(s.attributes).addDropped(s.droppedAttributesCount ?? 0);
    const ctx = s.spanContext();
    const parent = s.parentSpanContext?.spanId ?? s.parentSpanId;
    const item: TraceItem = {
      kind: "span",
      id: ctx.traceId.substring(16) + ctx.spanId,
      timestamp: micros(s.startTime),
      durationMicros: Math.max(0, micros(s.endTime) - micros(s.startTime)),
      traceId: ctx.traceId,
      spanId: ctx.spanId,
      operation: fitLabel(s.name, "unnamed"),
      spanKind: KINDS[s.kind] ?? "internal",
      status: STATUSES[s.status?.code ?? 0] ?? "unset",
      attributes: attributes.build(),
    };
    if (parent && !INVALID.test(parent)) {
      item.parentSpanId = parent;
    }
    if (service !== null) {
      item.service = service;
    }
    if (environment !== null) {
      item.environment = environment;
    }
    const peer = s.attributes?.["peer.service"];
    if (typeof peer === "string" && fitName(peer) !== null) {
      item.peerService = fitName(peer);
    }
    const traceState = state(ctx);
    if (traceState !== undefined) {
      item.traceState = traceState;
    }
    const events = (s.events ?? []).slice(0, LIMITS.spanEvents).map((e) => ({
      timestamp: micros(e.time), name: fitLabel(e.name, "event"),
      attributes: new FittedAttributes().putAll(e.attributes).build(),
    }));
    if (events.length > 0) {
      item.events = events;
    }
    const links = (s.links ?? []).filter((l) => !INVALID.test(l.context.traceId) && !INVALID.test(l.context.spanId))
      .slice(0, LIMITS.spanEvents).map((l) => {
        const link: Record<string, unknown> = { traceId: l.context.traceId, spanId: l.context.spanId,
          attributes: new FittedAttributes().putAll(l.attributes).build() };
        const ls = state(l.context);
        if (ls !== undefined) {
          link.traceState = ls;
        }
        return link;
      });
    if (links.length > 0) {
      item.links = links;
    }
    return item;
  }
}
