export declare const TRACEPARENT = "traceparent";
export declare const TRACESTATE = "tracestate";
/** W3C allows 32 list members; a tracestate over this many characters is dropped (as the Java client does). */
export declare const MAX_TRACE_STATE = 512;
/**
 * The identity of a span within a trace, as W3C trace context carries it between services: `traceparent`
 * (`00-<32 hex trace id>-<16 hex span id>-<2 hex flags>`) and, with it, `tracestate` (passed on unchanged).
 */
export interface SpanContext {
    readonly traceId: string;
    readonly spanId: string;
    readonly sampled: boolean;
    readonly traceState?: string;
}
/** The `traceparent` header value (version 00) of a context. */
export declare function traceparent(c: SpanContext): string;
/**
 * Parses `traceparent` and `tracestate`; null when the traceparent is absent or invalid (a new trace starts rather
 * than the request failing, as the W3C spec asks). An invalid tracestate is dropped and the traceparent kept.
 */
export declare function parseTraceContext(parent: string | null | undefined, state?: string | null): SpanContext | null;
/** The trace state if W3C allows it in size and characters (printable ASCII `key=value` members), else undefined. */
export declare function validTraceState(s: string | null | undefined): string | undefined;
/** Headers in any of the shapes Node uses: a plain object (names in any case), or a Fetch API `Headers`. */
export type HeaderSource = Headers | Readonly<Record<string, string | readonly string[] | undefined>>;
/** Reads one header by name, in any case; the first value of a repeated one. */
export declare function header(headers: HeaderSource, name: string): string | undefined;
/** A new trace id: 32 lowercase hex digits, not all zero. */
export declare function newTraceId(): string;
/** A new span id: 16 lowercase hex digits, not all zero. */
export declare function newSpanId(): string;
/** A new item id, so that an item sent again is recognised and stored once. */
export declare function newItemId(): string;
/** Now, in microseconds since the Unix epoch. */
export declare function nowMicros(): number;
