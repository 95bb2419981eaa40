package io.switchboard.discovery;

import static io.switchboard.discovery.Frames.register;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.common.codec.Json;
import io.switchboard.testsupport.RealStores;
import io.switchboard.testsupport.TestHazelcast;
import io.switchboard.testsupport.Tokens;
import io.switchboard.testsupport.WsTestClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A node id belongs to one service while it lives: no token, bound or tenant-wide, can take another service's node
 * by registering its id, and a refused registration changes nothing anyone sees.
 */
@ExtendWith(RealStores.class)
class NodeIdentityTest {

    @Test
    void aTokenOfAnotherServiceCannotTakeANodeId(TestHazelcast cluster) {
        String tenant = "identity";
        try (Replica r = new Replica(cluster); WsTestClient payments = r.open(Tokens.client(tenant, "payments"));
             WsTestClient orders = r.open(Tokens.client(tenant, "orders"));
             WsTestClient collector = r.open(Tokens.client(tenant))) {
            payments.send(register("payments-1", "payments", "1.0.0", "10.0.0.5:8080", "prod", 30));
            payments.next("registered");

            orders.send(register("payments-1", "orders", "1.0.0", "10.6.6.6:6666", "prod", 30));
            JsonNode refused = orders.next(f -> f.path("ref").asText().equals("payments-1"));
            assertThat(refused.path("type").asText()).isEqualTo("error");
            assertThat(refused.path("code").asText()).isEqualTo("invalid_field");
            assertThat(refused.path("field").asText()).isEqualTo("node.id");
            assertThat(refused.path("message").asText()).contains("payments-1").contains("'payments'");

            // A tenant-wide token may register any service's nodes, but not under an id another service holds.
            collector.send(register("payments-1", "orders", "1.0.0", "10.6.6.6:6666", "prod", 30));
            assertThat(collector.next(f -> f.path("ref").asText().equals("payments-1")).path("code").asText())
                    .isEqualTo("invalid_field");

            // The refused connections hold nothing: they cannot heartbeat or deregister the node.
            orders.send("{\"type\":\"deregister\",\"id\":\"payments-1\"}");
            assertThat(orders.next("error").path("field").asText()).isEqualTo("id");
            orders.send("{\"type\":\"heartbeat\",\"ids\":[\"payments-1\"]}");
            assertThat(orders.next("reregister").path("ids").get(0).asText()).isEqualTo("payments-1");

            JsonNode services = Json.parse(r.harness.get("/api/v1/services", Tokens.operator(tenant)).body());
            assertThat(services.at("/services")).hasSize(1);
            assertThat(services.at("/services/0/service").asText()).isEqualTo("payments");
            assertThat(services.at("/services/0/nodes/0/id").asText()).isEqualTo("payments-1");
            assertThat(services.at("/services/0/nodes/0/address").asText()).isEqualTo("10.0.0.5:8080");

            // Its own service's tokens may still take it over (a restarted instance re-registering from a new
            // connection), and once it is gone any service may use the id.
            try (WsTestClient again = r.open(Tokens.client(tenant, "payments"))) {
                again.send(register("payments-1", "payments", "1.0.1", "10.0.0.5:8080", "prod", 30));
                again.next("registered");
                again.send("{\"type\":\"deregister\",\"id\":\"payments-1\"}");
                again.next("deregistered");
            }
            orders.send(register("payments-1", "orders", "1.0.0", "10.6.6.7:6666", "prod", 30));
            assertThat(orders.next(f -> f.path("ref").asText().equals("payments-1")).path("type").asText())
                    .isEqualTo("registered");
        }
    }

    @Test
    void aConnectionCannotMoveItsOwnNodeToAnotherService(TestHazelcast cluster) {
        try (Replica r = new Replica(cluster); WsTestClient c = r.client("mover")) {
            c.send(register("n-1", "orders", 30));
            c.next("registered");
            c.send(register("n-1", "payments", 30));
            JsonNode error = c.next("error");
            assertThat(error.path("code").asText()).isEqualTo("invalid_field");
            assertThat(error.path("field").asText()).isEqualTo("node.id");
            // The node keeps its service and is still this connection's.
            c.send("{\"type\":\"heartbeat\",\"ids\":[\"n-1\"]}");
            c.send("{\"type\":\"deregister\",\"id\":\"n-1\"}");
            assertThat(c.next(f -> !f.path("type").asText().equals("changes")).path("type").asText())
                    .isEqualTo("deregistered");
        }
    }
}
