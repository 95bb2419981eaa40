// Discovery against a real standalone Switchboard: registration, pushed views, routing policies, breakers.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { NoNodeError, RegistrationError, Switchboard } from "../dist/index.js";
import { eventually, newTenant, Standalone } from "./support/standalone.mjs";

const server = new Standalone();
const tenant = newTenant();
const clients = [];

function client(options = {}) {
  const sb = Switchboard.connect({
    url: server.url,
    token: () => server.token({ tenant, role: "client", ...(options.boundTo ? { service: options.boundTo } : {}) }),
    reconnectMinMs: 200,
    reconnectMaxMs: 1_000,
    ...options,
  });
  clients.push(sb);
  return sb;
}

let nextPort = 8080;

/** A node at an address of its own (a second node of a service at the same address replaces the first). */
function node(id, service, version, extra = {}) {
  return { id, service, version, address: `10.0.0.7:${nextPort++}`, environment: "prod", ...extra };
}

before(async () => {
  await server.start();
});

after(async () => {
  await Promise.all(clients.map((c) => c.close(1_000)));
  await server.close();
});

describe("discovery", () => {
  test("a registered node is seen by a subscriber, and so are later changes", async () => {
    const owner = client({ service: "orders" });
    const reader = client({ service: "gateway" });
    await owner.discovery.register(node("orders-1", "orders", "1.4.2"));
    const found = await reader.discovery.resolve("orders", "1.4", "prod");
    assert.equal(found.id, "orders-1");
    assert.match(found.address, /^10\.0\.0\.7:\d+$/);

    await owner.discovery.register(node("orders-2", "orders", "1.5.0"));
    await eventually(() => reader.discovery.view("orders").some((n) => n.id === "orders-2"), "orders-2 pushed");
    await owner.discovery.deregister("orders-2");
    await eventually(() => !reader.discovery.view("orders").some((n) => n.id === "orders-2"), "orders-2 removed");
    assert.equal(reader.discovery.viewAge("orders"), 0);
  });

  test("version ranges and the environment fallback follow docs/client-behaviour.md", async () => {
    const owner = client();
    const reader = client();
    await owner.discovery.register(node("stock-staging-1", "stock", "2.1.0", { environment: "staging" }));
    // Production never had a stock node: the fallback is used.
    assert.equal((await reader.discovery.resolve("stock", "2", "prod,fallback:staging")).id, "stock-staging-1");
    await assert.rejects(reader.discovery.resolve("stock", "3", "staging", 300), NoNodeError);
    await assert.rejects(reader.discovery.resolve("stock", "^2.0", "staging"), RangeError);

    await owner.discovery.register(node("stock-prod-1", "stock", "2.2.0"));
    assert.equal((await reader.discovery.resolve("stock", "2.2", "prod,fallback:staging")).id, "stock-prod-1");
    // Production had one and lost it: an outage to see, not a reason to send production traffic to staging.
    await owner.discovery.deregister("stock-prod-1");
    await eventually(() => reader.discovery.view("stock").length === 1, "stock-prod-1 removed");
    const error = await reader.discovery.resolve("stock", "2.2", "prod,fallback:staging", 300).catch((e) => e);
    assert.ok(error instanceof NoNodeError, String(error));
    assert.match(error.message, /stock/);
  });

  test("a register the server refuses fails with its reason", async () => {
    const bound = client({ boundTo: "payments" });
    const error = await bound.discovery.register(node("orders-9", "orders", "1.0.0")).catch((e) => e);
    assert.ok(error instanceof RegistrationError, String(error));
    assert.equal(error.code, "forbidden");
    const invalid = await bound.discovery.register(node("payments-x", "payments", "one")).catch((e) => e);
    assert.equal(invalid.code, "invalid_field");
    assert.match(invalid.message, /node\.version/);
  });

  test("resolution follows a pushed canary split, and a change of it", async () => {
    const owner = client();
    const reader = client({ service: "checkout" });
    await owner.discovery.register(node("cart-old", "cart", "1.2.0"));
    await owner.discovery.register(node("cart-new", "cart", "1.3.0"));
    await eventually(async () => (await reader.discovery.resolve("cart", "1", "prod")) && reader.discovery.view("cart").length === 2,
      "both cart nodes in view");

    const put = await server.api(tenant, "PUT", "/api/v1/routing/cart?environment=prod",
      { strategy: "canary", split: { "1.3.0": 100 } });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    await eventually(() => reader.discovery.policy("cart")?.strategies?.prod?.strategy === "canary", "canary policy pushed");
    for (let i = 0; i < 50; i++) {
      assert.equal((await reader.discovery.resolve("cart", "1", "prod")).id, "cart-new");
    }

    await server.api(tenant, "PUT", "/api/v1/routing/cart?environment=prod", { strategy: "canary", split: { "1.2.0": 100 } });
    await eventually(() => reader.discovery.policy("cart")?.strategies?.prod?.split?.["1.3.0"] === undefined, "new split pushed");
    const seen = new Set();
    for (let i = 0; i < 50; i++) {
      seen.add((await reader.discovery.resolve("cart", "1", "prod")).id);
    }
    assert.deepEqual([...seen], ["cart-old"]);
  });

  test("a node's breaker opens on failures, lets a trial through later, and closes on its success", async () => {
    const owner = client();
    const reader = client({ breakerFailures: 3, breakerOpenForMs: 1_500 });
    await owner.discovery.register(node("ledger-1", "ledger", "1.0.0"));
    await owner.discovery.register(node("ledger-2", "ledger", "1.0.0"));
    await eventually(async () => (await reader.discovery.resolve("ledger", "1", "prod")) && reader.discovery.view("ledger").length === 2,
      "both ledger nodes in view");
    const bad = reader.discovery.view("ledger").find((n) => n.id === "ledger-1");
    for (let i = 0; i < 3; i++) {
      reader.report(bad, false, 12);
    }
    assert.equal(reader.discovery.breaker("ledger-1").state(), "open");
    for (let i = 0; i < 20; i++) {
      assert.equal((await reader.discovery.resolve("ledger", "1", "prod")).id, "ledger-2");
    }
    // Half-open: one trial goes to the node, and no second one until it reports.
    const trial = await eventually(async () => {
      const n = await reader.discovery.resolve("ledger", "1", "prod");
      return n.id === "ledger-1" ? n : null;
    }, "a trial call to ledger-1 once the breaker is half-open", 10_000);
    assert.equal(reader.discovery.breaker("ledger-1").state(), "half-open");
    for (let i = 0; i < 10; i++) {
      assert.equal((await reader.discovery.resolve("ledger", "1", "prod")).id, "ledger-2");
    }
    reader.report(trial, true, 3);
    assert.equal(reader.discovery.breaker("ledger-1").state(), "closed");
    const after = new Set();
    for (let i = 0; i < 10; i++) {
      after.add((await reader.discovery.resolve("ledger", "1", "prod")).id);
    }
    assert.deepEqual([...after].sort(), ["ledger-1", "ledger-2"]);
  });
});
