package io.switchboard.discovery;

import static io.switchboard.discovery.Frames.register;
import static io.switchboard.discovery.Frames.subscribe;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.common.codec.Json;
import io.switchboard.testsupport.RealStores;
import io.switchboard.testsupport.TestHazelcast;
import io.switchboard.testsupport.Tokens;
import io.switchboard.testsupport.WsTestClient;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Discovery on one replica with a real Hazelcast member, over real WebSockets. */
@ExtendWith(RealStores.class)
class DiscoveryProtocolTest {
    static Replica replica;

    @BeforeAll
    static void start(TestHazelcast cluster) {
        DiscoveryConfig config = new DiscoveryConfig(Duration.ofSeconds(30), Duration.ofSeconds(2), Duration.ofSeconds(300),
                5, 4, Duration.ofMillis(2), 10_000, Duration.ofSeconds(30));
        replica = new Replica(cluster, config);
    }

    @AfterAll
    static void stop() {
        replica.close();
    }

    /** Each test works in a tenant of its own, so tests never see each other's nodes. */
    private static String tenant() {
        return "t" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void aSubscriberGetsASnapshotThenEveryChange() {
        String t = tenant();
        try (WsTestClient node = replica.client(t); WsTestClient sub = replica.client(t)) {
            node.send(register("orders-1", "orders", 30));
            assertThat(node.next("registered").get("id").asText()).isEqualTo("orders-1");
            sub.send(subscribe("s1", null, null));
            JsonNode snapshot = sub.next("snapshot");
            assertThat(snapshot.get("subscription").asText()).isEqualTo("s1");
            assertThat(snapshot.get("nodes")).hasSize(1);
            assertThat(snapshot.at("/nodes/0/service").asText()).isEqualTo("orders");
            assertThat(snapshot.at("/nodes/0/tenant").isMissingNode()).as("tenant is not echoed").isTrue();

            node.send(register("orders-2", "orders", 30));
            JsonNode changes = sub.next("changes");
            assertThat(changes.get("revision").asLong()).isEqualTo(snapshot.get("revision").asLong() + 1);
            assertThat(changes.at("/upserted/0/id").asText()).isEqualTo("orders-2");

            node.send("{\"type\":\"deregister\",\"id\":\"orders-1\",\"ref\":\"d1\"}");
            assertThat(node.next("deregistered").get("ref").asText()).isEqualTo("d1");
            JsonNode removal = sub.next("changes");
            assertThat(removal.at("/removed/0/id").asText()).isEqualTo("orders-1");
            assertThat(removal.at("/removed/0/reason").asText()).isEqualTo("deregistered");
        }
    }

    @Test
    void subscriptionsFilterByServiceAndEnvironment() {
        String t = tenant();
        try (WsTestClient node = replica.client(t); WsTestClient sub = replica.client(t)) {
            sub.send(subscribe("pay-prod", "payments", "prod"));
            assertThat(sub.next("snapshot").get("nodes")).isEmpty();
            node.send(register("o1", "orders", "1.0.0", "h:1", "prod", null));
            node.send(register("p-staging", "payments", "1.0.0", "h:2", "staging", null));
            node.send(register("p-prod", "payments", "1.0.0", "h:3", "prod", null));
            Frames.View view = new Frames.View();
            view.revision = 1;
            view.until(sub, v -> v.nodes.containsKey("p-prod"));
            assertThat(view.ids()).containsExactly("p-prod");
        }
    }

    @Test
    void heartbeatsKeepANodeAliveAndItExpiresWhenTheyStop() throws Exception {
        String t = tenant();
        try (WsTestClient node = replica.client(t); WsTestClient sub = replica.client(t)) {
            sub.send(subscribe("all", null, null));
            Frames.View view = new Frames.View();
            view.apply(sub.next("snapshot"));
            node.send(register("short-lived", "orders", 2));
            node.next("registered");
            long until = System.nanoTime() + Duration.ofSeconds(5).toNanos();
            while (System.nanoTime() < until) {
                node.send("{\"type\":\"heartbeat\",\"ids\":[\"short-lived\"]}");
                Thread.sleep(500); // the heartbeat rhythm a client keeps (ttl / 4), not a synchronisation
            }
            view.until(sub, v -> v.nodes.containsKey("short-lived"));
            assertThat(sub.pending()).noneMatch(f -> f.toString().contains("\"removed\":[{"));
            // No more heartbeats: the node expires about one TTL after the last one.
            view.until(sub, v -> v.removedReasons.containsKey("short-lived"));
            assertThat(view.removedReasons.get("short-lived")).isEqualTo("expired");
        }
    }

    @Test
    void aDroppedConnectionLetsTheTtlExpireItsNodesAndAGracefulCloseRemovesThemAtOnce() {
        String t = tenant();
        try (WsTestClient sub = replica.client(t)) {
            sub.send(subscribe("all", null, null));
            Frames.View view = new Frames.View();
            view.apply(sub.next("snapshot"));
            WsTestClient dropped = replica.client(t);
            dropped.send(register("dropped-1", "orders", 2));
            dropped.next("registered");
            WsTestClient graceful = replica.client(t);
            graceful.send(register("graceful-1", "orders", 30));
            graceful.next("registered");
            view.until(sub, v -> v.nodes.containsKey("dropped-1") && v.nodes.containsKey("graceful-1"));

            graceful.send("{\"type\":\"close\"}");
            graceful.awaitClose();
            dropped.close();
            view.until(sub, v -> v.removedReasons.containsKey("graceful-1") && v.removedReasons.containsKey("dropped-1"));
            assertThat(view.removedReasons).containsEntry("graceful-1", "disconnected").containsEntry("dropped-1", "expired");
            graceful.close();
        }
    }

    @Test
    void aNewNodeAtTheSameAddressReplacesTheOldOne() {
        String t = tenant();
        try (WsTestClient old = replica.client(t); WsTestClient fresh = replica.client(t); WsTestClient sub = replica.client(t)) {
            sub.send(subscribe("all", null, null));
            Frames.View view = new Frames.View();
            view.apply(sub.next("snapshot"));
            old.send(register("orders-a", "orders", "1.0.0", "10.1.1.1:8080", "prod", null));
            old.next("registered");
            fresh.send(register("orders-b", "orders", "1.0.1", "10.1.1.1:8080", "prod", null));
            fresh.next("registered");
            view.until(sub, v -> v.removedReasons.containsKey("orders-a") && v.nodes.containsKey("orders-b"));
            assertThat(view.removedReasons.get("orders-a")).isEqualTo("replaced");
            assertThat(view.ids()).containsExactly("orders-b");
        }
    }

    @Test
    void heartbeatsForUnknownNodesAskTheClientToRegisterAgain() {
        try (WsTestClient c = replica.client(tenant())) {
            c.send(register("known", "orders", null));
            c.next("registered");
            c.send("{\"type\":\"heartbeat\",\"ids\":[\"known\",\"forgotten\"]}");
            JsonNode again = c.next("reregister");
            assertThat(again.get("ids")).extracting(JsonNode::asText).containsExactly("forgotten");
        }
    }

    @Test
    void tenantsNeverSeeOrRemoveEachOthersNodesEvenWithTheSameIds() {
        String a = tenant();
        String b = tenant();
        try (WsTestClient nodeA = replica.client(a); WsTestClient nodeB = replica.client(b);
             WsTestClient subA = replica.client(a)) {
            nodeA.send(register("shared-id", "orders", "1.0.0", "a:1", "prod", null));
            nodeA.next("registered");
            nodeB.send(register("shared-id", "orders", "2.0.0", "b:1", "prod", null));
            nodeB.next("registered");
            subA.send(subscribe("all", null, null));
            JsonNode snapshot = subA.next("snapshot");
            assertThat(snapshot.get("nodes")).hasSize(1);
            assertThat(snapshot.at("/nodes/0/version").asText()).isEqualTo("1.0.0");

            nodeB.send("{\"type\":\"deregister\",\"id\":\"shared-id\"}");
            nodeB.next("deregistered");
            nodeB.send(register("other", "orders", "1.0.0", "a:1", "prod", null));
            nodeB.next("registered");
            var services = Json.parse(replica.harness.get("/api/v1/services", Tokens.operator(a)).body());
            assertThat(services.at("/services/0/nodes")).hasSize(1);
            assertThat(services.at("/services/0/nodes/0/id").asText()).isEqualTo("shared-id");
            assertThat(subA.pending()).noneMatch(f -> "changes".equals(f.path("type").asText()));
        }
    }

    @Test
    void operatorsListServicesWithVersionsEnvironmentsAndNodes() {
        String t = tenant();
        try (WsTestClient c = replica.client(t)) {
            c.send(register("o1", "orders", "1.2.0", "h:1", "prod", 30));
            c.send(register("o2", "orders", "1.3.0", "h:2", "staging", 30));
            c.send(register("p1", "payments", "2.0.0", "h:3", "prod", 30));
            for (int i = 0; i < 3; i++) {
                c.next("registered");
            }
            var response = replica.harness.get("/api/v1/services", Tokens.operator(t));
            assertThat(response.statusCode()).isEqualTo(200);
            JsonNode body = Json.parse(response.body());
            assertThat(body.get("tenant").asText()).isEqualTo(t);
            assertThat(body.at("/services/0/service").asText()).isEqualTo("orders");
            assertThat(body.at("/services/0/versions")).extracting(JsonNode::asText).containsExactly("1.2.0", "1.3.0");
            assertThat(body.at("/services/0/environments")).extracting(JsonNode::asText).containsExactly("prod", "staging");
            assertThat(body.at("/services/0/nodes/0/state").asText()).isEqualTo("up");
            assertThat(body.at("/services/0/nodes/0/lastSeen").asText()).endsWith("Z");
            assertThat(body.at("/services/1/service").asText()).isEqualTo("payments");
            assertThat(replica.harness.get("/api/v1/services", Tokens.client(t)).statusCode()).isEqualTo(403);
        }
    }

    @Test
    void everyBadInputGetsAPreciseErrorAndTheConnectionCarriesOn() {
        try (WsTestClient c = replica.client(tenant())) {
            expectError(c, "{\"type\":\"register\"}", "invalid_field", "node");
            expectError(c, "{\"type\":\"register\",\"node\":{\"id\":\"x\",\"service\":\"orders\",\"version\":\"one\",\"address\":\"h:1\",\"environment\":\"prod\"}}",
                    "invalid_field", "node.version");
            expectError(c, "{\"type\":\"register\",\"node\":{\"id\":\"x\",\"service\":\"orders\",\"version\":\"1.0.0\",\"address\":\"h:1\"}}",
                    "invalid_field", "node.environment");
            expectError(c, register("ttl-low", "orders", 1), "invalid_field", "ttl");
            expectError(c, register("ttl-high", "orders", 301), "invalid_field", "ttl");
            expectError(c, register("ttl-text", "orders", null).replace("\"type\":\"register\"", "\"type\":\"register\",\"ttl\":\"30s\""),
                    "invalid_field", "ttl");
            expectError(c, "{\"type\":\"heartbeat\",\"ids\":\"x\"}", "invalid_field", "ids");
            expectError(c, "{\"type\":\"deregister\",\"id\":\"never-registered\"}", "invalid_field", "id");
            expectError(c, "{\"type\":\"subscribe\"}", "invalid_field", "id");
            expectError(c, "{\"type\":\"subscribe\",\"id\":\"s\",\"service\":\"a b\"}", "invalid_field", "service");
            expectError(c, "{\"type\":\"unsubscribe\",\"id\":\"nope\"}", "invalid_field", "id");
            expectError(c, "{\"type\":\"teleport\"}", "unknown_type", "type");
            expectError(c, "{\"type\":\"register\",\"node\":{\"id\":\"" + "x".repeat(70_000) + "\"}}", "frame_too_large", null);
            expectError(c, "{\"type\":\"register\",\"node\":", "malformed_frame", null);
            for (int i = 0; i < 5; i++) {
                c.send(register("n" + i, "orders", null));
                c.next("registered");
            }
            expectError(c, register("n5", "orders", null), "limit_exceeded", "node.id");
            c.send(register("n0", "orders", null));
            assertThat(c.next("registered").get("id").asText()).as("re-registering is not over the limit").isEqualTo("n0");
            for (int i = 0; i < 4; i++) {
                c.send(subscribe("s" + i, null, null));
                c.next("snapshot");
            }
            expectError(c, subscribe("s4", null, null), "limit_exceeded", "id");
            expectError(c, subscribe("s0", null, null), "invalid_field", "id");
        }
    }

    private static void expectError(WsTestClient c, String frame, String code, String field) {
        c.send(frame);
        JsonNode error = c.next("error");
        assertThat(error.get("code").asText()).as(error.toString()).isEqualTo(code);
        if (field != null) {
            assertThat(error.get("field").asText()).as(error.toString()).isEqualTo(field);
        }
    }
}
