package io.switchboard.common.routing;

import io.switchboard.common.codec.Json;
import java.io.IOException;
import java.util.Map;

/**
 * The routing policy of one service: the strategy per environment and the standing of each node. The routing
 * service publishes it into Hazelcast ({@link #mapName}: service to this JSON), discovery pushes it to subscribed
 * clients with the service's nodes, and the client applies it in {@code resolve}.
 *
 * @param strategies environment to strategy; an environment not named uses {@link Strategy#DEFAULT}
 * @param nodes      node id to standing; a node not named is {@link NodePolicy#NEUTRAL}
 * @param updatedAt  when the routing service computed it, in milliseconds since the Unix epoch
 */
public record RoutingPolicy(String service, Map<String, Strategy> strategies, Map<String, NodePolicy> nodes,
                            long updatedAt) {

    public RoutingPolicy {
        strategies = strategies == null ? Map.of() : Map.copyOf(strategies);
        nodes = nodes == null ? Map.of() : Map.copyOf(nodes);
    }

    /** The Hazelcast map that holds a tenant's policies. */
    public static String mapName(String tenant) {
        return "routing.policy." + tenant;
    }

    public Strategy strategyFor(String environment) {
        return strategies.getOrDefault(environment, Strategy.DEFAULT);
    }

    public NodePolicy node(String nodeId) {
        return nodes.getOrDefault(nodeId, NodePolicy.NEUTRAL);
    }

    public String toJson() {
        return Json.write(this);
    }

    public static RoutingPolicy fromJson(String json) {
        try {
            return Json.MAPPER.readValue(json, RoutingPolicy.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("unreadable routing policy: " + e.getMessage(), e);
        }
    }
}
