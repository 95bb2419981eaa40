// Tracing against a real standalone Switchboard: spans that follow async calls, logs, acks, a bounded buffer under
// an outage, and rate refusals honoured without losing what was acknowledged or dropping what fits.
import assert from "node:assert/strict";
import * as net from "node:net";
import { after, before, describe, test } from "node:test";
import { setTimeout as sleep } from "node:timers/promises";
import { context, SpanStatusCode, trace } from "@opentelemetry/api";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { parseTraceContext, Switchboard, SwitchboardSpanExporter } from "../dist/index.js";
import { eventually, newTenant, Standalone } from "./support/standalone.mjs";

// A low event rate, so that the quota test meets refusals quickly; the other tests stay far below it.
const EVENTS_PER_SECOND = 2_000;
const server = new Standalone({ SWITCHBOARD_QUOTA_EVENTS_PER_SECOND: String(EVENTS_PER_SECOND) });
const clients = [];

function client(tenant, options = {}) {
  const sb = Switchboard.connect({
    url: server.url,
    token: () => server.token({ tenant, role: "client" }),
    environment: "prod",
    reconnectMinMs: 100,
    reconnectMaxMs: 500,
    ...options,
  });
  clients.push(sb);
  return sb;
}

async function logs(tenant, query) {
  const res = await server.api(tenant, "GET", `/api/v1/logs?limit=1000&since=1h&${query}`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.items;
}

/** How many logs match, page after page. */
async function countLogs(tenant, query) {
  let n = 0;
  let cursor = null;
  do {
    const res = await server.api(tenant, "GET",
      `/api/v1/logs?limit=1000&since=1h&${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    n += res.body.items.length;
    cursor = res.body.items.length > 0 ? res.body.next : null;
  } while (cursor);
  return n;
}

/** A TCP proxy in front of the server that the test can cut and restore: an outage between client and server. */
class Proxy {
  constructor(target) {
    this.target = target;
    this.sockets = new Set();
    this.server = null;
    this.port = 0;
  }

  async open() {
    this.server = net.createServer((inbound) => {
      const outbound = net.connect(this.target, "127.0.0.1");
      for (const s of [inbound, outbound]) {
        this.sockets.add(s);
        s.on("close", () => this.sockets.delete(s));
        s.on("error", () => undefined);
      }
      inbound.pipe(outbound).pipe(inbound);
    });
    await new Promise((r) => this.server.listen(this.port, "127.0.0.1", r));
    this.port = this.server.address().port;
  }

  async cut() {
    const closed = new Promise((r) => this.server.close(r));
    this.sockets.forEach((s) => s.destroy());
    await closed;
  }
}

before(async () => {
  await server.start();
});

after(async () => {
  await Promise.all(clients.map((c) => c.close(1_000)));
  await server.close();
});

describe("tracing", () => {
  test("a span stays current across awaits; its logs and child spans come back as one trace", async () => {
    const tenant = newTenant();
    const sb = client(tenant, { service: "orders", nodeId: "orders-1" });
    let traceId;
    await sb.tracing.withSpan("POST /orders", async (span) => {
      traceId = span.context.traceId;
      span.setAttribute("order", 41);
      await sleep(5);
      sb.log("info", "order accepted");
      await Promise.all([1, 2].map((n) => sb.tracing.withSpan(`reserve ${n}`, async () => {
        await sleep(n);
        sb.tracing.log("debug", `reserved ${n}`);
      })));
    }, { kind: "server" });
    assert.equal(sb.tracing.current(), undefined, "no span is current once withSpan returned");
    await sb.tracing.flush(10_000);

    const trace = await eventually(async () => {
      const res = await server.api(tenant, "GET", `/api/v1/traces/${traceId}`);
      return res.status === 200 && res.body.spanCount === 3 ? res.body : null;
    }, "the trace with its three spans");
    assert.equal(trace.spans.length, 1);
    const root = trace.spans[0];
    assert.equal(root.operation, "POST /orders");
    assert.equal(root.spanKind, "server");
    assert.equal(root.attributes.order, "41");
    assert.deepEqual(root.children.map((c) => c.operation).sort(), ["reserve 1", "reserve 2"]);
    assert.deepEqual(root.logs.map((l) => l.message), ["order accepted"]);
    for (const child of root.children) {
      assert.deepEqual(child.logs.map((l) => l.message), [`reserved ${child.operation.slice(-1)}`]);
    }
  });

  test("a throw inside withSpan marks the span as an error and is passed on", async () => {
    const tenant = newTenant();
    const sb = client(tenant, { service: "payments" });
    let traceId;
    await assert.rejects(sb.tracing.withSpan("charge", async (span) => {
      traceId = span.context.traceId;
      await sleep(1);
      throw new TypeError("card declined");
    }), TypeError);
    await sb.tracing.flush(10_000);
    const trace = await eventually(async () => {
      const res = await server.api(tenant, "GET", `/api/v1/traces/${traceId}`);
      return res.status === 200 ? res.body : null;
    }, "the failed span's trace");
    assert.equal(trace.error, true);
    assert.equal(trace.spans[0].status, "error");
    assert.equal(trace.spans[0].events[0].attributes["exception.message"], "card declined");
  });

  test("spans of the OpenTelemetry SDK arrive through the exporter, fitted to the model, with ids the server dedupes by", async () => {
    const tenant = newTenant();
    const sb = client(tenant, { service: "fallback-name" });
    const exporter = new SwitchboardSpanExporter(sb.tracing);
    const exported = [];
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ "service.name": "otel-shop", "deployment.environment.name": "staging", "host.arch": "amd64" }),
      spanProcessors: [new SimpleSpanProcessor(exporter), { onStart() {}, onEnd: (s) => exported.push(s), forceFlush: async () => {}, shutdown: async () => {} }],
    });
    const tracer = provider.getTracer("shop-lib");
    const root = tracer.startSpan("GET /cart", { kind: 1 });
    const child = tracer.startSpan("SELECT cart", { kind: 2, attributes: { "peer.service": "cart-db", "db.rows": 3 } },
      trace.setSpan(context.active(), root));
    for (let i = 0; i < 70; i++) {
      child.setAttribute(`extra.${i}`, i);
    }
    child.addEvent("retry", { attempt: 2 });
    child.setStatus({ code: SpanStatusCode.ERROR, message: "deadlock" });
    child.end();
    root.end();
    await provider.forceFlush();
    // The item id comes from the trace and span ids, as the server's OTLP receiver derives it: a span exported
    // again, or also sent over OTLP, is the same item and stored once.
    for (const span of exported) {
      const { traceId, spanId } = span.spanContext();
      assert.equal(SwitchboardSpanExporter.item(span).id, traceId.substring(16) + spanId);
    }
    await exporter.forceFlush();

    const traceId = root.spanContext().traceId;
    const stored = await eventually(async () => {
      const res = await server.api(tenant, "GET", `/api/v1/traces/${traceId}`);
      return res.status === 200 && res.body.spanCount === 2 ? res.body : null;
    }, "the SDK's trace with its two spans");
    const [r] = stored.spans;
    assert.equal(r.service, "otel-shop");
    assert.equal(r.environment, "staging");
    assert.equal(r.spanKind, "server");
    assert.equal(r.attributes["otel.scope.name"], "shop-lib");
    assert.equal(r.attributes["host.arch"], "amd64");
    const [c] = r.children;
    assert.equal(c.operation, "SELECT cart");
    assert.equal(c.peerService, "cart-db");
    assert.equal(c.status, "error");
    assert.equal(c.attributes["otel.status_description"], "deadlock");
    assert.equal(Object.keys(c.attributes).length, 64, "at most 64 attributes, the last counting the rest");
    assert.ok(Number(c.attributes["switchboard.dropped_attributes"]) > 0);
    assert.equal(c.events[0].name, "retry");
  });

  test("traceparent and tracestate go out and come back in", async () => {
    const sb = client(newTenant(), { service: "gateway" });
    const incoming = { TraceParent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", tracestate: "vendor=abc" };
    const parent = sb.tracing.extract(incoming);
    assert.deepEqual(parent, { traceId: "4bf92f3577b34da6a3ce929d0e0e4736", spanId: "00f067aa0ba902b7", sampled: true,
      traceState: "vendor=abc" });
    const headers = await sb.tracing.withSpan("GET /", async () => sb.tracing.inject({}), { parent, kind: "server" });
    const out = parseTraceContext(headers.traceparent, headers.tracestate);
    assert.equal(out.traceId, parent.traceId);
    assert.notEqual(out.spanId, parent.spanId);
    assert.equal(out.traceState, "vendor=abc");
    assert.equal(sb.tracing.extract({ traceparent: "00-00000000000000000000000000000000-00f067aa0ba902b7-01" }), null);
    assert.deepEqual(sb.tracing.inject({}), {}, "nothing to inject with no current span");
  });

  test("under an outage the buffer keeps the newest items, drops the oldest and reports them", async () => {
    const tenant = newTenant();
    const proxy = new Proxy(server.port);
    await proxy.open();
    const sb = Switchboard.connect({ url: `http://127.0.0.1:${proxy.port}`, token: () => server.token({ tenant, role: "client" }),
      service: "inventory", bufferSize: 100, reconnectMinMs: 100, reconnectMaxMs: 200 });
    clients.push(sb);
    await eventually(() => sb.connected(), "connected through the proxy");
    await proxy.cut();
    await eventually(() => !sb.connected(), "the outage noticed");

    // Nothing here waits for the network: 1,000 logs go into a buffer of 100, all in one synchronous loop.
    let ticks = 0;
    const ticker = setImmediate(() => ticks++);
    for (let i = 0; i < 1_000; i++) {
      sb.log("info", `outage item ${i}`, { n: String(i) });
    }
    assert.equal(ticks, 0, "logging ran without yielding to the event loop");
    assert.deepEqual(sb.tracing.pending(), { buffered: 100, unacknowledgedBatches: 0 });
    assert.equal(sb.tracing.dropped(), 900);
    await eventually(() => ticks === 1, "the event loop went on");
    clearImmediate(ticker);

    await proxy.open();
    await sb.tracing.flush(20_000);
    const stored = await eventually(async () => {
      const items = await logs(tenant, "service=inventory");
      return items.length === 100 ? items : null;
    }, "the 100 newest logs stored");
    assert.deepEqual(stored.map((l) => Number(l.attributes.n)).sort((a, b) => a - b),
      Array.from({ length: 100 }, (_, i) => 900 + i));
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    const line = metrics.split("\n").find((l) => l.startsWith("switchboard_tracing_items_client_dropped_total")
      && l.includes(`tenant="${tenant}"`));
    assert.ok(line, "the server counted the client's drops");
    assert.equal(Number(line.split(" ").pop()), 900);
    await proxy.cut();
  });

  test("a tenant over its event rate is refused and the client sends again after retryAfterMs, losing nothing", async () => {
    const tenant = newTenant();
    const errors = [];
    const sb = client(tenant, { service: "search", bufferSize: 20_000, onError: (e) => errors.push(e) });
    await eventually(() => sb.connected(), "connected");
    const total = 3 * EVENTS_PER_SECOND;
    for (let i = 0; i < total; i++) {
      sb.log("info", `burst ${i}`);
    }
    await sb.tracing.flush(60_000);
    assert.equal(sb.tracing.dropped(), 0);
    assert.equal(sb.tracing.rejected(), 0, errors.map((e) => e.message).join("; "));
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    assert.ok(metrics.split("\n").some((l) => l.startsWith("switchboard_quota_exceeded_total") && l.includes(`tenant="${tenant}"`)
      && l.includes("quota.events-per-second")), "the burst met the quota");
    // Counted exactly: every acknowledged item stored once, none twice.
    let count = 0;
    await eventually(async () => (count = await countLogs(tenant, "service=search")) === total,
      () => `all ${total} logs stored (last count ${count})`, 30_000);
  });
});
