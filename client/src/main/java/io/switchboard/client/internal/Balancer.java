package io.switchboard.client.internal;

import io.switchboard.common.model.Node;
import io.switchboard.common.routing.NodePolicy;
import io.switchboard.common.routing.RoutingPolicy;
import io.switchboard.common.routing.Strategy;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Chooses one node among a resolve's candidates (already filtered by environment, version and circuit breaker)
 * under the service's routing policy. Ejected nodes are skipped (those ejected for every client, and those ejected
 * for this caller on its own evidence), unless every candidate is ejected: then they are used anyway, since a call
 * to a doubtful node beats no call at all.
 */
final class Balancer {
    private Balancer() {
    }

    /** @param caller the service this client reports outcomes as (null when it has none) */
    static Node choose(List<Node> candidates, RoutingPolicy policy, String environment, AtomicInteger turn,
                       String caller) {
        if (policy == null) {
            return inTurn(candidates, turn);
        }
        List<Node> usable = new ArrayList<>(candidates.size());
        for (Node n : candidates) {
            if (!policy.node(n.id()).ejectedFor(caller)) {
                usable.add(n);
            }
        }
        if (usable.isEmpty()) {
            usable = candidates;
        }
        Strategy strategy = policy.strategyFor(environment);
        return switch (strategy.strategy()) {
            case Strategy.WEIGHTED -> weighted(usable, policy);
            case Strategy.LEAST_ERRORS -> leastErrors(usable, policy, turn);
            case Strategy.CANARY -> canary(usable, strategy.split(), turn);
            default -> inTurn(usable, turn);
        };
    }

    private static Node inTurn(List<Node> nodes, AtomicInteger turn) {
        return nodes.get(Math.floorMod(turn.getAndIncrement(), nodes.size()));
    }

    private static Node weighted(List<Node> nodes, RoutingPolicy policy) {
        long total = 0;
        for (Node n : nodes) {
            total += weight(policy.node(n.id()));
        }
        long pick = ThreadLocalRandom.current().nextLong(total);
        for (Node n : nodes) {
            pick -= weight(policy.node(n.id()));
            if (pick < 0) {
                return n;
            }
        }
        return nodes.getLast();
    }

    private static int weight(NodePolicy p) {
        return Math.max(1, p.weight());
    }

    private static Node leastErrors(List<Node> nodes, RoutingPolicy policy, AtomicInteger turn) {
        double best = Double.MAX_VALUE;
        List<Node> bestNodes = new ArrayList<>();
        for (Node n : nodes) {
            double rate = policy.node(n.id()).errorRate();
            if (rate < best - 1e-9) {
                best = rate;
                bestNodes.clear();
            }
            if (Math.abs(rate - best) <= 1e-9) {
                bestNodes.add(n);
            }
        }
        return inTurn(bestNodes, turn);
    }

    /**
     * Picks a version by the split (among the split's versions that have candidates, renormalised), then a node of
     * that version in turn. If no candidate runs a version the split names, every candidate is used in turn.
     */
    private static Node canary(List<Node> nodes, Map<String, Integer> split, AtomicInteger turn) {
        int total = 0;
        for (Map.Entry<String, Integer> e : split.entrySet()) {
            if (hasVersion(nodes, e.getKey())) {
                total += e.getValue();
            }
        }
        if (total == 0) {
            return inTurn(nodes, turn);
        }
        int pick = ThreadLocalRandom.current().nextInt(total);
        String version = null;
        for (Map.Entry<String, Integer> e : split.entrySet()) {
            if (hasVersion(nodes, e.getKey())) {
                pick -= e.getValue();
                if (pick < 0) {
                    version = e.getKey();
                    break;
                }
            }
        }
        List<Node> ofVersion = new ArrayList<>();
        for (Node n : nodes) {
            if (n.version().equals(version)) {
                ofVersion.add(n);
            }
        }
        return inTurn(ofVersion, turn);
    }

    private static boolean hasVersion(List<Node> nodes, String version) {
        for (Node n : nodes) {
            if (n.version().equals(version)) {
                return true;
            }
        }
        return false;
    }
}
