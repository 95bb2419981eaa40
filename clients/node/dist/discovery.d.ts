import { CircuitBreaker } from "./breaker.js";
import type { ConnectionHandler, Frame, ManagedConnection } from "./connection.js";
import type { Node, RoutingPolicy } from "./policy.js";
/** A resolve found no node within its timeout; the message says what was missing. */
export declare class NoNodeError extends Error {
    readonly name = "NoNodeError";
}
/** The server refused a registration; `code` is the protocol's error code (invalid_field, forbidden, ...). */
export declare class RegistrationError extends Error {
    readonly code: string;
    readonly field?: string | undefined;
    readonly name = "RegistrationError";
    constructor(message: string, code: string, field?: string | undefined);
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
/**
 * The discovery half of the client: keeps this process's nodes registered and resolves other services from a view
 * the server pushes, without a round trip per call. Nothing here throws from background work: connection trouble
 * is retried with backoff and shows only as nodes not yet known.
 */
export declare class Discovery implements ConnectionHandler {
    private readonly settings;
    private readonly outcomes;
    private connection;
    private readonly hosted;
    private readonly serviceToSubscription;
    private readonly subscriptionToService;
    /** Subscriptions whose snapshot has arrived on the current connection. */
    private readonly live;
    private readonly pages;
    private readonly nodes;
    private readonly policies;
    /** "environment|version" of every node ever seen, per service, for the fallback rule. */
    private readonly everSeen;
    private readonly updatedAt;
    private readonly breakers;
    private readonly turns;
    private readonly waiters;
    private readonly timers;
    private readonly now;
    constructor(settings: DiscoverySettings, outcomes: OutcomeSink | null);
    attach(connection: ManagedConnection): void;
    /**
     * Keeps a node registered (heartbeats every ttl / 2, registered again after every reconnect) until
     * {@link deregister} or close. Resolves when the server first accepts it (after the reconnect, while
     * disconnected); rejects with a {@link RegistrationError} saying why the server refused it.
     */
    register(node: Node): Promise<void>;
    /** Stops keeping the node registered and removes it from the registry (at once if connected). */
    deregister(nodeId: string): Promise<void>;
    /** The ids of the nodes this client keeps registered. */
    hostedNodes(): string[];
    /**
     * A node of `service` whose version is in `versionRange`, in `environment` (`"prod"` or
     * `"prod,fallback:staging"`), chosen by the service's routing policy among the nodes whose breaker lets calls
     * through. Resolves at once if one is known, else when one appears; rejects with {@link NoNodeError} after the
     * resolve timeout, and with a RangeError at once for a malformed range or environment.
     */
    resolve(service: string, versionRange: string, environment: string, timeoutMs?: number): Promise<Node>;
    /** How a call to a resolved node went: feeds its breaker and (with tracing) the fleet's reputation of it. */
    report(node: Node, success: boolean, latencyMs: number): void;
    /** A node's circuit breaker, for diagnostics and tests. */
    breaker(nodeId: string): CircuitBreaker;
    /** The nodes of a service as last pushed (empty if it was never resolved). */
    view(service: string): readonly Node[];
    /** The routing policy last pushed for a service, or null (plain round robin). */
    policy(service: string): RoutingPolicy | null;
    /**
     * How old the view of a service is, in ms: 0 while it is live (connected, its snapshot received), the time since
     * it stopped being kept up to date while disconnected, and null if no view of it ever arrived.
     */
    viewAge(service: string): number | null;
    close(): void;
    opened(): void;
    lost(): void;
    frame(frame: Frame): void;
    private snapshot;
    private changes;
    private publish;
    /** A snapshot's policies (a service left out has none) or a change's (a null policy was withdrawn). */
    private takePolicies;
    private everHad;
    private pick;
    private candidates;
    private serveWaiters;
    private subscribe;
    private heartbeat;
    /**
     * An error answering a register or subscribe (matched by its `ref`). A rate refusal (`retryAfterMs`) is sent
     * again after that long, not counted as a failure; any other refusal of a register fails it; a subscribe refused
     * otherwise is tried again on the next connection.
     */
    private refused;
    private settle;
    private later;
    private registerFrame;
}
