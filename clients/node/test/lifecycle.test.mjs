// The client's life against a real standalone Switchboard: it never keeps a process alive, close() flushes and
// deregisters, SIGTERM deregisters when asked, and a server restart is ridden out on the last view.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { Switchboard } from "../dist/index.js";
import { eventually, newTenant, Standalone } from "./support/standalone.mjs";

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), "fixtures");
const server = new Standalone();
const clients = [];

function client(tenant, options = {}) {
  const sb = Switchboard.connect({ url: server.url, token: () => server.token({ tenant, role: "client" }),
    environment: "prod", reconnectMinMs: 200, reconnectMaxMs: 1_000, ...options });
  clients.push(sb);
  return sb;
}

/** Runs a fixture in its own Node process; resolves to the child, its output so far, and its exit. */
function fixture(name, tenant) {
  const child = spawn(process.execPath, [join(FIXTURES, name)], {
    env: { ...process.env, SB_URL: server.url, SB_TOKEN: server.token({ tenant, role: "client" }) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const run = { child, output: "" };
  child.stdout.setEncoding("utf8").on("data", (c) => (run.output += c));
  child.stderr.setEncoding("utf8").on("data", (c) => (run.output += c));
  run.exited = new Promise((r) => child.once("exit", (code, signal) => r({ code, signal })));
  return run;
}

async function services(tenant) {
  const res = await server.api(tenant, "GET", "/api/v1/services");
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.services.flatMap((s) => s.nodes.map((n) => n.id));
}

before(async () => {
  await server.start();
});

after(async () => {
  await Promise.all(clients.map((c) => c.close(1_000)));
  await server.close();
});

describe("lifecycle", () => {
  test("a process whose work is done exits by itself: the client keeps nothing alive", async () => {
    const tenant = newTenant();
    const run = fixture("idle-client.mjs", tenant);
    const killer = setTimeout(() => run.child.kill("SIGKILL"), 30_000);
    const exit = await run.exited;
    clearTimeout(killer);
    assert.deepEqual(exit, { code: 0, signal: null }, run.output);
  });

  test("close() sends what is buffered and deregisters at once", async () => {
    const tenant = newTenant();
    const owner = client(tenant, { service: "mailer", ttlSeconds: 120 });
    const reader = client(tenant);
    await owner.discovery.register({ id: "mailer-1", service: "mailer", version: "1.0.0", address: "10.0.0.9:3", environment: "prod" });
    await reader.discovery.resolve("mailer", "1", "prod");
    for (let i = 0; i < 10; i++) {
      owner.log("info", `mail ${i}`);
    }
    await owner.close();
    assert.equal(owner.connected(), false);
    // Well within the 120 s TTL: removed, not expired.
    await eventually(() => reader.discovery.view("mailer").length === 0, "mailer-1 removed", 10_000);
    await eventually(async () => {
      const res = await server.api(tenant, "GET", "/api/v1/logs?service=mailer&since=1h");
      return res.body.items?.length === 10;
    }, "the 10 buffered logs stored");
  });

  test("with deregisterOnSigterm, SIGTERM deregisters and then ends the process", async () => {
    const tenant = newTenant();
    const reader = client(tenant);
    const run = fixture("sigterm-client.mjs", tenant);
    await eventually(() => run.output.includes("registered"), () => `the worker registered: ${run.output}`, 30_000);
    assert.equal((await reader.discovery.resolve("worker", "1", "prod")).id, "worker-1");
    run.child.kill("SIGTERM");
    const exit = await run.exited;
    assert.equal(exit.signal, "SIGTERM", run.output);
    // Its TTL is 120 s: gone at once means it deregistered.
    await eventually(() => reader.discovery.view("worker").length === 0, "worker-1 removed", 10_000);
    await eventually(async () => (await server.api(tenant, "GET", "/api/v1/logs?service=worker&since=1h")).body.items?.length === 1,
      "the worker's log flushed before it went");
  });

  test("an expired token: the server closes the session (4001) and the client comes back with a fresh one", async () => {
    const tenant = newTenant();
    const tokens = [];
    // The first token of each connection lives 3 s; the callback gives long-lived ones after that.
    const sb = client(tenant, { service: "billing", token: () => {
      const token = server.token({ tenant, role: "client", ttlSeconds: tokens.length < 2 ? 3 : 3_600 });
      tokens.push(token);
      return token;
    } });
    await sb.discovery.register({ id: "billing-1", service: "billing", version: "1.0.0", address: "10.0.0.9:5", environment: "prod" });
    await eventually(() => tokens.length >= 4, () => `both connections asked for a new token (${tokens.length} so far)`, 20_000);
    await eventually(() => sb.connected(), "connected again");
    await eventually(async () => (await services(tenant)).includes("billing-1"), "billing-1 registered on the new session");
    sb.log("info", "after the new token");
    await sb.tracing.flush(10_000);
    await eventually(async () => (await server.api(tenant, "GET", "/api/v1/logs?service=billing&since=1h")).body.items?.length === 1,
      "the log sent on the new session stored");
  });

  test("a server restart: resolves go on from the last view, whose age shows; then everything comes back", async () => {
    const tenant = newTenant();
    const owner = client(tenant, { service: "catalog", nodeId: "catalog-1" });
    const reader = client(tenant, { service: "web" });
    await owner.discovery.register({ id: "catalog-1", service: "catalog", version: "3.1.0", address: "10.0.0.9:4", environment: "prod" });
    assert.equal((await reader.discovery.resolve("catalog", "3", "prod")).id, "catalog-1");
    assert.equal(reader.discovery.viewAge("catalog"), 0);

    await server.stop();
    await eventually(() => !reader.connected() && !owner.connected(), "both clients saw the server go");
    await eventually(() => reader.discovery.viewAge("catalog") > 0, "the view ageing");
    assert.equal((await reader.discovery.resolve("catalog", "3", "prod")).id, "catalog-1", "resolved from the last view");
    owner.log("warn", "logged while the server was down");

    await server.start();
    // The registry is in memory: the node is back because its client registered it again on reconnect.
    await eventually(async () => (await services(tenant)).includes("catalog-1"), "catalog-1 registered again", 30_000);
    await eventually(() => reader.connected() && reader.discovery.viewAge("catalog") === 0, "the reader's view live again", 30_000);
    assert.equal((await reader.discovery.resolve("catalog", "3", "prod")).id, "catalog-1");
    await owner.tracing.flush(20_000);
    await eventually(async () => {
      const res = await server.api(tenant, "GET", "/api/v1/logs?service=catalog&since=1h");
      return res.body.items?.some((l) => l.message === "logged while the server was down");
    }, "the log buffered during the outage stored");
    assert.ok(owner.tracing.pending().buffered === 0);
  });
});
