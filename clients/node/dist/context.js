import { randomBytes, randomUUID } from "node:crypto";
export const TRACEPARENT = "traceparent";
export const TRACESTATE = "tracestate";
/** W3C allows 32 list members; a tracestate over this many characters is dropped (as the Java client does). */
export const MAX_TRACE_STATE = 512;
const PARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;
const ZEROS = /^0+$/;
/** The `traceparent` header value (version 00) of a context. */
export function traceparent(c) {
    return `00-${c.traceId}-${c.spanId}-${c.sampled ? "01" : "00"}`;
}
/**
 * Parses `traceparent` and `tracestate`; null when the traceparent is absent or invalid (a new trace starts rather
 * than the request failing, as the W3C spec asks). An invalid tracestate is dropped and the traceparent kept.
 */
export function parseTraceContext(parent, state) {
    if (typeof parent !== "string") {
        return null;
    }
    const m = PARENT.exec(parent.trim().toLowerCase());
    if (m === null || m[1] === "ff" || (m[1] === "00" && m[5] !== undefined) || ZEROS.test(m[2]) || ZEROS.test(m[3])) {
        return null;
    }
    const traceState = validTraceState(state);
    return { traceId: m[2], spanId: m[3], sampled: (parseInt(m[4], 16) & 1) === 1,
        ...(traceState === undefined ? {} : { traceState }) };
}
/** The trace state if W3C allows it in size and characters (printable ASCII `key=value` members), else undefined. */
export function validTraceState(s) {
    if (typeof s !== "string") {
        return undefined;
    }
    const t = s.trim();
    if (t.length === 0 || t.length > MAX_TRACE_STATE) {
        return undefined;
    }
    let members = 0;
    for (const member of t.split(",")) {
        const m = member.trim();
        if (m.length === 0) {
            continue; // empty list members are allowed and ignored
        }
        const eq = m.indexOf("=");
        if (eq <= 0 || eq === m.length - 1 || ++members > 32 || !/^[\x20-\x7e]*$/.test(m)) {
            return undefined;
        }
    }
    return members === 0 ? undefined : t;
}
/** Reads one header by name, in any case; the first value of a repeated one. */
export function header(headers, name) {
    if (typeof headers.get === "function") {
        return headers.get(name) ?? undefined;
    }
    const record = headers;
    const key = Object.keys(record).find((k) => k.toLowerCase() === name);
    const value = key === undefined ? undefined : record[key];
    return Array.isArray(value) ? value[0] : value;
}
// Ids come from a pool of random bytes refilled in blocks: a span or item id then costs no system call.
const POOL_SIZE = 8_192;
let pool = randomBytes(POOL_SIZE);
let offset = 0;
function randomHex(bytes) {
    for (;;) {
        if (offset + bytes > POOL_SIZE) {
            pool = randomBytes(POOL_SIZE);
            offset = 0;
        }
        const hex = pool.toString("hex", offset, offset + bytes);
        offset += bytes;
        if (!ZEROS.test(hex)) {
            return hex;
        }
    }
}
/** A new trace id: 32 lowercase hex digits, not all zero. */
export function newTraceId() {
    return randomHex(16);
}
/** A new span id: 16 lowercase hex digits, not all zero. */
export function newSpanId() {
    return randomHex(8);
}
/** A new item id, so that an item sent again is recognised and stored once. */
export function newItemId() {
    return randomUUID();
}
/** Now, in microseconds since the Unix epoch. */
export function nowMicros() {
    return Math.round((performance.timeOrigin + performance.now()) * 1_000);
}
