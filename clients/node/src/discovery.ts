import { choose, type Turn } from "./balancer.js";
import { CircuitBreaker } from "./breaker.js";
import type { ConnectionHandler, Frame, ManagedConnection } from "./connection.js";
import { parseEnvironment, type EnvironmentSpec } from "./environments.js";
import { holdUntilSettled } from "./keepalive.js";
import type { Node, RoutingPolicy } from "./policy.js";
import { VersionRange } from "./versions.js";

/** A resolve found no node within its timeout; the message says what was missing. */
export class NoNodeError extends Error {
  override readonly name = "NoNodeError";
}

/** The server refused a registration; `code` is the protocol's error code (invalid_field, forbidden, ...). */
export class RegistrationError extends Error {
  override readonly name = "RegistrationError";

  constructor(message: string, readonly code: string, readonly field?: string) {
    super(message);
  }
}

export interface DiscoverySettings {
  readonly ttlSeconds: number;
  readonly resolveTimeoutMs: number;
  readonly breakerFailures: number;
  readonly breakerOpenForMs: number;
  /** This process's service: the caller whose own ejections (`ejectedFor`) it obeys. */
  readonly service: string | null;
  readonly now?: () => number;
  readonly random?: () => number;
}

/** Where reported call outcomes go besides the breaker (tracing). */
export type OutcomeSink = (callee: Node, success: boolean, latencyMs: number) => void;

interface Waiter {
  readonly service: string;
  readonly range: VersionRange;
  readonly env: EnvironmentSpec;
  readonly resolve: (node: Node) => void;
  readonly timer: NodeJS.Timeout;
}

interface Registration {
  readonly node: Node;
  readonly pending: { resolve: () => void; reject: (e: Error) => void }[];
}

/**
 * The discovery half of the client: keeps this process's nodes registered and resolves other services from a view
 * the server pushes, without a round trip per call. Nothing here throws from background work: connection trouble
 * is retried with backoff and shows only as nodes not yet known.
 */
export class Discovery implements ConnectionHandler {
  private connection!: ManagedConnection;
  private readonly hosted = new Map<string, Registration>();
  private readonly serviceToSubscription = new Map<string, string>();
  private readonly subscriptionToService = new Map<string, string>();
  /** Subscriptions whose snapshot has arrived on the current connection. */
  private readonly live = new Set<string>();
  private readonly pages = new Map<string, Node[]>();
  private readonly nodes = new Map<string, Node[]>();
  private readonly policies = new Map<string, RoutingPolicy>();
  /** "environment|version" of every node ever seen, per service, for the fallback rule. */
  private readonly everSeen = new Map<string, Set<string>>();
  private readonly updatedAt = new Map<string, number>();
  private readonly breakers = new Map<string, CircuitBreaker>();
  private readonly turns = new Map<string, Turn>();
  private readonly waiters = new Set<Waiter>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly now: () => number;

  constructor(private readonly settings: DiscoverySettings, private readonly outcomes: OutcomeSink | null) {
    this.now = settings.now ?? Date.now;
    const heartbeat = setInterval(() => this.heartbeat(), (settings.ttlSeconds * 1_000) / 2);
    // An open breaker turns half-open with time, not with a frame: waiting resolves look again every second.
    const waiters = setInterval(() => this.serveWaiters(), 1_000);
    for (const t of [heartbeat, waiters]) {
      t.unref();
      this.timers.push(t);
    }
  }

  attach(connection: ManagedConnection): void {
    this.connection = connection;
  }

  /**
   * Keeps a node registered (heartbeats every ttl / 2, registered again after every reconnect) until
   * {@link deregister} or close. Resolves when the server first accepts it (after the reconnect, while
   * disconnected); rejects with a {@link RegistrationError} saying why the server refused it.
   */
  register(node: Node): Promise<void> {
    return holdUntilSettled(new Promise<void>((resolve, reject) => {
      const pending = this.hosted.get(node.id)?.pending ?? [];
      pending.push({ resolve, reject });
      this.hosted.set(node.id, { node, pending });
      this.connection.send(this.registerFrame(node));
    }));
  }

  /** Stops keeping the node registered and removes it from the registry (at once if connected). */
  deregister(nodeId: string): Promise<void> {
    if (this.hosted.delete(nodeId)) {
      this.connection.send({ type: "deregister", ref: `dereg:${nodeId}`, id: nodeId });
    }
    return Promise.resolve();
  }

  /** The ids of the nodes this client keeps registered. */
  hostedNodes(): string[] {
    return [...this.hosted.keys()];
  }

  /**
   * A node of `service` whose version is in `versionRange`, in `environment` (`"prod"` or
   * `"prod,fallback:staging"`), chosen by the service's routing policy among the nodes whose breaker lets calls
   * through. Resolves at once if one is known, else when one appears; rejects with {@link NoNodeError} after the
   * resolve timeout, and with a RangeError at once for a malformed range or environment.
   */
  resolve(service: string, versionRange: string, environment: string, timeoutMs = this.settings.resolveTimeoutMs): Promise<Node> {
    let range: VersionRange;
    let env: EnvironmentSpec;
    try {
      range = VersionRange.parse(versionRange);
      env = parseEnvironment(environment);
    } catch (e) {
      return Promise.reject(e as Error);
    }
    this.subscribe(service);
    const now = this.pick(service, range, env);
    if (now !== null) {
      return Promise.resolve(now);
    }
    return holdUntilSettled(new Promise<Node>((resolve, reject) => {
      const waiter: Waiter = {
        service, range, env, resolve,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          const why = this.connection.isOpen() ? "" : " (not connected to Switchboard)";
          reject(new NoNodeError(`no node of service '${service}' version ${versionRange} in environment `
            + `'${environment}' within ${timeoutMs} ms${why}`));
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    }));
  }

  /** How a call to a resolved node went: feeds its breaker and (with tracing) the fleet's reputation of it. */
  report(node: Node, success: boolean, latencyMs: number): void {
    const breaker = this.breaker(node.id);
    if (success) {
      breaker.success();
    } else {
      breaker.failure();
    }
    this.outcomes?.(node, success, latencyMs);
  }

  /** A node's circuit breaker, for diagnostics and tests. */
  breaker(nodeId: string): CircuitBreaker {
    let b = this.breakers.get(nodeId);
    if (b === undefined) {
      b = new CircuitBreaker(this.settings.breakerFailures, this.settings.breakerOpenForMs, this.now);
      this.breakers.set(nodeId, b);
    }
    return b;
  }

  /** The nodes of a service as last pushed (empty if it was never resolved). */
  view(service: string): readonly Node[] {
    return this.nodes.get(service) ?? [];
  }

  /** The routing policy last pushed for a service, or null (plain round robin). */
  policy(service: string): RoutingPolicy | null {
    return this.policies.get(service) ?? null;
  }

  /**
   * How old the view of a service is, in ms: 0 while it is live (connected, its snapshot received), the time since
   * it stopped being kept up to date while disconnected, and null if no view of it ever arrived.
   */
  viewAge(service: string): number | null {
    const updated = this.updatedAt.get(service);
    if (updated === undefined) {
      return null;
    }
    const subscription = this.serviceToSubscription.get(service);
    if (subscription !== undefined && this.live.has(subscription)) {
      return 0;
    }
    const since = this.connection.disconnectedSince() ?? updated;
    return Math.max(0, this.now() - Math.max(since, updated));
  }

  close(): void {
    this.timers.forEach((t) => clearInterval(t));
    for (const w of this.waiters) {
      clearTimeout(w.timer);
    }
    this.waiters.clear();
  }

  // ConnectionHandler

  opened(): void {
    for (const r of this.hosted.values()) {
      this.connection.send(this.registerFrame(r.node));
    }
    for (const [id, service] of this.subscriptionToService) {
      this.connection.send(subscribeFrame(id, service));
    }
  }

  lost(): void {
    this.live.clear();
    this.pages.clear();
  }

  frame(frame: Frame): void {
    switch (frame.type) {
      case "registered":
        this.settle(String(frame.id), null);
        break;
      case "snapshot":
        this.snapshot(frame);
        break;
      case "changes":
        this.changes(frame);
        break;
      case "reregister":
        for (const id of (frame.ids as string[] | undefined) ?? []) {
          const r = this.hosted.get(id);
          if (r !== undefined) {
            this.connection.send(this.registerFrame(r.node));
          }
        }
        break;
      case "error":
        this.refused(frame);
        break;
      default:
    }
  }

  private snapshot(frame: Frame): void {
    const subscription = String(frame.subscription);
    let nodes = (frame.nodes as Node[] | undefined) ?? [];
    if (frame.page !== undefined) {
      // A snapshot in pages: the view is replaced once its last page is here.
      const gathered = frame.page === 1 ? [] : this.pages.get(subscription) ?? [];
      gathered.push(...nodes);
      if (frame.more === true) {
        this.pages.set(subscription, gathered);
        return;
      }
      this.pages.delete(subscription);
      nodes = gathered;
    }
    const service = this.subscriptionToService.get(subscription);
    if (service === undefined) {
      return;
    }
    this.live.add(subscription);
    this.publish(service, new Map(nodes.map((n) => [n.id, n])));
    this.takePolicies(service, frame.policies, true);
    this.serveWaiters();
  }

  private changes(frame: Frame): void {
    const service = this.subscriptionToService.get(String(frame.subscription));
    if (service === undefined) {
      return;
    }
    const next = new Map(this.view(service).map((n) => [n.id, n]));
    for (const n of (frame.upserted as Node[] | undefined) ?? []) {
      next.set(n.id, n);
    }
    for (const r of (frame.removed as { id: string }[] | undefined) ?? []) {
      next.delete(r.id);
    }
    this.publish(service, next);
    this.takePolicies(service, frame.policies, false);
    this.serveWaiters();
  }

  private publish(service: string, nodes: Map<string, Node>): void {
    const list = [...nodes.values()];
    let seen = this.everSeen.get(service);
    if (seen === undefined) {
      seen = new Set();
      this.everSeen.set(service, seen);
    }
    for (const n of list) {
      seen.add(`${n.environment}|${n.version}`);
    }
    this.nodes.set(service, list);
    this.updatedAt.set(service, this.now());
  }

  /** A snapshot's policies (a service left out has none) or a change's (a null policy was withdrawn). */
  private takePolicies(service: string, pushed: unknown, snapshot: boolean): void {
    const policies = (pushed ?? {}) as Record<string, RoutingPolicy | null>;
    if (snapshot && !(service in policies)) {
      this.policies.delete(service);
    }
    for (const [name, policy] of Object.entries(policies)) {
      if (policy === null || typeof policy !== "object") {
        this.policies.delete(name);
      } else {
        this.policies.set(name, policy);
      }
    }
  }

  private everHad(service: string, environment: string, range: VersionRange): boolean {
    for (const s of this.everSeen.get(service) ?? []) {
      const bar = s.indexOf("|");
      if (s.substring(0, bar) === environment && range.matches(s.substring(bar + 1))) {
        return true;
      }
    }
    return false;
  }

  private pick(service: string, range: VersionRange, env: EnvironmentSpec): Node | null {
    const nodes = this.view(service);
    let environment = env.primary;
    let candidates = this.candidates(nodes, environment, range);
    if (candidates.length === 0 && env.fallback !== null && !this.everHad(service, env.primary, range)) {
      environment = env.fallback;
      candidates = this.candidates(nodes, environment, range);
    }
    if (candidates.length === 0) {
      return null;
    }
    let turn = this.turns.get(service);
    if (turn === undefined) {
      turn = { value: 0 };
      this.turns.set(service, turn);
    }
    const chosen = choose(candidates, this.policy(service), environment, turn, this.settings.service,
      this.settings.random ?? Math.random);
    this.breaker(chosen.id).callStarted();
    return chosen;
  }

  private candidates(nodes: readonly Node[], environment: string, range: VersionRange): Node[] {
    return nodes.filter((n) => n.environment === environment && range.matches(n.version)
      && this.breaker(n.id).allowsCall());
  }

  private serveWaiters(): void {
    for (const w of this.waiters) {
      const n = this.pick(w.service, w.range, w.env);
      if (n !== null) {
        clearTimeout(w.timer);
        this.waiters.delete(w);
        w.resolve(n);
      }
    }
  }

  private subscribe(service: string): void {
    if (this.serviceToSubscription.has(service)) {
      return;
    }
    const id = `s${this.subscriptionToService.size + 1}`;
    this.subscriptionToService.set(id, service);
    this.serviceToSubscription.set(service, id);
    this.connection.send(subscribeFrame(id, service));
  }

  private heartbeat(): void {
    if (this.hosted.size > 0 && this.connection.isOpen()) {
      this.connection.send({ type: "heartbeat", ids: [...this.hosted.keys()] });
    }
  }

  /**
   * An error answering a register or subscribe (matched by its `ref`). A rate refusal (`retryAfterMs`) is sent
   * again after that long, not counted as a failure; any other refusal of a register fails it; a subscribe refused
   * otherwise is tried again on the next connection.
   */
  private refused(error: Frame): void {
    const ref = typeof error.ref === "string" ? error.ref : "";
    const code = String(error.code);
    const retry = Number(error.retryAfterMs ?? 0);
    if (ref.startsWith("reg:")) {
      const id = ref.substring(4);
      if (code === "limit_exceeded" && retry > 0) {
        this.later(retry, () => {
          const r = this.hosted.get(id);
          if (r !== undefined) {
            this.connection.send(this.registerFrame(r.node));
          }
        });
        return;
      }
      if (code === "invalid_field" || code === "forbidden" || code === "limit_exceeded") {
        this.settle(id, new RegistrationError(String(error.message), code,
          typeof error.field === "string" ? error.field : undefined));
        this.hosted.delete(id);
      }
    } else if (ref.startsWith("sub:") && code === "limit_exceeded" && retry > 0) {
      const id = ref.substring(4);
      this.later(retry, () => {
        const service = this.subscriptionToService.get(id);
        if (service !== undefined) {
          this.connection.send(subscribeFrame(id, service));
        }
      });
    }
  }

  private settle(nodeId: string, failure: Error | null): void {
    const r = this.hosted.get(nodeId);
    const pending = r?.pending.splice(0) ?? [];
    for (const p of pending) {
      if (failure === null) {
        p.resolve();
      } else {
        p.reject(failure);
      }
    }
  }

  private later(ms: number, action: () => void): void {
    setTimeout(action, Math.min(ms, 60_000)).unref();
  }

  private registerFrame(node: Node): Frame {
    return { type: "register", ref: `reg:${node.id}`, ttl: this.settings.ttlSeconds, node };
  }
}

function subscribeFrame(id: string, service: string): Frame {
  return { type: "subscribe", ref: `sub:${id}`, id, service };
}
