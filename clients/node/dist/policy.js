const NEUTRAL = { weight: 100, errorRate: 0, ejected: false };
export function nodePolicy(policy, nodeId) {
    return policy.nodes?.[nodeId] ?? NEUTRAL;
}
/** Ejected for every client, or for this caller on its own evidence. */
export function ejectedFor(p, caller) {
    return p.ejected || (caller !== null && (p.ejectedFor ?? []).includes(caller));
}
