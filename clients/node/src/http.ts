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

const SPAN = Symbol.for("switchboard.span");

/** The span a request is served in, as the middleware started it (also current inside the handlers). */
export function requestSpan(request: object): Span | undefined {
  return (request as Record<symbol, Span | undefined>)[SPAN];
}

function pathOf(url: string | undefined): string {
  const path = (url ?? "/").split("?")[0];
  return path.length > 0 ? path : "/";
}

/** Starts the server span of a request, a child of its `traceparent` if it has one. */
function startServerSpan(tracing: Tracing, request: object, method: string, url: string | undefined,
                         headers: IncomingMessage["headers"]): Span {
  const span = tracing.startSpan(`${method} ${pathOf(url)}`, { kind: "server", parent: tracing.extract(headers) });
  span.setAttribute("http.method", method);
  span.setAttribute("http.target", pathOf(url));
  (request as Record<symbol, Span>)[SPAN] = span;
  return span;
}

function endServerSpan(span: Span, route: string | undefined, method: string, status: number): void {
  if (route !== undefined) {
    span.setOperation(`${method} ${route}`);
    span.setAttribute("http.route", route);
  }
  span.setAttribute("http.status_code", status);
  span.setStatus(status >= 500 ? "error" : "ok");
  span.end();
}

type ExpressRequest = IncomingMessage & { originalUrl?: string; baseUrl?: string; route?: { path?: unknown } };
type Next = (error?: unknown) => void;

/**
 * Express middleware (also Connect and plain `node:http` handlers shaped like it): each request continues the
 * trace of its `traceparent`, or starts one, in a server span named by method and route that is current in the
 * handlers (logs and calls made there join it) and ends when the response is finished.
 */
export function expressMiddleware(tracing: Tracing): (req: IncomingMessage, res: ServerResponse, next: Next) => void {
  return (req, res, next) => {
    const request = req as ExpressRequest;
    const method = req.method ?? "GET";
    const span = startServerSpan(tracing, req, method, request.originalUrl ?? req.url, req.headers);
    const done = () => {
      const route = typeof request.route?.path === "string" ? `${request.baseUrl ?? ""}${request.route.path}` : undefined;
      if (!res.writableFinished) {
        span.setAttribute("http.aborted", true);
      }
      endServerSpan(span, route, method, res.statusCode);
    };
    res.once("finish", done);
    res.once("close", done);
    tracing.runWithContext(span.context, () => next());
  };
}

interface FastifyRequestLike {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage["headers"];
  readonly routeOptions?: { readonly url?: string };
}
interface FastifyReplyLike {
  readonly statusCode: number;
}
interface FastifyLike {
  addHook(name: string, hook: (...args: never[]) => void): unknown;
}
type Done = (error?: Error) => void;

/**
 * A Fastify plugin doing what {@link expressMiddleware} does: `app.register(sb.fastify())`. The span is current in
 * the handler (and in hooks from `preHandler` on); it ends when the response has been sent.
 */
export function fastifyPlugin(tracing: Tracing): (app: FastifyLike, options: unknown, done: Done) => void {
  const plugin = (app: FastifyLike, _options: unknown, done: Done) => {
    app.addHook("onRequest", ((request: FastifyRequestLike, _reply: FastifyReplyLike, next: Done) => {
      const span = startServerSpan(tracing, request, request.method, request.url, request.headers);
      tracing.runWithContext(span.context, () => next());
    }) as never);
    // Made current again for the handler, in case a body parser or another plugin's hook ran it outside the
    // request's async context.
    app.addHook("preHandler", ((request: FastifyRequestLike, _reply: FastifyReplyLike, next: Done) => {
      const span = requestSpan(request);
      tracing.runWithContext(span?.context ?? null, () => next());
    }) as never);
    app.addHook("onError", ((request: FastifyRequestLike, _reply: FastifyReplyLike, error: Error, next: Done) => {
      requestSpan(request)?.recordException(error);
      next();
    }) as never);
    app.addHook("onResponse", ((request: FastifyRequestLike, reply: FastifyReplyLike, next: Done) => {
      const span = requestSpan(request);
      if (span !== undefined) {
        endServerSpan(span, request.routeOptions?.url, request.method, reply.statusCode);
      }
      next();
    }) as never);
    done();
  };
  // Like fastify-plugin: the hooks apply to the whole application, not only to routes registered inside.
  const marked = plugin as typeof plugin & Record<symbol, unknown>;
  marked[Symbol.for("skip-override")] = true;
  marked[Symbol.for("fastify.display-name")] = "switchboard";
  return plugin;
}

/** The URL of `path` on a node: its address is `host:port` (http is assumed) or a URL. */
export function nodeUrl(node: Node, path: string): string {
  const base = /^[a-z][a-z0-9+.-]*:\/\//i.test(node.address) ? node.address : `http://${node.address}`;
  return `${base.replace(/\/+$/, "")}/${path.replace(/^\/+/, "")}`;
}

/**
 * `fetch` through discovery: resolves a node of the target, calls `path` on it in a client span whose
 * `traceparent` goes with the request, and reports the outcome (a network error or a 5xx is a failure of the node;
 * a 4xx is the caller's) to the node's breaker and to routing.
 */
export async function tracedFetch(discovery: Discovery, tracing: Tracing, defaultEnvironment: string | null,
                                  target: Target, path: string, init: RequestInit = {}): Promise<Response> {
  const environment = target.environment ?? defaultEnvironment;
  if (environment === null) {
    throw new RangeError("target.environment: give an environment, or the client's environment option");
  }
  const node = await discovery.resolve(target.service, target.version, environment);
  const method = (init.method ?? "GET").toUpperCase();
  const url = nodeUrl(node, path);
  return tracing.withSpan(`${method} ${target.service}`, async (span) => {
    span.setAttribute("peer.service", target.service);
    span.setAttribute("http.method", method);
    span.setAttribute("http.url", url);
    span.setAttribute("switchboard.node", node.id);
    const headers = tracing.inject(new Headers(init.headers));
    const started = performance.now();
    let response: Response;
    try {
      response = await fetch(url, { ...init, headers });
    } catch (e) {
      discovery.report(node, false, performance.now() - started);
      throw e;
    }
    const ok = response.status < 500;
    discovery.report(node, ok, performance.now() - started);
    span.setAttribute("http.status_code", response.status);
    span.setStatus(ok ? "ok" : "error");
    return response;
  }, { kind: "client" });
}
