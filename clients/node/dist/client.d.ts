import { type TokenSource } from "./connection.js";
import { Discovery } from "./discovery.js";
import { expressMiddleware, fastifyPlugin, type Target } from "./http.js";
import type { Node } from "./policy.js";
import { Tracing, type Attributes, type Level } from "./tracing.js";
export declare const CLIENT_NAME = "switchboard-node/0.1.0";
export interface SwitchboardOptions {
    /**
     * Where Switchboard runs: its base URL (`http://127.0.0.1:7700`, `https://switchboard.example.com`; `ws(s)://`
     * works too), or several (one per replica), tried in turn.
     */
    readonly url: string | readonly string[];
    /** A token, or a function that returns one (maybe a promise): it is called at every connect. */
    readonly token: TokenSource;
    /** This process's service, environment and node id: stamped on its logs, spans and outcomes. */
    readonly service?: string;
    readonly environment?: string;
    readonly nodeId?: string;
    /** How long a registered node lives without a heartbeat, 5 to 300 s (default 30); heartbeats go every ttl / 2. */
    readonly ttlSeconds?: number;
    /** How long a resolve with no known node waits (default 5,000 ms). */
    readonly resolveTimeoutMs?: number;
    /** Consecutive failures that open a node's breaker (default 3), and how long it stays open (default 30,000 ms). */
    readonly breakerFailures?: number;
    readonly breakerOpenForMs?: number;
    /** The first reconnect delay (default 1,000 ms), doubled per failed attempt up to the longest (default 16,000 ms), each ±50 %. */
    readonly reconnectMinMs?: number;
    readonly reconnectMaxMs?: number;
    /** Trace items held while they wait to be sent (default 10,000); when full the oldest are dropped and counted. */
    readonly bufferSize?: number;
    /** How often buffered items are sent at the latest (default 100 ms). */
    readonly batchIntervalMs?: number;
    /** On SIGTERM, flush and deregister, then let the signal do what it would have done (default false). */
    readonly deregisterOnSigterm?: boolean;
    /** Told of trouble the client copes with by itself (refused connections, rejected items). Default: ignore. */
    readonly onError?: (error: Error) => void;
}
/**
 * Switchboard's smart client: discovery (register this process's nodes, resolve others from a pushed view, with
 * routing policies and circuit breakers) and tracing (logs, spans and call outcomes, buffered and sent in the
 * background). It connects in the background and reconnects by itself; nothing here keeps the process alive.
 *
 * ```ts
 * const sb = Switchboard.connect({ url: "http://127.0.0.1:7700", token: process.env.SWITCHBOARD_TOKEN!, service: "orders", environment: "prod" });
 * await sb.discovery.register({ id: "orders-1", service: "orders", version: "1.4.2", address: "10.0.0.7:8080", environment: "prod" });
 * const node = await sb.discovery.resolve("payments", "1.2", "prod");
 * sb.tracing.log("info", "order placed");
 * ```
 */
export declare class Switchboard {
    readonly discovery: Discovery;
    readonly tracing: Tracing;
    private readonly discoveryConnection;
    private readonly tracingConnection;
    private closing;
    private readonly onSigterm;
    private readonly environment;
    private constructor();
    /** Creates a client and starts connecting in the background; throws a RangeError for invalid options. */
    static connect(options: SwitchboardOptions): Switchboard;
    /** True while both connections are open. */
    connected(): boolean;
    /** Logs through tracing: `sb.log("info", "order placed", { order: "41" })`. */
    log(level: Level, message: string, attributes?: Attributes): void;
    /** Reports how a call to a resolved node went (its breaker, and routing's reputation of it). */
    report(node: Node, success: boolean, latencyMs: number): void;
    /**
     * Express (or Connect) middleware: each request continues its `traceparent`'s trace or starts one, in a server
     * span current in the handlers: `app.use(sb.express())`.
     */
    express(): ReturnType<typeof expressMiddleware>;
    /** The same for Fastify: `app.register(sb.fastify())`. */
    fastify(): ReturnType<typeof fastifyPlugin>;
    /**
     * `fetch` to a service found through discovery: `sb.fetch({ service: "payments", version: "1.2" }, "/charge",
     * { method: "POST", body })`. Resolves a node by the routing policy, propagates the trace in a client span, and
     * reports the outcome (a network error or a 5xx counts against the node).
     */
    fetch(target: Target, path: string, init?: RequestInit): Promise<Response>;
    /**
     * Flushes what tracing holds (at most `deadlineMs`), deregisters this client's nodes and closes both
     * connections. Safe to call more than once.
     */
    close(deadlineMs?: number): Promise<void>;
}
