import { AsyncLocalStorage } from "node:async_hooks";
import type { ConnectionHandler, Frame, ManagedConnection } from "./connection.js";
import {
  header, newItemId, newSpanId, newTraceId, nowMicros, parseTraceContext, traceparent, TRACEPARENT, TRACESTATE,
  type HeaderSource, type SpanContext,
} from "./context.js";
import { fitAttributes, fitLabel } from "./fit.js";
import { holdUntilSettled } from "./keepalive.js";
import type { Node } from "./policy.js";

export type Level = "trace" | "debug" | "info" | "warn" | "error" | "fatal";
export type SpanKind = "internal" | "server" | "client" | "producer" | "consumer";
export type SpanStatus = "unset" | "ok" | "error";
export type Attributes = Record<string, string>;

/** A trace item as docs/protocol.md, section 5, has it. */
export type TraceItem = Record<string, unknown> & { kind: "log" | "span" | "outcome" };

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

const BATCH = 1_000;
const MAX_MESSAGE = 32_768;

/** A bounded queue of items that never blocks: adding to a full one drops the oldest and counts it. */
class EventBuffer {
  private readonly slots: (TraceItem | undefined)[];
  private head = 0;
  private count = 0;
  private droppedSinceTaken = 0;
  droppedTotal = 0;

  constructor(private readonly capacity: number) {
    this.slots = new Array<TraceItem | undefined>(capacity);
  }

  get size(): number {
    return this.count;
  }

  add(item: TraceItem): number {
    if (this.count === this.capacity) {
      this.head = (this.head + 1) % this.capacity;
      this.count--;
      this.droppedSinceTaken++;
      this.droppedTotal++;
    }
    this.slots[(this.head + this.count) % this.capacity] = item;
    return ++this.count;
  }

  poll(): TraceItem | undefined {
    if (this.count === 0) {
      return undefined;
    }
    const item = this.slots[this.head];
    this.slots[this.head] = undefined;
    this.head = (this.head + 1) % this.capacity;
    this.count--;
    return item;
  }

  /** Puts back an item just polled, at the front (it did not fit the batch). */
  putBack(item: TraceItem): void {
    if (this.count === this.capacity) {
      return;
    }
    this.head = (this.head - 1 + this.capacity) % this.capacity;
    this.slots[this.head] = item;
    this.count++;
  }

  takeDropped(): number {
    const d = this.droppedSinceTaken;
    this.droppedSinceTaken = 0;
    return d;
  }
}

/** A span in progress. Set attributes and status while it runs; {@link end} records it (once). */
export class Span {
  private readonly startMicros = nowMicros();
  private readonly startNanos = process.hrtime.bigint();
  private readonly attributes: Attributes = {};
  private readonly events: { timestamp: number; name: string; attributes?: Attributes }[] = [];
  private status: SpanStatus = "unset";
  private ended = false;

  /** @internal */
  constructor(private readonly tracing: Tracing, readonly context: SpanContext, readonly parentSpanId: string | null,
              private operation: string, readonly kind: SpanKind) {}

  /** The operation's name (at most 100 characters are sent). */
  get name(): string {
    return this.operation;
  }

  /** Renames the operation, such as once a request's route is known. */
  setOperation(operation: string): this {
    this.operation = operation;
    return this;
  }

  setAttribute(key: string, value: string | number | boolean): this {
    this.attributes[key] = String(value);
    return this;
  }

  /** Marks the operation as succeeded (`ok`) or failed (`error`). */
  setStatus(status: SpanStatus): this {
    this.status = status;
    return this;
  }

  /** Something that happened during the span. */
  addEvent(name: string, attributes?: Attributes): this {
    if (this.events.length < 128) {
      this.events.push({ timestamp: nowMicros(), name: fitLabel(name, "event"),
        ...(attributes ? { attributes: fitAttributes(attributes) } : {}) });
    }
    return this;
  }

  /** Records an exception as an event and sets the status to error. */
  recordException(error: unknown): this {
    const e = error instanceof Error ? error : new Error(String(error));
    this.status = "error";
    return this.addEvent("exception", { "exception.type": e.name, "exception.message": e.message.substring(0, 1_024) });
  }

  /** Ends the span now and queues it; later calls do nothing. */
  end(): void {
    if (this.ended) {
      return;
    }
    this.ended = true;
    const durationMicros = Number((process.hrtime.bigint() - this.startNanos) / 1_000n);
    const item: TraceItem = {
      kind: "span", timestamp: this.startMicros, durationMicros,
      traceId: this.context.traceId, spanId: this.context.spanId, operation: fitLabel(this.operation, "unnamed"),
      spanKind: this.kind, status: this.status, attributes: fitAttributes(this.attributes),
    };
    if (this.parentSpanId !== null) {
      item.parentSpanId = this.parentSpanId;
    }
    if (this.context.traceState !== undefined) {
      item.traceState = this.context.traceState;
    }
    const peer = this.attributes["peer.service"];
    if (peer !== undefined) {
      item.peerService = peer;
    }
    if (this.events.length > 0) {
      item.events = this.events;
    }
    this.tracing.record(item);
  }
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
export class Tracing implements ConnectionHandler {
  private readonly storage = new AsyncLocalStorage<SpanContext>();
  private readonly buffer: EventBuffer;
  private connection!: ManagedConnection;
  private readonly unacked = new Map<number, string>();
  private flushWaiters: (() => void)[] = [];
  private nextSeq = 1;
  private maxInFlight = 8;
  private maxItems = BATCH;
  private maxFrameBytes = 1 << 20;
  private generation = 0;
  private pausedUntil = 0;
  private sendQueued = false;
  private readonly timer: NodeJS.Timeout;
  private rejectedTotal = 0;

  constructor(private readonly settings: TracingSettings) {
    this.buffer = new EventBuffer(settings.bufferSize);
    this.timer = setInterval(() => this.sendBatches(), settings.batchIntervalMs);
    this.timer.unref();
  }

  attach(connection: ManagedConnection): void {
    this.connection = connection;
  }

  /** Records a log line, attached to the current span if there is one. */
  log(level: Level, message: string, attributes?: Attributes, category?: string): void {
    const ctx = this.storage.getStore();
    const item: TraceItem = { kind: "log", level, message: String(message).substring(0, MAX_MESSAGE) };
    if (category !== undefined) {
      item.category = fitLabel(category, "default");
    }
    if (ctx !== undefined) {
      item.traceId = ctx.traceId;
      item.spanId = ctx.spanId;
    }
    if (attributes !== undefined) {
      item.attributes = fitAttributes(attributes);
    }
    this.record(item);
  }

  /** Starts a span, a child of `options.parent` or of the current span, else the root of a new trace. It is not made current: see {@link withSpan}. */
  startSpan(operation: string, options: SpanOptions = {}): Span {
    const parent = options.parent === undefined ? this.current() : options.parent ?? undefined;
    const context: SpanContext = parent === undefined
      ? { traceId: newTraceId(), spanId: newSpanId(), sampled: true }
      : { ...parent, spanId: newSpanId() };
    const span = new Span(this, context, parent?.spanId ?? null, operation, options.kind ?? "internal");
    for (const [k, v] of Object.entries(options.attributes ?? {})) {
      span.setAttribute(k, v);
    }
    return span;
  }

  /**
   * Runs `fn` with a new span current (logs and child spans made inside, across awaits, attach to it) and ends
   * the span when `fn` returns or its promise settles; a throw or rejection marks it as an error and is passed on.
   */
  withSpan<T>(operation: string, fn: (span: Span) => T, options: SpanOptions = {}): T {
    const span = this.startSpan(operation, options);
    const fail = (e: unknown) => {
      span.recordException(e);
      span.end();
      throw e;
    };
    return this.storage.run(span.context, () => {
      let result: T;
      try {
        result = fn(span);
      } catch (e) {
        return fail(e);
      }
      if (result instanceof Promise) {
        return result.then((v) => {
          span.end();
          return v;
        }, fail) as T;
      }
      span.end();
      return result;
    });
  }

  /** Runs `fn` with `context` as the current span context (a span made elsewhere, say). */
  runWithContext<T>(context: SpanContext | null, fn: () => T): T {
    return context === null ? fn() : this.storage.run(context, fn);
  }

  /** The current span's context, or undefined. */
  current(): SpanContext | undefined {
    return this.storage.getStore();
  }

  /** Adds `traceparent` (and `tracestate`) of the current span to outgoing headers; nothing if there is none. */
  inject<H extends Headers | Record<string, string>>(headers: H, context: SpanContext | undefined = this.current()): H {
    if (context !== undefined) {
      const set = (name: string, value: string) => {
        if (typeof (headers as Headers).set === "function") {
          (headers as Headers).set(name, value);
        } else {
          (headers as Record<string, string>)[name] = value;
        }
      };
      set(TRACEPARENT, traceparent(context));
      if (context.traceState !== undefined) {
        set(TRACESTATE, context.traceState);
      }
    }
    return headers;
  }

  /** The trace context of an incoming request from its headers, or null if it has none or it is invalid. */
  extract(headers: HeaderSource): SpanContext | null {
    return parseTraceContext(header(headers, TRACEPARENT), header(headers, TRACESTATE));
  }

  /** Records how a call to a node went (what `report` on discovery does too). */
  outcome(callee: Node, success: boolean, latencyMs: number): void {
    const ctx = this.storage.getStore();
    // The callee's version and environment let routing count each version's health (canaries).
    const item: TraceItem = { kind: "outcome", calleeService: callee.service, calleeNode: callee.id,
      calleeVersion: callee.version, calleeEnvironment: callee.environment, success,
      latencyMicros: Math.max(0, Math.round(latencyMs * 1_000)) };
    if (ctx !== undefined) {
      item.traceId = ctx.traceId;
    }
    this.record(item);
  }

  /**
   * Records a finished span made elsewhere (by OpenTelemetry, say), as it is. Its service, node and environment
   * default to this client's.
   */
  recordSpan(span: TraceItem): void {
    this.record({ ...span, kind: "span" });
  }

  /** Items dropped so far because the buffer was full. */
  dropped(): number {
    return this.buffer.droppedTotal;
  }

  /** Items waiting in the buffer, and batches sent and not yet acknowledged. */
  pending(): { buffered: number; unacknowledgedBatches: number } {
    return { buffered: this.buffer.size, unacknowledgedBatches: this.unacked.size };
  }

  /** Items the server rejected for breaking a rule (each reported to `onError`). */
  rejected(): number {
    return this.rejectedTotal;
  }

  /** Sends what is buffered and resolves once the server acknowledged it all; rejects after `deadlineMs`. */
  flush(deadlineMs = 5_000): Promise<void> {
    this.sendBatches();
    if (this.idle()) {
      return Promise.resolve();
    }
    return holdUntilSettled(new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.flushWaiters = this.flushWaiters.filter((w) => w !== done);
        reject(new Error(`flush: ${this.buffer.size} items buffered and ${this.unacked.size} batches unacknowledged `
          + `after ${deadlineMs} ms${this.connection.isOpen() ? "" : " (not connected to Switchboard)"}`));
      }, deadlineMs);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.flushWaiters.push(done);
    }));
  }

  close(): void {
    clearInterval(this.timer);
  }

  /** @internal Puts an item in the buffer, stamped with this process's identity; never blocks or throws. */
  record(item: TraceItem): void {
    item.id ??= newItemId();
    item.timestamp ??= nowMicros();
    if (item.service === undefined && this.settings.service !== null) {
      item.service = this.settings.service;
    }
    if (item.node === undefined && this.settings.nodeId !== null) {
      item.node = this.settings.nodeId;
    }
    if (item.environment === undefined && this.settings.environment !== null) {
      item.environment = this.settings.environment;
    }
    // A full batch leaves early, but only while connected: otherwise there is nothing to do until the reconnect.
    if (this.buffer.add(item) >= BATCH && !this.sendQueued && this.connection.isOpen()) {
      this.sendQueued = true;
      setImmediate(() => this.sendBatches());
    }
  }

  // ConnectionHandler

  opened(answer: Frame): void {
    const limits = (answer.limits ?? {}) as Record<string, number>;
    this.maxInFlight = limits.maxInFlight ?? 8;
    this.maxItems = limits.maxItemsPerBatch ?? BATCH;
    this.maxFrameBytes = limits.maxFrameBytes ?? 1 << 20;
    this.generation++;
    this.pausedUntil = 0;
    // What the last connection sent and the server did not acknowledge goes again, in order.
    for (const text of this.unacked.values()) {
      this.connection.send(text);
    }
    this.sendBatches();
  }

  lost(): void {
    this.generation++;
  }

  frame(frame: Frame): void {
    if (frame.type === "ack") {
      this.unacked.delete(Number(frame.seq));
      const rejected = (frame.rejected as { reason?: string }[] | undefined) ?? [];
      if (rejected.length > 0) {
        this.rejectedTotal += rejected.length;
        this.settings.onError(new Error(`the server rejected ${rejected.length} item(s) of batch ${String(frame.seq)}: `
          + `${rejected[0].reason ?? "no reason given"}`));
      }
      this.sendBatches();
    } else if (frame.type === "error") {
      this.refused(frame);
    }
  }

  /**
   * A batch the server could not store (`unavailable`, a full buffer pushing back, a rate quota) stays
   * unacknowledged and goes again after the pause the server asks for (`retryAfterMs`, else a second); no new
   * batch goes meanwhile, since the server would not read it.
   */
  private refused(error: Frame): void {
    const ref = typeof error.ref === "string" ? error.ref : "";
    if (!ref.startsWith("seq:")) {
      this.settings.onError(new Error(`tracing: ${String(error.code)}: ${String(error.message)}`));
      return;
    }
    const seq = Number(ref.substring(4));
    const text = this.unacked.get(seq);
    if (text === undefined) {
      return;
    }
    const pause = Math.max(1, Math.min(Number(error.retryAfterMs ?? 1_000) || 1_000, 60_000));
    this.pausedUntil = Math.max(this.pausedUntil, Date.now() + pause);
    const generation = this.generation;
    setTimeout(() => {
      // After a reconnect, opened() has already sent every unacknowledged batch again.
      if (generation === this.generation && this.unacked.has(seq)) {
        this.connection.send(text);
      }
    }, pause).unref();
  }

  private idle(): boolean {
    return this.unacked.size === 0 && this.buffer.size === 0;
  }

  private sendBatches(): void {
    this.sendQueued = false;
    if (this.connection.isOpen() && Date.now() >= this.pausedUntil) {
      while (this.unacked.size < this.maxInFlight && this.buffer.size > 0) {
        const text = this.nextBatch(this.nextSeq);
        if (text === null) {
          break;
        }
        this.unacked.set(this.nextSeq++, text);
        this.connection.send(text);
      }
    }
    if (this.idle() && this.flushWaiters.length > 0) {
      this.flushWaiters.splice(0).forEach((w) => w());
    }
  }

  /** The next batch as a frame within the server's item and byte limits, or null if nothing could be taken. */
  private nextBatch(seq: number): string | null {
    // Room for the frame's head ({"type":"events","seq":...,"dropped":...,"items":[) and its end.
    const budget = this.maxFrameBytes - 128;
    let bytes = 0;
    const parts: string[] = [];
    let item: TraceItem | undefined;
    while (parts.length < Math.min(BATCH, this.maxItems) && (item = this.buffer.poll()) !== undefined) {
      let json: string;
      try {
        json = JSON.stringify(item);
      } catch {
        continue; // an item that cannot be encoded is skipped rather than blocking the rest
      }
      const size = Buffer.byteLength(json) + 1;
      if (bytes + size > budget) {
        if (parts.length === 0) {
          this.rejectedTotal++;
          this.settings.onError(new Error(`an item of ${size} bytes cannot fit a frame of ${this.maxFrameBytes}; dropped`));
          continue;
        }
        this.buffer.putBack(item);
        break;
      }
      parts.push(json);
      bytes += size;
    }
    if (parts.length === 0) {
      return null;
    }
    return `{"type":"events","seq":${seq},"dropped":${this.buffer.takeDropped()},"items":[${parts.join(",")}]}`;
  }
}
