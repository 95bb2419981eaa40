import { AsyncLocalStorage } from "node:async_hooks";
import { header, newItemId, newSpanId, newTraceId, nowMicros, parseTraceContext, traceparent, TRACEPARENT, TRACESTATE, } from "./context.js";
import { fitAttributes, fitLabel } from "./fit.js";
import { holdUntilSettled } from "./keepalive.js";
const BATCH = 1_000;
const MAX_MESSAGE = 32_768;
/** A bounded queue of items that never blocks: adding to a full one drops the oldest and counts it. */
class EventBuffer {
    capacity;
    slots;
    head = 0;
    count = 0;
    droppedSinceTaken = 0;
    droppedTotal = 0;
    constructor(capacity) {
        this.capacity = capacity;
        this.slots = new Array(capacity);
    }
    get size() {
        return this.count;
    }
    add(item) {
        if (this.count === this.capacity) {
            this.head = (this.head + 1) % this.capacity;
            this.count--;
            this.droppedSinceTaken++;
            this.droppedTotal++;
        }
        this.slots[(this.head + this.count) % this.capacity] = item;
        return ++this.count;
    }
    poll() {
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
    putBack(item) {
        if (this.count === this.capacity) {
            return;
        }
        this.head = (this.head - 1 + this.capacity) % this.capacity;
        this.slots[this.head] = item;
        this.count++;
    }
    takeDropped() {
        const d = this.droppedSinceTaken;
        this.droppedSinceTaken = 0;
        return d;
    }
}
/** A span in progress. Set attributes and status while it runs; {@link end} records it (once). */
export class Span {
    tracing;
    context;
    parentSpanId;
    operation;
    kind;
    startMicros = nowMicros();
    startNanos = process.hrtime.bigint();
    attributes = {};
    events = [];
    status = "unset";
    ended = false;
    /** @internal */
    constructor(tracing, context, parentSpanId, operation, kind) {
        this.tracing = tracing;
        this.context = context;
        this.parentSpanId = parentSpanId;
        this.operation = operation;
        this.kind = kind;
    }
    /** The operation's name (at most 100 characters are sent). */
    get name() {
        return this.operation;
    }
    /** Renames the operation, such as once a request's route is known. */
    setOperation(operation) {
        this.operation = operation;
        return this;
    }
    setAttribute(key, value) {
        this.attributes[key] = String(value);
        return this;
    }
    /** Marks the operation as succeeded (`ok`) or failed (`error`). */
    setStatus(status) {
        this.status = status;
        return this;
    }
    /** Something that happened during the span. */
    addEvent(name, attributes) {
        if (this.events.length < 128) {
            this.events.push({ timestamp: nowMicros(), name: fitLabel(name, "event"),
                ...(attributes ? { attributes: fitAttributes(attributes) } : {}) });
        }
        return this;
    }
    /** Records an exception as an event and sets the status to error. */
    recordException(error) {
        const e = error instanceof Error ? error : new Error(String(error));
        this.status = "error";
        return this.addEvent("exception", { "exception.type": e.name, "exception.message": e.message.substring(0, 1_024) });
    }
    /** Ends the span now and queues it; later calls do nothing. */
    end() {
        if (this.ended) {
            return;
        }
        this.ended = true;
        const durationMicros = Number((process.hrtime.bigint() - this.startNanos) / 1000n);
        const item = {
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
/**
 * Logs, spans and call outcomes, sent in the background. Every call here only builds an item and puts it in a
 * bounded buffer: it never blocks and never throws for the network. Items leave in batches; the server's ack
 * removes a batch, one not acknowledged is sent again after a reconnect (item ids make that safe), and a batch the
 * server pushes back or refuses for a rate is sent again after the pause it asks for.
 */
export class Tracing {
    settings;
    storage = new AsyncLocalStorage();
    buffer;
    connection;
    unacked = new Map();
    flushWaiters = [];
    nextSeq = 1;
    maxInFlight = 8;
    maxItems = BATCH;
    maxFrameBytes = 1 << 20;
    generation = 0;
    pausedUntil = 0;
    sendQueued = false;
    timer;
    rejectedTotal = 0;
    constructor(settings) {
        this.settings = settings;
        this.buffer = new EventBuffer(settings.bufferSize);
        this.timer = setInterval(() => this.sendBatches(), settings.batchIntervalMs);
        this.timer.unref();
    }
    attach(connection) {
        this.connection = connection;
    }
    /** Records a log line, attached to the current span if there is one. */
    log(level, message, attributes, category) {
        const ctx = this.storage.getStore();
        const item = { kind: "log", level, message: String(message).substring(0, MAX_MESSAGE) };
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
    startSpan(operation, options = {}) {
        const parent = options.parent === undefined ? this.current() : options.parent ?? undefined;
        const context = parent === undefined
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
    withSpan(operation, fn, options = {}) {
        const span = this.startSpan(operation, options);
        const fail = (e) => {
            span.recordException(e);
            span.end();
            throw e;
        };
        return this.storage.run(span.context, () => {
            let result;
            try {
                result = fn(span);
            }
            catch (e) {
                return fail(e);
            }
            if (result instanceof Promise) {
                return result.then((v) => {
                    span.end();
                    return v;
                }, fail);
            }
            span.end();
            return result;
        });
    }
    /** Runs `fn` with `context` as the current span context (a span made elsewhere, say). */
    runWithContext(context, fn) {
        return context === null ? fn() : this.storage.run(context, fn);
    }
    /** The current span's context, or undefined. */
    current() {
        return this.storage.getStore();
    }
    /** Adds `traceparent` (and `tracestate`) of the current span to outgoing headers; nothing if there is none. */
    inject(headers, context = this.current()) {
        if (context !== undefined) {
            const set = (name, value) => {
                if (typeof headers.set === "function") {
                    headers.set(name, value);
                }
                else {
                    headers[name] = value;
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
    extract(headers) {
        return parseTraceContext(header(headers, TRACEPARENT), header(headers, TRACESTATE));
    }
    /** Records how a call to a node went (what `report` on discovery does too). */
    outcome(callee, success, latencyMs) {
        const ctx = this.storage.getStore();
        // The callee's version and environment let routing count each version's health (canaries).
        const item = { kind: "outcome", calleeService: callee.service, calleeNode: callee.id,
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
    recordSpan(span) {
        this.record({ ...span, kind: "span" });
    }
    /** Items dropped so far because the buffer was full. */
    dropped() {
        return this.buffer.droppedTotal;
    }
    /** Items waiting in the buffer, and batches sent and not yet acknowledged. */
    pending() {
        return { buffered: this.buffer.size, unacknowledgedBatches: this.unacked.size };
    }
    /** Items the server rejected for breaking a rule (each reported to `onError`). */
    rejected() {
        return this.rejectedTotal;
    }
    /** Sends what is buffered and resolves once the server acknowledged it all; rejects after `deadlineMs`. */
    flush(deadlineMs = 5_000) {
        this.sendBatches();
        if (this.idle()) {
            return Promise.resolve();
        }
        return holdUntilSettled(new Promise((resolve, reject) => {
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
    close() {
        clearInterval(this.timer);
    }
    /** @internal Puts an item in the buffer, stamped with this process's identity; never blocks or throws. */
    record(item) {
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
    opened(answer) {
        const limits = (answer.limits ?? {});
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
    lost() {
        this.generation++;
    }
    frame(frame) {
        if (frame.type === "ack") {
            this.unacked.delete(Number(frame.seq));
            const rejected = frame.rejected ?? [];
            if (rejected.length > 0) {
                this.rejectedTotal += rejected.length;
                this.settings.onError(new Error(`the server rejected ${rejected.length} item(s) of batch ${String(frame.seq)}: `
                    + `${rejected[0].reason ?? "no reason given"}`));
            }
            this.sendBatches();
        }
        else if (frame.type === "error") {
            this.refused(frame);
        }
    }
    /**
     * A batch the server could not store (`unavailable`, a full buffer pushing back, a rate quota) stays
     * unacknowledged and goes again after the pause the server asks for (`retryAfterMs`, else a second); no new
     * batch goes meanwhile, since the server would not read it.
     */
    refused(error) {
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
    idle() {
        return this.unacked.size === 0 && this.buffer.size === 0;
    }
    sendBatches() {
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
    nextBatch(seq) {
        // Room for the frame's head ({"type":"events","seq":...,"dropped":...,"items":[) and its end.
        const budget = this.maxFrameBytes - 128;
        let bytes = 0;
        const parts = [];
        let item;
        while (parts.length < Math.min(BATCH, this.maxItems) && (item = this.buffer.poll()) !== undefined) {
            let json;
            try {
                json = JSON.stringify(item);
            }
            catch {
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
