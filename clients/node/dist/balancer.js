import { ejectedFor, nodePolicy } from "./policy.js";
function inTurn(nodes, turn) {
    const n = nodes[((turn.value % nodes.length) + nodes.length) % nodes.length];
    turn.value = (turn.value + 1) | 0;
    return n;
}
/**
 * Chooses one of a resolve's candidates (already filtered by environment, version and breaker) under the
 * service's policy (docs/client-behaviour.md, section 4). Ejected nodes are skipped unless all are.
 */
export function choose(candidates, policy, environment, turn, caller, random = Math.random) {
    if (candidates.length === 0) {
        throw new RangeError("no candidates to choose from");
    }
    if (policy === null) {
        return inTurn(candidates, turn);
    }
    let usable = candidates.filter((n) => !ejectedFor(nodePolicy(policy, n.id), caller));
    if (usable.length === 0) {
        usable = [...candidates];
    }
    const strategy = policy.strategies?.[environment] ?? { strategy: "round-robin" };
    switch (strategy.strategy) {
        case "weighted":
            return weighted(usable, policy, random);
        case "least-errors":
            return leastErrors(usable, policy, turn);
        case "canary":
            return canary(usable, strategy.split ?? {}, turn, random);
        default:
            return inTurn(usable, turn);
    }
}
function weighted(nodes, policy, random) {
    const weight = (n) => Math.max(1, nodePolicy(policy, n.id).weight);
    const total = nodes.reduce((sum, n) => sum + weight(n), 0);
    let pick = Math.floor(random() * total);
    for (const n of nodes) {
        pick -= weight(n);
        if (pick < 0) {
            return n;
        }
    }
    return nodes[nodes.length - 1];
}
function leastErrors(nodes, policy, turn) {
    let best = Number.MAX_VALUE;
    let bestNodes = [];
    for (const n of nodes) {
        const rate = nodePolicy(policy, n.id).errorRate;
        if (rate < best - 1e-9) {
            best = rate;
            bestNodes = [];
        }
        if (Math.abs(rate - best) <= 1e-9) {
            bestNodes.push(n);
        }
    }
    return inTurn(bestNodes, turn);
}
/** A version by the split among those with candidates (weights scaled to their total), then its nodes in turn. */
function canary(nodes, split, turn, random) {
    const present = Object.entries(split).filter(([version]) => nodes.some((n) => n.version === version));
    const total = present.reduce((sum, [, w]) => sum + w, 0);
    if (total <= 0) {
        return inTurn(nodes, turn);
    }
    let pick = Math.floor(random() * total);
    let version = present[present.length - 1][0];
    for (const [v, w] of present) {
        pick -= w;
        if (pick < 0) {
            version = v;
            break;
        }
    }
    return inTurn(nodes.filter((n) => n.version === version), turn);
}
