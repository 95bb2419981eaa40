// Express and Fastify middleware and the fetch wrapper against a real standalone Switchboard and a real Java
// service on the Java client: a request into a Node service and its call to the Java service make one trace.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { once } from "node:events";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import express from "express";
import Fastify from "fastify";
import { NoNodeError, Switchboard } from "../dist/index.js";
import { eventually, javaBinary, javaClientClasspath, newTenant, Standalone } from "./support/standalone.mjs";

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "fixtures");
const server = new Standalone();
const tenant = newTenant();
const clients = [];
let java = null;
let javaOutput = "";
const closers = [];

function client(options = {}) {
  const sb = Switchboard.connect({ url: server.url, token: () => server.token({ tenant, role: "client" }),
    environment: "prod", reconnectMinMs: 200, reconnectMaxMs: 1_000, ...options });
  clients.push(sb);
  return sb;
}

/** The trace once it holds `spans` spans, with its spans flattened. */
async function trace(traceId, spans) {
  const body = await eventually(async () => {
    const res = await server.api(tenant, "GET", `/api/v1/traces/${traceId}`);
    return res.status === 200 && res.body.spanCount === spans ? res.body : null;
  }, `trace ${traceId} with ${spans} spans`, 30_000);
  const all = [];
  const walk = (s) => {
    all.push(s);
    (s.children ?? []).forEach(walk);
  };
  body.spans.forEach(walk);
  return { body, all };
}

before(async () => {
  await server.start();
  // The Java service: Java's source launcher on the Java client's classpath.
  java = spawn(javaBinary(), ["-cp", javaClientClasspath(), join(FIXTURES, "JavaInventory.java")], {
    env: { ...process.env, SB_URL: server.url, SB_TOKEN: server.token({ tenant, role: "client" }) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  java.stdout.setEncoding("utf8").on("data", (c) => (javaOutput += c));
  java.stderr.setEncoding("utf8").on("data", (c) => (javaOutput += c));
  await eventually(() => javaOutput.includes("registered"), () => `the Java service registered: ${javaOutput}`, 120_000);
});

after(async () => {
  await Promise.all(closers.map((c) => c()));
  await Promise.all(clients.map((c) => c.close(1_000)));
  if (java !== null && java.exitCode === null) {
    java.kill("SIGTERM");
    await once(java, "exit");
  }
  await server.close();
});

describe("http", () => {
  test("Express: a request and its call to a Java service through discovery are one trace", async () => {
    const sb = client({ service: "storefront", nodeId: "storefront-1" });
    const app = express();
    app.use(sb.express());
    app.get("/checkout/:id", async (req, res) => {
      sb.log("info", `checkout ${req.params.id}`);
      const stock = await (await sb.fetch({ service: "inventory", version: "2" }, "/stock")).json();
      res.json({ traceId: sb.tracing.current().traceId, stock });
    });
    const listener = app.listen(0, "127.0.0.1");
    await once(listener, "listening");
    closers.push(() => new Promise((r) => listener.close(r)));

    const answer = await (await fetch(`http://127.0.0.1:${listener.address().port}/checkout/41?debug=1`)).json();
    assert.deepEqual(answer.stock, { inStock: 7 });
    await sb.tracing.flush(10_000);

    const { body, all } = await trace(answer.traceId, 3);
    assert.deepEqual(body.services.sort(), ["inventory", "storefront"]);
    const [root] = body.spans;
    assert.equal(root.service, "storefront");
    assert.equal(root.operation, "GET /checkout/:id");
    assert.equal(root.spanKind, "server");
    assert.equal(root.attributes["http.status_code"], "200");
    assert.deepEqual(root.logs.map((l) => l.message), ["checkout 41"]);
    const call = all.find((s) => s.spanKind === "client");
    assert.equal(call.parentSpanId, root.spanId);
    assert.equal(call.peerService, "inventory");
    assert.equal(call.attributes["switchboard.node"], "inventory-java-1");
    const served = all.find((s) => s.service === "inventory");
    assert.equal(served.parentSpanId, call.spanId, "the Java span continues the Node client span");
    assert.equal(served.operation, "GET /stock");
    assert.deepEqual(served.logs.map((l) => l.message), ["stock checked"]);

    // The call's outcome reached routing's reputation of the Java node.
    await eventually(async () => {
      const res = await server.api(tenant, "GET", "/api/v1/routing/inventory/nodes");
      return JSON.stringify(res.body).includes("inventory-java-1");
    }, "routing counts the outcome against inventory-java-1", 30_000);
    // The outcome named the callee's version: it counts towards version 2.0.0's health.
    const health = await eventually(async () => {
      const res = await server.api(tenant, "GET", "/api/v1/routing/inventory/versions?environment=prod");
      return res.body.versions?.find((v) => v.version === "2.0.0" && v.calls >= 1);
    }, "version 2.0.0's health counted", 30_000);
    assert.equal(health.failures, 0);
  });

  test("Fastify: the incoming traceparent is continued, through body parsing, and errors mark the span", async () => {
    const sb = client({ service: "orders-api" });
    const app = Fastify();
    await app.register(sb.fastify());
    app.post("/orders", async (request) => {
      await new Promise((r) => setTimeout(r, 2));
      sb.log("info", `order for ${request.body.item}`);
      return { traceId: sb.tracing.current()?.traceId ?? null };
    });
    app.get("/broken", async () => {
      throw new Error("database gone");
    });
    await app.listen({ port: 0, host: "127.0.0.1" });
    closers.push(() => app.close());
    const port = app.server.address().port;

    const traceId = "5af7651916cd43dd8448eb211c80319c";
    const res = await fetch(`http://127.0.0.1:${port}/orders`, {
      method: "POST",
      headers: { "content-type": "application/json", traceparent: `00-${traceId}-b7ad6b7169203331-01` },
      body: JSON.stringify({ item: "lamp" }),
    });
    assert.equal((await res.json()).traceId, traceId);
    const broken = await fetch(`http://127.0.0.1:${port}/broken`, { headers: { traceparent: "00-6af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" } });
    assert.equal(broken.status, 500);
    await sb.tracing.flush(10_000);

    const { body } = await trace(traceId, 1);
    const [span] = body.spans;
    assert.equal(span.operation, "POST /orders");
    assert.equal(span.parentSpanId, "b7ad6b7169203331");
    assert.deepEqual(span.logs.map((l) => l.message), ["order for lamp"]);
    const failed = (await trace("6af7651916cd43dd8448eb211c80319c", 1)).body.spans[0];
    assert.equal(failed.status, "error");
    assert.equal(failed.attributes["http.status_code"], "500");
    assert.equal(failed.events[0].attributes["exception.message"], "database gone");
  });

  test("fetch: 5xx answers count against the node and open its breaker", async () => {
    const sb = client({ service: "reports", breakerFailures: 3, breakerOpenForMs: 60_000, resolveTimeoutMs: 300 });
    for (let i = 0; i < 3; i++) {
      assert.equal((await sb.fetch({ service: "inventory", version: "2.0" }, "/fail")).status, 500);
    }
    assert.equal(sb.discovery.breaker("inventory-java-1").state(), "open");
    await assert.rejects(sb.fetch({ service: "inventory", version: "2.0" }, "/stock"), NoNodeError);
  });
});
