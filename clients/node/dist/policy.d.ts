/** A node as discovery pushes it (docs/protocol.md, section 7). */
export interface Node {
    readonly id: string;
    readonly service: string;
    readonly version: string;
    readonly address: string;
    readonly environment: string;
    readonly properties?: Readonly<Record<string, string>>;
}
/** What the routing service says of one node (docs/protocol.md, section 7; docs/routing.md). */
export interface NodePolicy {
    readonly weight: number;
    readonly errorRate: number;
    readonly ejected: boolean;
    /** Callers that should leave the node alone on their own evidence; absent when none. */
    readonly ejectedFor?: readonly string[];
}
export interface Strategy {
    readonly strategy: string;
    readonly split?: Readonly<Record<string, number>> | null;
}
/** A service's routing policy as pushed with a subscription. */
export interface RoutingPolicy {
    readonly service: string;
    readonly updatedAt: number;
    readonly strategies?: Readonly<Record<string, Strategy>>;
    readonly nodes?: Readonly<Record<string, NodePolicy>>;
}
export declare function nodePolicy(policy: RoutingPolicy, nodeId: string): NodePolicy;
/** Ejected for every client, or for this caller on its own evidence. */
export declare function ejectedFor(p: NodePolicy, caller: string | null): boolean;
