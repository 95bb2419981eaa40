import { ManagedConnection } from "./connection.js";
import { Discovery } from "./discovery.js";
import { fitName, fitNodeId } from "./fit.js";
import { expressMiddleware, fastifyPlugin, tracedFetch } from "./http.js";
import { holdUntilSettled } from "./keepalive.js";
import { Tracing } from "./tracing.js";
export const CLIENT_NAME = "switchboard-node/0.1.0";
function check(condition, message) {
    if (!condition) {
        throw new RangeError(message);
    }
}
/** The WebSocket endpoint `path` of each base URL. */
function endpoints(url, path) {
    const bases = typeof url === "string" ? [url] : [...url];
    check(bases.length > 0, "url: give at least one Switchboard URL, such as http://127.0.0.1:7700");
    return bases.map((base) => {
        const u = new URL(base);
        check(["http:", "https:", "ws:", "wss:"].includes(u.protocol), `url must be http(s) or ws(s), got '${base}'`);
        u.protocol = u.protocol === "https:" || u.protocol === "wss:" ? "wss:" : "ws:";
        u.pathname = u.pathname.replace(/\/+$/, "") + path;
        return u.toString();
    });
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
export class Switchboard {
    discovery;
    tracing;
    discoveryConnection;
    tracingConnection;
    closing = null;
    onSigterm = null;
    environment;
    constructor(options) {
        const ttlSeconds = options.ttlSeconds ?? 30;
        check(Number.isInteger(ttlSeconds) && ttlSeconds >= 5 && ttlSeconds <= 300, `ttlSeconds must be a whole number from 5 to 300, got ${ttlSeconds}`);
        const breakerFailures = options.breakerFailures ?? 3;
        check(breakerFailures >= 1, `breakerFailures must be at least 1, got ${breakerFailures}`);
        const reconnectMinMs = options.reconnectMinMs ?? 1_000;
        const reconnectMaxMs = options.reconnectMaxMs ?? 16_000;
        check(reconnectMinMs > 0 && reconnectMaxMs >= reconnectMinMs, "reconnect delays must satisfy 0 < reconnectMinMs <= reconnectMaxMs");
        const bufferSize = options.bufferSize ?? 10_000;
        check(bufferSize >= 100, `bufferSize must be at least 100, got ${bufferSize}`);
        check(options.token !== undefined && options.token !== "", "token: give a token, or a function that returns one");
        for (const [name, value, fitted] of [["service", options.service, fitName(options.service)],
            ["environment", options.environment, fitName(options.environment)], ["nodeId", options.nodeId, fitNodeId(options.nodeId)]]) {
            check(value === undefined || value === fitted, `${name} must be letters, digits and . _ -${name === "nodeId" ? " :" : ""}, starting with a letter or digit, got '${value}'`);
        }
        const onError = options.onError ?? (() => undefined);
        const service = options.service ?? null;
        this.environment = options.environment ?? null;
        this.tracing = new Tracing({ service, environment: options.environment ?? null, nodeId: options.nodeId ?? null,
            bufferSize, batchIntervalMs: options.batchIntervalMs ?? 100, onError });
        this.discovery = new Discovery({ ttlSeconds, resolveTimeoutMs: options.resolveTimeoutMs ?? 5_000, breakerFailures,
            breakerOpenForMs: options.breakerOpenForMs ?? 30_000, service }, service === null ? null : (callee, success, latencyMs) => this.tracing.outcome(callee, success, latencyMs));
        const common = { token: options.token, reconnectMinMs, reconnectMaxMs, clientName: CLIENT_NAME, onError };
        // Snapshots in pages: a big view never arrives as one huge frame (endpoints without the feature ignore it).
        this.discoveryConnection = new ManagedConnection({ ...common, endpoints: endpoints(options.url, "/v1/discovery"),
            features: ["snapshot-pages"] }, this.discovery);
        this.tracingConnection = new ManagedConnection({ ...common, endpoints: endpoints(options.url, "/v1/tracing"),
            features: [] }, this.tracing);
        this.discovery.attach(this.discoveryConnection);
        this.tracing.attach(this.tracingConnection);
        if (options.deregisterOnSigterm === true) {
            this.onSigterm = () => {
                void this.close().finally(() => {
                    // Then the signal does what it would have done without this listener: end the process, unless the
                    // application listens for it too.
                    if (process.listenerCount("SIGTERM") === 0) {
                        process.kill(process.pid, "SIGTERM");
                    }
                });
            };
            process.once("SIGTERM", this.onSigterm);
        }
    }
    /** Creates a client and starts connecting in the background; throws a RangeError for invalid options. */
    static connect(options) {
        const client = new Switchboard(options);
        client.discoveryConnection.start();
        client.tracingConnection.start();
        return client;
    }
    /** True while both connections are open. */
    connected() {
        return this.discoveryConnection.isOpen() && this.tracingConnection.isOpen();
    }
    /** Logs through tracing: `sb.log("info", "order placed", { order: "41" })`. */
    log(level, message, attributes) {
        this.tracing.log(level, message, attributes);
    }
    /** Reports how a call to a resolved node went (its breaker, and routing's reputation of it). */
    report(node, success, latencyMs) {
        this.discovery.report(node, success, latencyMs);
    }
    /**
     * Express (or Connect) middleware: each request continues its `traceparent`'s trace or starts one, in a server
     * span current in the handlers: `app.use(sb.express())`.
     */
    express() {
        return expressMiddleware(this.tracing);
    }
    /** The same for Fastify: `app.register(sb.fastify())`. */
    fastify() {
        return fastifyPlugin(this.tracing);
    }
    /**
     * `fetch` to a service found through discovery: `sb.fetch({ service: "payments", version: "1.2" }, "/charge",
     * { method: "POST", body })`. Resolves a node by the routing policy, propagates the trace in a client span, and
     * reports the outcome (a network error or a 5xx counts against the node).
     */
    fetch(target, path, init) {
        return tracedFetch(this.discovery, this.tracing, this.environment, target, path, init);
    }
    /**
     * Flushes what tracing holds (at most `deadlineMs`), deregisters this client's nodes and closes both
     * connections. Safe to call more than once.
     */
    close(deadlineMs = 5_000) {
        this.closing ??= holdUntilSettled((async () => {
            if (this.onSigterm !== null) {
                process.removeListener("SIGTERM", this.onSigterm);
            }
            await this.tracing.flush(deadlineMs).catch(() => undefined);
            for (const id of this.discovery.hostedNodes()) {
                await this.discovery.deregister(id);
            }
            this.tracing.close();
            this.discovery.close();
            // A graceful close also removes the discovery connection's nodes at once on the server.
            await Promise.all([this.discoveryConnection.close(), this.tracingConnection.close()]);
        })());
        return this.closing;
    }
}
