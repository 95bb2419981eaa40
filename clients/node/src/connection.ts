import * as net from "node:net";
import * as tls from "node:tls";
import WebSocket from "ws";

/** Frames as they travel: one JSON object per text frame (docs/protocol.md). */
export type Frame = Record<string, unknown> & { type?: string };

/** Where a token comes from: asked again at every connect, so an expired one (close 4001) is never reused. */
export type TokenSource = string | (() => string | Promise<string>);

/** What the owner of a connection does with it. */
export interface ConnectionHandler {
  /** The handshake completed (`answer` is the server's `open`): resend whatever the server must know. */
  opened(answer: Frame): void;
  frame(frame: Frame): void;
  /** The connection was lost after it had opened; it is being re-established. */
  lost(code: number, reason: string): void;
}

export interface ConnectionSettings {
  /** The endpoint on every replica (or one behind a load balancer); each attempt tries the next in turn. */
  readonly endpoints: readonly string[];
  readonly token: TokenSource;
  readonly reconnectMinMs: number;
  readonly reconnectMaxMs: number;
  readonly clientName: string;
  readonly features: readonly string[];
  /** Told of trouble the client copes with by itself (failed connects, refused upgrades), for diagnostics. */
  readonly onError: (error: Error) => void;
  readonly random?: () => number;
}

/**
 * The reconnect delay after `failures` failed attempts in a row (docs/client-behaviour.md, section 5): the minimum,
 * doubled per failure up to the maximum, times a random factor from 0.5 to 1.5.
 */
export function reconnectDelay(failures: number, minMs: number, maxMs: number, random: () => number): number {
  const base = Math.min(maxMs, minMs * 2 ** Math.min(failures, 30));
  return Math.round(base * (0.5 + random()));
}

/**
 * A protocol-1 session that stays up: it connects, sends `open`, and when the connection is lost it reconnects with
 * jittered exponential backoff, calling {@link ConnectionHandler.opened} after every handshake so that the owner
 * can resynchronise. Its sockets and timers are unref'd: it never keeps the process alive by itself.
 */
export class ManagedConnection {
  private socket: WebSocket | null = null;
  private open = false;
  private closed = false;
  private failures = 0;
  private attempts = 0;
  private timer: NodeJS.Timeout | null = null;
  private lostAt: number | null = null;
  private closeWaiters: (() => void)[] = [];

  constructor(private readonly settings: ConnectionSettings, private readonly handler: ConnectionHandler) {}

  start(): void {
    void this.connect();
  }

  /** True from the server's `open` answer until the connection is lost. */
  isOpen(): boolean {
    return this.open;
  }

  /** Connection attempts made so far (for tests and diagnostics). */
  attemptCount(): number {
    return this.attempts;
  }

  /** When the connection was lost (ms since the epoch), or null while open or before it ever opened. */
  disconnectedSince(): number | null {
    return this.open ? null : this.lostAt;
  }

  /** Sends if open; returns false and sends nothing while disconnected, since `opened` resynchronises. */
  send(frame: Frame | string): boolean {
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
  async close(deadlineMs = 2_000): Promise<void> {
    this.closed = true;
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const socket = this.socket;
    if (socket === null || socket.readyState === WebSocket.CLOSED) {
      return;
    }
    const done = new Promise<void>((resolve) => this.closeWaiters.push(resolve));
    if (this.open) {
      socket.send(JSON.stringify({ type: "close" }));
    } else {
      socket.close(1000);
    }
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, deadlineMs).unref());
    await Promise.race([done, timeout]);
    if ((socket.readyState as number) !== WebSocket.CLOSED) {
      socket.terminate();
    }
  }

  private async connect(): Promise<void> {
    this.timer = null;
    if (this.closed) {
      return;
    }
    const endpoint = this.settings.endpoints[this.attempts++ % this.settings.endpoints.length];
    let token: string;
    try {
      const source = this.settings.token;
      token = typeof source === "function" ? await source() : source;
    } catch (e) {
      this.settings.onError(new Error(`the token callback failed: ${(e as Error).message}; trying again`));
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
      createConnection: ((options: net.NetConnectOpts & tls.ConnectionOptions) => {
        const s = secure ? tls.connect(options) : net.connect(options);
        s.unref();
        return s;
      }) as never,
    });
    this.socket = socket;
    let opened = false;
    let retryAfterMs = 0;
    socket.on("unexpected-response", (_req, res) => {
      // A refused upgrade: 401/403 (token), 429 (connection quota, with Retry-After), 503 (keys unavailable).
      retryAfterMs = Number(res.headers["retry-after"] ?? 0) * 1_000;
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
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
      let frame: Frame;
      try {
        frame = JSON.parse(data.toString()) as Frame;
      } catch {
        return;
      }
      if (!opened) {
        if (frame.type === "open") {
          opened = true;
          this.open = true;
          this.failures = 0;
          this.lostAt = null;
          this.safely(() => this.handler.opened(frame));
        } else if (frame.type === "error") {
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
      } else if (this.lostAt === null) {
        this.lostAt = Date.now();
      }
      this.scheduleReconnect(retryAfterMs);
    });
  }

  private scheduleReconnect(atLeastMs = 0): void {
    if (this.closed) {
      return;
    }
    const delay = Math.max(atLeastMs, reconnectDelay(this.failures++, this.settings.reconnectMinMs,
      this.settings.reconnectMaxMs, this.settings.random ?? Math.random));
    this.timer = setTimeout(() => void this.connect(), delay);
    this.timer.unref();
  }

  private safely(action: () => void): void {
    try {
      action();
    } catch (e) {
      this.settings.onError(e as Error);
    }
  }
}
