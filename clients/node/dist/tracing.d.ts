import type { ConnectionHandler, Frame, ManagedConnection } from "./connection.js";
import { type HeaderSource, type SpanContext } from "./context.js";
import type { Node } from "./policy.js";
export type Level = "trace" | "debug" | "info" | "warn" | "error" | "fatal";
export type SpanKind = "internal" | "server" | "client" | "producer" | "consumer";
export type SpanStatus = "unset" | "ok" | "error";
export type Attributes = Record<string, string>;
/** A trace item as docs/protocol.md, section 5, has it. */
export type TraceItem = Record<string, unknown> & {
    kind: "log" | "span" | "outcome";
};
export interface TracingSettings {
    /** This process's service, environment and node, stamped on its items. */
    readonly service: string | null;
    readonly environment: string | null;
    readonly nodeId: string | null;
    /** Items held while they wait to be sent; when full the oldest go and the next batch reports them. */
    readonly bufferSize: number;
    /** How often buffered items leave at the latest. */
    readonly batchIntervalMs: number;
    readonly onError: (error: Error) => void;
}
/** A span in progress. Set attributes and status while it runs; {@link end} records it (once). */
export declare class Span {
    private readonly tracing;
    readonly context: SpanContext;
    readonly parentSpanId: string | null;
    private operation;
    readonly kind: SpanKind;
    private readonly startMicros;
    private readonly startNanos;
    private readonly attributes;
    private readonly events;
    private status;
    private ended;
    /** @internal */
    constructor(tracing: Tracing, context: SpanContext, parentSpanId: string | null, operation: string, kind: SpanKind);
    /** The operation's name (at most 100 characters are sent). */
    get name(): string;
    /** Renames the operation, such as once a request's route is known. */
    setOperation(operation: string): this;
    setAttribute(key: string, value: string | number | boolean): this;
    /** Marks the operation as succeeded (`ok`) or failed (`error`). */
    setStatus(status: SpanStatus): this;
    /** Something that happened during the span. */
    addEvent(name: string, attributes?: Attributes): this;
    /** Records an exception as an event and sets the status to error. */
    recordException(error: unknown): this;
    /** Ends the span now and queues it; later calls do nothing. */
    end(): void;
}
export interface SpanOptions {
    readonly kind?: SpanKind;
    /** The parent: by default the current span, else a new trace starts. */
    readonly parent?: SpanContext | null;
    readonly attributes?: Record<string, string | number | boolean>;
}
/**
 * Logs, spans and call outcomes, sent in the background. Every call here only builds an item and puts it in a
 * bounded buffer: it never blocks and never throws for the network. Items leave in batches; the server's ack
 * removes a batch, one not acknowledged is sent again after a reconnect (item ids make that safe), and a batch the
 * server pushes back or refuses for a rate is sent again after the pause it asks for.
 */
export declare class Tracing implements ConnectionHandler {
    private readonly settings;
    private readonly storage;
    private readonly buffer;
    private connection;
    private readonly unacked;
    private flushWaiters;
    private nextSeq;
    private maxInFlight;
    private maxItems;
    private maxFrameBytes;
    private generation;
    private pausedUntil;
    private sendQueued;
    private readonly timer;
    private rejectedTotal;
    constructor(settings: TracingSettings);
    attach(connection: ManagedConnection): void;
    /** Records a log line, attached to the current span if there is one. */
    log(level: Level, message: string, attributes?: Attributes, category?: string): void;
    /** Starts a span, a child of `options.parent` or of the current span, else the root of a new trace. It is not made current: see {@link withSpan}. */
    startSpan(operation: string, options?: SpanOptions): Span;
    /**
     * Runs `fn` with a new span current (logs and child spans made inside, across awaits, attach to it) and ends
     * the span when `fn` returns or its promise settles; a throw or rejection marks it as an error and is passed on.
     */
    withSpan<T>(operation: string, fn: (span: Span) => T, options?: SpanOptions): T;
    /** Runs `fn` with `context` as the current span context (a span made elsewhere, say). */
    runWithContext<T>(context: SpanContext | null, fn: () => T): T;
    /** The current span's context, or undefined. */
    current(): SpanContext | undefined;
    /** Adds `traceparent` (and `tracestate`) of the current span to outgoing headers; nothing if there is none. */
    inject<H extends Headers | Record<string, string>>(headers: H, context?: SpanContext | undefined): H;
    /** The trace context of an incoming request from its headers, or null if it has none or it is invalid. */
    extract(headers: HeaderSource): SpanContext | null;
    /** Records how a call to a node went (what `report` on discovery does too). */
    outcome(callee: Node, success: boolean, latencyMs: number): void;
    /**
     * Records a finished span made elsewhere (by OpenTelemetry, say), as it is. Its service, node and environment
     * default to this client's.
     */
    recordSpan(span: TraceItem): void;
    /** Items dropped so far because the buffer was full. */
    dropped(): number;
    /** Items waiting in the buffer, and batches sent and not yet acknowledged. */
    pending(): {
        buffered: number;
        unacknowledgedBatches: number;
    };
    /** Items the server rejected for breaking a rule (each reported to `onError`). */
    rejected(): number;
    /** Sends what is buffered and resolves once the server acknowledged it all; rejects after `deadlineMs`. */
    flush(deadlineMs?: number): Promise<void>;
    close(): void;
    /** @internal Puts an item in the buffer, stamped with this process's identity; never blocks or throws. */
    record(item: TraceItem): void;
    opened(answer: Frame): void;
    lost(): void;
    frame(frame: Frame): void;
    /**
     * A batch the server could not store (`unavailable`, a full buffer pushing back, a rate quota) stays
     * unacknowledged and goes again after the pause the server asks for (`retryAfterMs`, else a second); no new
     * batch goes meanwhile, since the server would not read it.
     */
    private refused;
    private idle;
    private sendBatches;
    /** The next batch as a frame within the server's item and byte limits, or null if nothing could be taken. */
    private nextBatch;
}
