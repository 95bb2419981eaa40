import { type Node, type RoutingPolicy } from "./policy.js";
/** The turn of a service's round robin, kept by the caller per service. */
export interface Turn {
    value: number;
}
/**
 * Chooses one of a resolve's candidates (already filtered by environment, version and breaker) under the
 * service's policy (docs/client-behaviour.md, section 4). Ejected nodes are skipped unless all are.
 */
export declare function choose(candidates: readonly Node[], policy: RoutingPolicy | null, environment: string, turn: Turn, caller: string | null, random?: () => number): Node;
