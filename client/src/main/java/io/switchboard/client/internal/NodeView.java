package io.switchboard.client.internal;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.common.codec.Json;
import io.switchboard.common.model.Node;
import io.switchboard.common.routing.RoutingPolicy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The nodes of the services this client resolves, as the server pushes them. Written by the client's executor
 * thread, read by application threads: each service's nodes are an immutable list swapped as a whole, so that a
 * resolve reads without locks.
 */
final class NodeView {
    private final Map<String, List<Node>> byService = new ConcurrentHashMap<>();
    private final Map<String, RoutingPolicy> policies = new ConcurrentHashMap<>();
    /** "environment|version" of every node ever seen per service, for the fallback rule. */
    private final Map<String, Set<String>> everSeen = new ConcurrentHashMap<>();

    List<Node> nodes(String service) {
        return byService.getOrDefault(service, List.of());
    }

    /** The service's routing policy, or null for plain round robin. */
    RoutingPolicy policy(String service) {
        return policies.get(service);
    }

    /**
     * Takes the policies pushed with a service's snapshot (where a service left out has none) or changes (where a
     * null policy is withdrawn).
     */
    void policies(String service, JsonNode pushed, boolean snapshot) {
        if (snapshot && !pushed.has(service)) {
            policies.remove(service);
        }
        pushed.fields().forEachRemaining(e -> {
            if (e.getValue().isNull()) {
                policies.remove(e.getKey());
                return;
            }
            try {
                policies.put(e.getKey(), Json.MAPPER.treeToValue(e.getValue(), RoutingPolicy.class));
            } catch (Exception ex) {
                // A policy this client version cannot read: round robin, which is always safe.
                policies.remove(e.getKey());
            }
        });
    }

    boolean everHad(String service, String environment, VersionRange range) {
        Set<String> seen = everSeen.get(service);
        if (seen == null) {
            return false;
        }
        for (String s : seen) {
            int bar = s.indexOf('|');
            if (s.substring(0, bar).equals(environment) && range.matches(s.substring(bar + 1))) {
                return true;
            }
        }
        return false;
    }

    void replace(String service, JsonNode nodes) {
        Map<String, Node> next = new LinkedHashMap<>();
        nodes.forEach(n -> add(next, n));
        publish(service, next);
    }

    void apply(String service, JsonNode upserted, JsonNode removed) {
        Map<String, Node> next = new LinkedHashMap<>();
        nodes(service).forEach(n -> next.put(n.id(), n));
        upserted.forEach(n -> add(next, n));
        removed.forEach(r -> next.remove(r.path("id").asText()));
        publish(service, next);
    }

    private void add(Map<String, Node> into, JsonNode json) {
        try {
            Node node = Json.MAPPER.treeToValue(json, Node.class);
            into.put(node.id(), node);
        } catch (Exception e) {
            // A node this client version cannot read is skipped rather than breaking the whole view.
        }
    }

    private void publish(String service, Map<String, Node> nodes) {
        List<Node> list = List.copyOf(new ArrayList<>(nodes.values()));
        Set<String> seen = everSeen.computeIfAbsent(service, s -> ConcurrentHashMap.newKeySet());
        list.forEach(n -> seen.add(n.environment() + "|" + n.version()));
        byService.put(service, list);
    }
}
