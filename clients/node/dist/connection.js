import * as net from "node:net";
import * as tls from "node:tls";
import WebSocket from "ws";
/**
 * The reconnect delay after `failures` failed attempts in a row (docs/client-behaviour.md, section 5): the minimum,
 * doubled per failure up to the maximum, times a random factor from 0.5 to 1.5.
 */
export function reconnectDelay(failures, minMs, maxMs, random) {
    const base = Math.min(maxMs, minMs * 2 ** Math.min(failures, 30));
    return Math.round(base * (0.5 + random()));
}
/**
 * A protocol-1 session that stays up: it connects, sends `open`, and when the connection is lost it reconnects with
 * jittered exponential backoff, calling {@link ConnectionHandler.opened} after every handshake so that the owner
 * can resynchronise. Its sockets and timers are unref'd: it never keeps the process alive by itself.
 */
export class ManagedConnection {
    settings;
    handler;
    socket = null;
    open = false;
    closed = false;
    failures = 0;
    attempts = 0;
    timer = null;
    lostAt = null;
    closeWaiters = [];
    constructor(settings, handler) {
        this.settings = settings;
        this.handler = handler;
    }
    start() {
        void this.connect();
    }
    /** True from the server's `open` answer until the connection is lost. */
    isOpen() {
        return this.open;
    }
    /** Connection attempts made so far (for tests and diagnostics). */
    attemptCount() {
        return this.attempts;
    }
    /** When the connection was lost (ms since the epoch), or null while open or before it ever opened. */
    disconnectedSince() {
        return this.open ? null : this.lostAt;
    }
    /** Sends if open; returns false and sends nothing while disconnected, since `opened` resynchronises. */
    send(frame) {
        if (!this.open || this.socket === null) {
            return false;
        }
        this.socket.send(typeof frame === "string" ? frame : JSON.stringify(frame));
        return true;
    }
    /**
     * Ends the session gracefully: sends `close` and waits for the server to close (at most `deadlineMs`). The
     * server then knows this client left on purpose (on discovery it removes the connection's nodes at once).
     */
    async close(deadlineMs = 2_000) {
        this.closed = true;
        if (this.timer !== null) {
            clearTimeout(this.timer);
            this.timer = null;
        }
        const socket = this.socket;
        if (socket === null || socket.readyState === WebSocket.CLOSED) {
            return;
        }
        const done = new Promise((resolve) => this.closeWaiters.push(resolve));
        if (this.open) {
            socket.send(JSON.stringify({ type: "close" }));
        }
        else {
            socket.close(1000);
        }
        const timeout = new Promise((resolve) => setTimeout(resolve, deadlineMs).unref());
        await Promise.race([done, timeout]);
        if (socket.readyState !== WebSocket.CLOSED) {
            socket.terminate();
        }
    }
    async connect() {
        this.timer = null;
        if (this.closed) {
            return;
        }
        const endpoint = this.settings.endpoints[this.attempts++ % this.settings.endpoints.length];
        let token;
        try {
            const source = this.settings.token;
            token = typeof source === "function" ? await source() : source;
        }
        catch (e) {
            this.settings.onError(new Error(`the token callback failed: ${e.message}; trying again`));
            this.scheduleReconnect();
            return;
        }
        if (this.closed) {
            return;
        }
        const secure = endpoint.startsWith("wss:");
        const socket = new WebSocket(endpoint, {
            headers: { Authorization: `Bearer ${token}` },
            perMessageDeflate: false,
            handshakeTimeout: 10_000,
            // The client's sockets never keep the process alive on their own.
            createConnection: ((options) => {
                const s = secure ? tls.connect(options) : net.connect(options);
                s.unref();
                return s;
            }),
        });
        this.socket = socket;
        let opened = false;
        let retryAfterMs = 0;
        socket.on("unexpected-response", (_req, res) => {
            // A refused upgrade: 401/403 (token), 429 (connection quota, with Retry-After), 503 (keys unavailable).
            retryAfterMs = Number(res.headers["retry-after"] ?? 0) * 1_000;
            let body = "";
            res.setEncoding("utf8");
            res.on("data", (chunk) => {
                if (body.length < 4_096) {
                    body += chunk;
                }
            });
            res.on("end", () => {
                this.settings.onError(new Error(`${endpoint} refused the connection: HTTP ${res.statusCode} ${body.trim()}`));
                socket.terminate();
            });
            res.on("error", () => socket.terminate());
        });
        socket.on("open", () => {
            socket.send(JSON.stringify({ type: "open", protocol: 1, client: this.settings.clientName,
                features: this.settings.features }));
        });
        socket.on("message", (data, isBinary) => {
            if (isBinary) {
                return;
            }
            let frame;
            try {
                frame = JSON.parse(data.toString());
            }
            catch {
                return;
            }
            if (!opened) {
                if (frame.type === "open") {
                    opened = true;
                    this.open = true;
                    this.failures = 0;
                    this.lostAt = null;
                    this.safely(() => this.handler.opened(frame));
                }
                else if (frame.type === "error") {
                    this.settings.onError(new Error(`${endpoint}: ${String(frame.message ?? frame.code)}`));
                }
                return;
            }
            this.safely(() => this.handler.frame(frame));
        });
        socket.on("error", (e) => {
            if (!opened) {
                this.settings.onError(new Error(`connecting to ${endpoint} failed: ${e.message}`));
            }
        });
        socket.on("close", (code, reason) => {
            const wasOpen = opened;
            if (this.socket === socket) {
                this.socket = null;
                this.open = false;
            }
            this.closeWaiters.splice(0).forEach((w) => w());
            if (this.closed) {
                return;
            }
            if (wasOpen) {
                this.lostAt = Date.now();
                this.safely(() => this.handler.lost(code, reason.toString()));
            }
            else if (this.lostAt === null) {
                this.lostAt = Date.now();
            }
            this.scheduleReconnect(retryAfterMs);
        });
    }
    scheduleReconnect(atLeastMs = 0) {
        if (this.closed) {
            return;
        }
        const delay = Math.max(atLeastMs, reconnectDelay(this.failures++, this.settings.reconnectMinMs, this.settings.reconnectMaxMs, this.settings.random ?? Math.random));
        this.timer = setTimeout(() => void this.connect(), delay);
        this.timer.unref();
    }
    safely(action) {
        try {
            action();
        }
        catch (e) {
            this.settings.onError(e);
        }
    }
}
