import type { IncomingMessage, ServerResponse } from "node:http";
import type { Discovery } from "./discovery.js";
import type { Node } from "./policy.js";
import type { Span, Tracing } from "./tracing.js";
/** Where a call goes: a service, a version range and an environment, as for a resolve. */
export interface Target {
    readonly service: string;
    /** MAJOR, MAJOR.MINOR or MAJOR.MINOR.PATCH (docs/client-behaviour.md, section 1). */
    readonly version: string;
    /** `"prod"` or `"prod,fallback:staging"`; by default the client's own environment. */
    readonly environment?: string;
}
/** The span a request is served in, as the middleware started it (also current inside the handlers). */
export declare function requestSpan(request: object): Span | undefined;
type Next = (error?: unknown) => void;
/**
 * Express middleware (also Connect and plain `node:http` handlers shaped like it): each request continues the
 * trace of its `traceparent`, or starts one, in a server span named by method and route that is current in the
 * handlers (logs and calls made there join it) and ends when the response is finished.
 */
export declare function expressMiddleware(tracing: Tracing): (req: IncomingMessage, res: ServerResponse, next: Next) => void;
interface FastifyLike {
    addHook(name: string, hook: (...args: never[]) => void): unknown;
}
type Done = (error?: Error) => void;
/**
 * A Fastify plugin doing what {@link expressMiddleware} does: `app.register(sb.fastify())`. The span is current in
 * the handler (and in hooks from `preHandler` on); it ends when the response has been sent.
 */
export declare function fastifyPlugin(tracing: Tracing): (app: FastifyLike, options: unknown, done: Done) => void;
/** The URL of `path` on a node: its address is `host:port` (http is assumed) or a URL. */
export declare function nodeUrl(node: Node, path: string): string;
/**
 * `fetch` through discovery: resolves a node of the target, calls `path` on it in a client span whose
 * `traceparent` goes with the request, and reports the outcome (a network error or a 5xx is a failure of the node;
 * a 4xx is the caller's) to the node's breaker and to routing.
 */
export declare function tracedFetch(discovery: Discovery, tracing: Tracing, defaultEnvironment: string | null, target: Target, path: string, init?: RequestInit): Promise<Response>;
export {};
