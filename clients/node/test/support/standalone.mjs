// A real Switchboard for the Node client's tests: `./switchboard standalone` on a free port, with its own data
// directory and token secret, started once per test file. Nothing here is a stand-in for the server.
import { spawn } from "node:child_process";
import { createHmac, randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");
const START_DEADLINE_MS = 240_000;

/** A port nothing listens on right now. */
export async function freePort() {
  return new Promise((done, fail) => {
    const server = net.createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

function base64url(value) {
  return Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");
}

/** An HS256 JWT with the claims the server needs (docs/protocol.md, section 1). */
export function signToken(secret, { tenant, role, service, ttlSeconds = 3_600 }) {
  const now = Math.floor(Date.now() / 1_000);
  const claims = { sub: `${tenant}-${service ?? role}`, tenant, role, iat: now, exp: now + ttlSeconds };
  if (service !== undefined) {
    claims.service = service;
  }
  const unsigned = `${base64url({ alg: "HS256", typ: "JWT" })}.${base64url(claims)}`;
  return `${unsigned}.${createHmac("sha256", secret).update(unsigned).digest("base64url")}`;
}

/** Waits until `condition()` is truthy (it may be async), polling; fails with `what` after the deadline. */
export async function eventually(condition, what, deadlineMs = 20_000) {
  const until = Date.now() + deadlineMs;
  let last;
  for (;;) {
    try {
      const value = await condition();
      if (value) {
        return value;
      }
    } catch (e) {
      last = e;
    }
    if (Date.now() > until) {
      const said = typeof what === "function" ? what() : what;
      throw new Error(`not within ${deadlineMs} ms: ${said}${last ? ` (last error: ${last.message})` : ""}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A standalone Switchboard process. `start()` resolves once it printed its URL (it is ready then); `stop()` ends it
 * with SIGTERM; `restart()` starts it again on the same port and data.
 */
export class Standalone {
  /** @param env configuration overrides for the server (SWITCHBOARD_* variables, docs/configuration.md) */
  constructor(env = {}) {
    // No warm-up: these tests are about the client, and each start would spend 20-30 s of CPU warming the server's
    // JIT (the warm-up has its own tests in the Java modules).
    this.env = { SWITCHBOARD_WARMUP_MAX_DURATION: "0s", ...env };
    this.secret = randomBytes(24).toString("hex");
    this.dataDir = mkdtempSync(join(tmpdir(), "switchboard-node-test-"));
    this.port = 0;
    this.process = null;
    this.output = "";
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  async start() {
    if (this.port === 0) {
      this.port = await freePort();
    }
    const child = spawn(join(ROOT, "switchboard"), ["standalone", "--port", String(this.port), "--data-dir", this.dataDir], {
      cwd: ROOT,
      env: { ...process.env, ...this.env, SWITCHBOARD_AUTH_HS256_SECRET: this.secret },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.process = child;
    const exited = new Promise((r) => child.once("exit", (code, signal) => r({ code, signal })));
    this.exited = exited;
    const ready = new Promise((done, fail) => {
      const timer = setTimeout(() => fail(new Error(`standalone did not start within ${START_DEADLINE_MS} ms:\n${this.output.slice(-4_000)}`)),
        START_DEADLINE_MS);
      const read = (chunk) => {
        this.output += chunk;
        if (this.output.length > 200_000) {
          this.output = this.output.slice(-100_000);
        }
        if (this.output.includes(`Switchboard is running at http://127.0.0.1:${this.port}`)) {
          clearTimeout(timer);
          done();
        }
      };
      child.stdout.setEncoding("utf8").on("data", read);
      child.stderr.setEncoding("utf8").on("data", read);
      exited.then(({ code, signal }) => {
        clearTimeout(timer);
        fail(new Error(`standalone exited (${code ?? signal}) before it was ready:\n${this.output.slice(-4_000)}`));
      });
    });
    this.output = "";
    await ready;
    // Only what follows a start counts as this run's output.
    this.output = "";
  }

  async stop() {
    const child = this.process;
    if (child === null || child.exitCode !== null || child.signalCode !== null) {
      return;
    }
    child.kill("SIGTERM");
    const killer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    await this.exited;
    clearTimeout(killer);
    this.process = null;
  }

  async restart() {
    await this.stop();
    await this.start();
  }

  async close() {
    await this.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }

  token(claims) {
    return signToken(this.secret, claims);
  }

  /** A REST call with an operator token of `tenant`; resolves to { status, body } (body parsed if JSON). */
  async api(tenant, method, path, body) {
    const res = await fetch(`${this.url}${path}`, {
      method,
      headers: { Authorization: `Bearer ${this.token({ tenant, role: "operator" })}`, "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: res.status, body: parsed };
  }
}

/** A tenant name of its own for each test run, so that runs never see each other's data. */
export function newTenant(prefix = "node") {
  return `${prefix}-${randomBytes(4).toString("hex")}`;
}

function javaMajor(home) {
  try {
    const release = readFileSync(join(home, "release"), "utf8");
    const m = /JAVA_VERSION="(\d+)/.exec(release);
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

/** A java binary of JDK 21 or newer: JAVA_HOME's (./switchboard exports the one it found), else one under /usr/lib/jvm. */
export function javaBinary() {
  const homes = [process.env.JAVA_HOME, ...(existsSync("/usr/lib/jvm") ? readdirSync("/usr/lib/jvm").map((d) => join("/usr/lib/jvm", d)) : [])];
  const home = homes.find((h) => h && javaMajor(h) >= 21 && existsSync(join(h, "bin", "java")));
  if (home === undefined) {
    throw new Error("no JDK 21 or newer: set JAVA_HOME (./switchboard test finds one by itself)");
  }
  return join(home, "bin", "java");
}

/** The Java client's runtime classpath, as the build wrote it (run ./switchboard build first). */
export function javaClientClasspath() {
  const file = join(ROOT, "client", "target", "classpath.txt");
  if (!existsSync(file)) {
    throw new Error(`${file} is missing: build Switchboard first (./switchboard build)`);
  }
  return `${join(ROOT, "client", "target", "classes")}:${readFileSync(file, "utf8").trim()}`;
}
