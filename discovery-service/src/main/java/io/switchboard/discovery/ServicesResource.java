package io.switchboard.discovery;

import io.switchboard.common.auth.AuthHandler;
import io.switchboard.common.codec.Json;
import io.switchboard.common.model.Node;
import io.switchboard.common.registry.RegistryEntry;
import io.switchboard.common.service.HttpErrors;
import io.vertx.ext.web.RoutingContext;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * {@code GET /api/v1/services}: the caller's tenant's services, each with its versions, environments and live
 * nodes (last seen and state), for operators and the dashboard.
 */
final class ServicesResource {
    private final NodeRegistry registry;

    ServicesResource(NodeRegistry registry) {
        this.registry = registry;
    }

    void handle(RoutingContext ctx) {
        String tenant = AuthHandler.principal(ctx).tenant();
        registry.entries(tenant).onComplete(ar -> {
            if (ar.failed()) {
                ctx.response().putHeader("Retry-After", "5");
                HttpErrors.send(ctx, 503, "unavailable", "the registry is unreachable: " + ar.cause().getMessage());
                return;
            }
            long now = System.currentTimeMillis();
            Map<String, List<RegistryEntry>> byService = new TreeMap<>();
            for (RegistryEntry e : ar.result()) {
                byService.computeIfAbsent(e.node().service(), s -> new ArrayList<>()).add(e);
            }
            List<Map<String, Object>> services = new ArrayList<>();
            byService.forEach((service, entries) -> {
                entries.sort((a, b) -> a.node().id().compareTo(b.node().id()));
                Map<String, Object> s = new LinkedHashMap<>();
                s.put("service", service);
                s.put("versions", new TreeSet<>(entries.stream().map(e -> e.node().version()).toList()));
                s.put("environments", new TreeSet<>(entries.stream().map(e -> e.node().environment()).toList()));
                s.put("nodes", entries.stream().map(e -> node(e, now)).toList());
                services.add(s);
            });
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("tenant", tenant);
            body.put("services", services);
            ctx.response().putHeader("Content-Type", "application/json; charset=utf-8").end(Json.write(body));
        });
    }

    private static Map<String, Object> node(RegistryEntry e, long now) {
        Node n = e.node();
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", n.id());
        m.put("version", n.version());
        m.put("environment", n.environment());
        m.put("address", n.address());
        m.put("properties", n.properties());
        m.put("ttl", e.ttlSeconds());
        m.put("registeredAt", Instant.ofEpochMilli(e.registeredAt()).toString());
        m.put("lastSeen", Instant.ofEpochMilli(e.lastSeen()).toString());
        // Refreshed every third of its TTL while heartbeats arrive; past half of it, heartbeats have stopped.
        m.put("state", now - e.lastSeen() > e.ttlSeconds() * 500L ? "late" : "up");
        return m;
    }
}
