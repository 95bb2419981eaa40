import type { TraceItem, Tracing } from "./tracing.js";
type HrTime = [number, number];
interface OtelSpanContext {
    traceId: string;
    spanId: string;
    traceState?: {
        serialize(): string;
    };
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
    readonly status: {
        code: number;
        message?: string;
    };
    readonly attributes: Record<string, unknown>;
    readonly links: {
        context: OtelSpanContext;
        attributes?: Record<string, unknown>;
    }[];
    readonly events: {
        name: string;
        time: HrTime;
        attributes?: Record<string, unknown>;
    }[];
    readonly resource: {
        attributes: Record<string, unknown>;
    };
    readonly instrumentationScope?: {
        name: string;
    };
    readonly instrumentationLibrary?: {
        name: string;
    };
    readonly droppedAttributesCount?: number;
}
/** ExportResultCode of @opentelemetry/core: 0 success, 1 failed. */
interface ExportResult {
    code: 0 | 1;
    error?: Error;
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
export declare class SwitchboardSpanExporter {
    private readonly tracing;
    private readonly flushDeadlineMs;
    constructor(tracing: Tracing, flushDeadlineMs?: number);
    export(spans: OtelReadableSpan[], resultCallback: (result: ExportResult) => void): void;
    /** Sends what is buffered and waits for the server's acks (at most the flush deadline). */
    forceFlush(): Promise<void>;
    shutdown(): Promise<void>;
    /** The trace item of an SDK span. */
    static item(s: OtelReadableSpan): TraceItem;
}
export {};
