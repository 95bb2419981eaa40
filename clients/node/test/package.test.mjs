// The package as a user gets it: `npm pack` makes a tarball of the compiled client only, it installs into an empty
// project, and the README's Node quick start, copied from README.md as written, runs against a real standalone.
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { eventually, newTenant, ROOT, Standalone } from "./support/standalone.mjs";

const run = promisify(execFile);
const PACKAGE = join(dirname(fileURLToPath(import.meta.url)), "..");
const server = new Standalone();
const work = mkdtempSync(join(tmpdir(), "switchboard-node-package-"));

/** The ```js block of README.md's "Node.js services" section. */
function quickStart() {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Node.js services"));
  const m = /```js\n([\s\S]*?)```/.exec(section.slice(0, section.indexOf("\n## ", 5)));
  assert.ok(m, "README.md has a Node.js services section with a js block");
  return m[1];
}

before(async () => {
  await server.start();
});

after(async () => {
  await server.close();
  rmSync(work, { recursive: true, force: true });
});

test("npm pack holds the compiled client, and the README's quick start works as written", async () => {
  const { stdout } = await run("npm", ["pack", "--json", "--pack-destination", work], { cwd: PACKAGE });
  const [packed] = JSON.parse(stdout);
  const files = packed.files.map((f) => f.path);
  for (const needed of ["package.json", "README.md", "dist/index.js", "dist/index.d.ts", "dist/client.js"]) {
    assert.ok(files.includes(needed), `${needed} in the tarball`);
  }
  assert.deepEqual(files.filter((f) => !f.startsWith("dist/") && !["package.json", "README.md"].includes(f)), [],
    "nothing but dist/, package.json and README.md");

  const app = join(work, "app");
  await run("mkdir", ["-p", app]);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "quick-start", private: true }));
  await run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", join(work, packed.filename)], { cwd: app });
  writeFileSync(join(app, "app.mjs"), quickStart());

  const tenant = newTenant();
  const result = await run(process.execPath, ["app.mjs"], {
    cwd: app, timeout: 60_000,
    env: { ...process.env, SWITCHBOARD_URL: server.url, SWITCHBOARD_TOKEN: server.token({ tenant, role: "client" }) },
  });
  assert.equal(result.stderr, "");
  await eventually(async () => {
    const res = await server.api(tenant, "GET", "/api/v1/logs?service=orders&since=1h");
    return res.body.items?.some((l) => l.message === "resolved orders-1 at 127.0.0.1:8080");
  }, "the quick start's log stored");
  // It left: close() deregistered its node.
  const services = await server.api(tenant, "GET", "/api/v1/services");
  assert.deepEqual(services.body.services.flatMap((s) => s.nodes), []);
});
