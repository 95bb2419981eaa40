// The shared test vectors (clients/vectors, docs/client-behaviour.md): the same cases the Java client runs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { CircuitBreaker, VersionRange, choose, parseEnvironment, parseTraceContext, reconnectDelay } from "../dist/index.js";

const vectors = (name) =>
  JSON.parse(readFileSync(fileURLToPath(new URL(`../../vectors/${name}`, import.meta.url)), "utf8"));

test("version matching", () => {
  const v = vectors("versions.json");
  assert.ok(v.cases.length > 0);
  for (const c of v.cases) {
    assert.equal(VersionRange.parse(c.range).matches(c.version), c.matches, JSON.stringify(c));
  }
  for (const bad of v.invalid) {
    assert.throws(() => VersionRange.parse(bad), RangeError, bad);
  }
});

test("environment specs", () => {
  const v = vectors("environments.json");
  assert.ok(v.cases.length > 0);
  for (const c of v.cases) {
    assert.deepEqual(parseEnvironment(c.spec), { primary: c.primary, fallback: c.fallback }, JSON.stringify(c));
  }
  for (const bad of v.invalid) {
    assert.throws(() => parseEnvironment(bad), RangeError, bad);
  }
});

test("choosing among candidates", () => {
  const v = vectors("choices.json");
  assert.ok(v.cases.length > 0);
  for (const c of v.cases) {
    const candidates = c.candidates.map((n) => ({ id: n.id, service: "s", version: n.version, address: "10.0.0.1:80",
      environment: c.environment }));
    const turn = { value: 0 };
    const chosen = new Set();
    for (let i = 0; i < 400; i++) {
      chosen.add(choose(candidates, c.policy, c.environment, turn, c.caller).id);
    }
    assert.deepEqual([...chosen].sort(), [...c.mayChoose].sort(), c.name);
  }
});

test("trace context from incoming headers", () => {
  const v = vectors("tracecontext.json");
  assert.ok(v.cases.length > 0);
  for (const c of v.cases) {
    const ctx = parseTraceContext(c.traceparent, c.tracestate);
    if (c.expected === null) {
      assert.equal(ctx, null, JSON.stringify(c));
      continue;
    }
    const { traceState, ...rest } = c.expected;
    assert.deepEqual(ctx, traceState === null ? rest : { ...rest, traceState }, JSON.stringify(c));
  }
});

test("circuit breaker, step by step", () => {
  const v = vectors("breaker.json");
  let now = 1_000_000;
  const breaker = new CircuitBreaker(v.failures, v.openForMs, () => now);
  v.steps.forEach((step, i) => {
    if (step.advance !== undefined) {
      now += step.advance;
    } else {
      breaker[step.do]();
    }
    assert.equal(breaker.state(), step.state, `step ${i} ${JSON.stringify(step)}`);
    assert.equal(breaker.allowsCall(), step.allows, `step ${i} ${JSON.stringify(step)}`);
  });
});

test("reconnect delays", () => {
  const v = vectors("reconnect.json");
  assert.ok(v.cases.length > 0);
  for (const c of v.cases) {
    assert.equal(reconnectDelay(c.failures, c.minMs, c.maxMs, () => c.random), c.delayMs, JSON.stringify(c));
  }
});
