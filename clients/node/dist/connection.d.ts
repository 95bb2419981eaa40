/** Frames as they travel: one JSON object per text frame (docs/protocol.md). */
export type Frame = Record<string, unknown> & {
    type?: string;
};
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
export declare function reconnectDelay(failures: number, minMs: number, maxMs: number, random: () => number): number;
/**
 * A protocol-1 session that stays up: it connects, sends `open`, and when the connection is lost it reconnects with
 * jittered exponential backoff, calling {@link ConnectionHandler.opened} after every handshake so that the owner
 * can resynchronise. Its sockets and timers are unref'd: it never keeps the process alive by itself.
 */
export declare class ManagedConnection {
    private readonly settings;
    private readonly handler;
    private socket;
    private open;
    private closed;
    private failures;
    private attempts;
    private timer;
    private lostAt;
    private closeWaiters;
    constructor(settings: ConnectionSettings, handler: ConnectionHandler);
    start(): void;
    /** True from the server's `open` answer until the connection is lost. */
    isOpen(): boolean;
    /** Connection attempts made so far (for tests and diagnostics). */
    attemptCount(): number;
    /** When the connection was lost (ms since the epoch), or null while open or before it ever opened. */
    disconnectedSince(): number | null;
    /** Sends if open; returns false and sends nothing while disconnected, since `opened` resynchronises. */
    send(frame: Frame | string): boolean;
    /**
     * Ends the session gracefully: sends `close` and waits for the server to close (at most `deadlineMs`). The
     * server then knows this client left on purpose (on discovery it removes the connection's nodes at once).
     */
    close(deadlineMs?: number): Promise<void>;
    private connect;
    private scheduleReconnect;
    private safely;
}
