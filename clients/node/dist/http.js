const SPAN = Symbol.for("switchboard.span");
/** The span a request is served in, as the middleware started it (also current inside the handlers). */
export function requestSpan(request) {
    return request[SPAN];
}
function pathOf(url) {
    const path = (url ?? "/").split("?")[0];
    return path.length > 0 ? path : "/";
}
/** Starts the server span of a request, a child of its `traceparent` if it has one. */
function startServerSpan(tracing, request, method, url, headers) {
    const span = tracing.startSpan(`${method} ${pathOf(url)}`, { kind: "server", parent: tracing.extract(headers) });
    span.setAttribute("http.method", method);
    span.setAttribute("http.target", pathOf(url));
    request[SPAN] = span;
    return span;
}
function endServerSpan(span, route, method, status) {
    if (route !== undefined) {
        span.setOperation(`${method} ${route}`);
        span.setAttribute("http.route", route);
    }
    span.setAttribute("http.status_code", status);
    span.setStatus(status >= 500 ? "error" : "ok");
    span.end();
}
/**
 * Express middleware (also Connect and plain `node:http` handlers shaped like it): each request continues the
 * trace of its `traceparent`, or starts one, in a server span named by method and route that is current in the
 * handlers (logs and calls made there join it) and ends when the response is finished.
 */
export function expressMiddleware(tracing) {
    return (req, res, next) => {
        const request = req;
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
/**
 * A Fastify plugin doing what {@link expressMiddleware} does: `app.register(sb.fastify())`. The span is current in
 * the handler (and in hooks from `preHandler` on); it ends when the response has been sent.
 */
export function fastifyPlugin(tracing) {
    const plugin = (app, _options, done) => {
        app.addHook("onRequest", ((request, _reply, next) => {
            const span = startServerSpan(tracing, request, request.method, request.url, request.headers);
            tracing.runWithContext(span.context, () => next());
        }));
        // Made current again for the handler, in case a body parser or another plugin's hook ran it outside the
        // request's async context.
        app.addHook("preHandler", ((request, _reply, next) => {
            const span = requestSpan(request);
            tracing.runWithContext(span?.context ?? null, () => next());
        }));
        app.addHook("onError", ((request, _reply, error, next) => {
            requestSpan(request)?.recordException(error);
            next();
        }));
        app.addHook("onResponse", ((request, reply, next) => {
            const span = requestSpan(request);
            if (span !== undefined) {
                endServerSpan(span, request.routeOptions?.url, request.method, reply.statusCode);
            }
            next();
        }));
        done();
    };
    // Like fastify-plugin: the hooks apply to the whole application, not only to routes registered inside.
    const marked = plugin;
    marked[Symbol.for("skip-override")] = true;
    marked[Symbol.for("fastify.display-name")] = "switchboard";
    return plugin;
}
/** The URL of `path` on a node: its address is `host:port` (http is assumed) or a URL. */
export function nodeUrl(node, path) {
    const base = /^[a-z][a-z0-9+.-]*:\/\//i.test(node.address) ? node.address : `http://${node.address}`;
    return `${base.replace(/\/+$/, "")}/${path.replace(/^\/+/, "")}`;
}
/**
 * `fetch` through discovery: resolves a node of the target, calls `path` on it in a client span whose
 * `traceparent` goes with the request, and reports the outcome (a network error or a 5xx is a failure of the node;
 * a 4xx is the caller's) to the node's breaker and to routing.
 */
export async function tracedFetch(discovery, tracing, defaultEnvironment, target, path, init = {}) {
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
        let response;
        try {
            response = await fetch(url, { ...init, headers });
        }
        catch (e) {
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
