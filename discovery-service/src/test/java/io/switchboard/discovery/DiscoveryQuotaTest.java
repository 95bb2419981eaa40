package io.switchboard.discovery;

import static io.switchboard.discovery.Frames.register;
import static io.switchboard.discovery.Frames.subscribe;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.testsupport.RealStores;
import io.switchboard.testsupport.TestHazelcast;
import io.switchboard.testsupport.Tokens;
import io.switchboard.testsupport.WsTestClient;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * One tenant cannot take the registry or a replica from the others: connections, registered nodes and
 * subscriptions are per-tenant quotas, refused with {@code limit_exceeded} naming the quota.
 */
@ExtendWith(RealStores.class)
class DiscoveryQuotaTest {
    private static final DiscoveryConfig CONFIG = DiscoveryConfig.DEFAULT.withQuotas(new DiscoveryConfig.Quotas(2, 5, 2));

    @Test
    void registeredNodesAreATenantQuotaAcrossConnections(TestHazelcast cluster) {
        try (Replica r = new Replica(cluster, CONFIG); WsTestClient a = r.client("greedy"); WsTestClient b = r.client("greedy");
             WsTestClient other = r.client("modest")) {
            for (int i = 0; i < 3; i++) {
                a.send(register("a-" + i, "orders", 30));
                a.next("registered");
            }
            b.send(register("b-0", "orders", 30));
            b.next("registered");
            b.send(register("b-1", "orders", 30));
            b.next("registered");
            // The count is read at most once a second; once it has seen five, another node is refused.
            int[] n = {0};
            java.util.List<String> extras = new java.util.ArrayList<>();
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                String id = "b-extra-" + n[0]++;
                b.send(register(id, "orders", 30));
                JsonNode answer = b.next(f -> "registered".equals(f.path("type").asText()) || "error".equals(f.path("type").asText()));
                if ("registered".equals(answer.path("type").asText())) {
                    extras.add(id);
                }
                return "error".equals(answer.path("type").asText()) && refused(answer, "quota.nodes");
            });
            // Re-registering a node already counted is not a new one; another tenant is not held to this one's count.
            a.send(register("a-0", "orders", 30));
            assertThat(a.next(f -> !"changes".equals(f.path("type").asText())).path("type").asText()).isEqualTo("registered");
            for (int i = 0; i < 6; i++) {
                other.send(register("m-" + i, "orders", 30));
                assertThat(other.next(f -> !"changes".equals(f.path("type").asText())).path("type").asText()).isEqualTo("registered");
            }
            // Once some leave, the tenant may register again.
            for (int i = 0; i < 3; i++) {
                a.send("{\"type\":\"deregister\",\"id\":\"a-" + i + "\"}");
                a.next("deregistered");
            }
            for (String id : extras) {
                b.send("{\"type\":\"deregister\",\"id\":\"" + id + "\"}");
                b.next("deregistered");
            }
            // Leavers stay in the count until the store evicts them (their tombstones, a few seconds).
            await().atMost(Duration.ofSeconds(40)).until(() -> {
                b.send(register("b-later-" + n[0]++, "orders", 30));
                return "registered".equals(b.next(f -> "registered".equals(f.path("type").asText())
                        || "error".equals(f.path("type").asText())).path("type").asText());
            });
        }
    }

    @Test
    void connectionsAndSubscriptionsArePerTenantQuotasOfAReplica(TestHazelcast cluster) {
        try (Replica r = new Replica(cluster, CONFIG); WsTestClient a = r.client("busy"); WsTestClient b = r.client("busy")) {
            var refusal = WsTestClient.refused(r.harness.vertx(), r.harness.port(), DiscoveryService.PATH, Tokens.client("busy"));
            assertThat(refusal.getStatus()).isEqualTo(429);
            try (WsTestClient other = r.client("calm")) {
                other.send(subscribe("s1", null, null));
                other.next("snapshot");
            }
            a.send(subscribe("s1", null, null));
            a.next("snapshot");
            b.send(subscribe("s2", null, null));
            b.next("snapshot");
            a.send(subscribe("s3", "orders", null));
            assertThat(refused(a.next("error"), "quota.subscriptions")).isTrue();
            b.send("{\"type\":\"unsubscribe\",\"id\":\"s2\"}");
            b.next("unsubscribed");
            a.send(subscribe("s3", "orders", null));
            assertThat(a.next("snapshot").path("subscription").asText()).isEqualTo("s3");
            assertThat(r.harness.registry().get("switchboard.quota.exceeded").tag("tenant", "busy")
                    .tag("quota", "quota.connections").counter().count()).isEqualTo(1.0);
        }
    }

    @Test
    void aTokenBoundToAServiceRegistersOnlyThatServicesNodes(TestHazelcast cluster) {
        try (Replica r = new Replica(cluster, CONFIG); WsTestClient c = r.open(Tokens.client("bound", "orders"))) {
            c.send(register("o-1", "orders", 30));
            c.next("registered");
            c.send(register("p-1", "payments", 30));
            JsonNode error = c.next("error");
            assertThat(error.path("code").asText()).isEqualTo("forbidden");
            assertThat(error.path("field").asText()).isEqualTo("node.service");
        }
    }

    @Test
    void aTenantsChangesTimesItsSubscriptionsAreBounded(TestHazelcast cluster) {
        // 200 deliveries a second, 2,000 at once.
        DiscoveryConfig config = DiscoveryConfig.DEFAULT.withQuotas(new DiscoveryConfig.Quotas(10, 1_000, 100, 0, 4_096, 200));
        try (Replica r = new Replica(cluster, config); WsTestClient watcher = r.client("chatty");
             WsTestClient node = r.client("chatty"); WsTestClient calm = r.client("calm")) {
            for (int i = 0; i < 50; i++) {
                watcher.send(subscribe("s" + i, null, null));
                watcher.next("snapshot");
            }
            // Each change goes to 50 subscriptions: about 40 fit in the burst, then one is refused with when to retry.
            JsonNode answer = null;
            int registered = 0;
            for (int i = 0; i < 100; i++) {
                node.send(register("c-" + i, "orders", 30));
                answer = node.next(f -> "registered".equals(f.path("type").asText()) || "error".equals(f.path("type").asText()));
                if ("error".equals(answer.path("type").asText())) {
                    break;
                }
                registered++;
            }
            assertThat(registered).isBetween(30, 45);
            assertThat(refused(answer, "quota.fanout-per-second")).as(answer.toString()).isTrue();
            assertThat(answer.path("retryAfterMs").asLong()).isPositive();
            // A tenant pays for the subscriptions a change goes to: 50 watching payments cost a change to orders
            // nothing, and its one subscriber of every service costs one per change.
            for (int i = 0; i < 50; i++) {
                calm.send(subscribe("p" + i, "payments", null));
                calm.next("snapshot");
            }
            calm.send(subscribe("one", null, null));
            calm.next("snapshot");
            for (int i = 0; i < 100; i++) {
                calm.send(register("q-" + i, "orders", 30));
                assertThat(calm.next(f -> "registered".equals(f.path("type").asText())
                        || "error".equals(f.path("type").asText())).path("type").asText()).isEqualTo("registered");
            }
            // A change to payments goes to its 51: the burst is soon spent.
            int[] n = {0};
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                calm.send(register("pay-" + n[0]++, "payments", 30));
                JsonNode a = calm.next(f -> "registered".equals(f.path("type").asText()) || "error".equals(f.path("type").asText()));
                return "error".equals(a.path("type").asText()) && refused(a, "quota.fanout-per-second");
            });
            assertThat(n[0]).isLessThan(100);
        }
    }

    @Test
    void aSubscriptionsSnapshotIsPaidForInNodeDeliveries(TestHazelcast cluster) {
        // 200 node deliveries a second, 2,000 at once: a snapshot of 300 nodes fits about six times.
        DiscoveryConfig config = DiscoveryConfig.DEFAULT.withQuotas(new DiscoveryConfig.Quotas(10, 1_000, 100, 0, 4_096, 200));
        try (Replica r = new Replica(cluster, config); WsTestClient nodes = r.client("wide");
             WsTestClient watcher = r.client("wide"); WsTestClient calm = r.client("calm")) {
            for (int i = 0; i < 300; i++) {
                nodes.send(register("w-" + i, "orders", 60));
                assertThat(nodes.next(f -> !"changes".equals(f.path("type").asText())).path("type").asText())
                        .isEqualTo("registered");
            }
            JsonNode answer = null;
            int subscribed = 0;
            for (int i = 0; i < 20; i++) {
                watcher.send("{\"type\":\"subscribe\",\"ref\":\"r" + i + "\",\"id\":\"s" + i + "\"}");
                answer = watcher.next(f -> "snapshot".equals(f.path("type").asText()) || "error".equals(f.path("type").asText()));
                if ("error".equals(answer.path("type").asText())) {
                    break;
                }
                assertThat(answer.path("nodes").size()).isEqualTo(300);
                subscribed++;
            }
            assertThat(subscribed).isBetween(5, 8);
            assertThat(refused(answer, "quota.fanout-per-second")).as(answer.toString()).isTrue();
            assertThat(answer.path("ref").asText()).isEqualTo("r" + subscribed);
            assertThat(answer.path("retryAfterMs").asLong()).isPositive();
            // The refused subscription holds nothing: the same id is free again once the tenant can pay.
            int failed = subscribed;
            await().atMost(Duration.ofSeconds(10)).until(() -> {
                watcher.send(subscribe("s" + failed, null, null));
                return "snapshot".equals(watcher.next(f -> "snapshot".equals(f.path("type").asText())
                        || "error".equals(f.path("type").asText())).path("type").asText());
            });
            // Another tenant subscribes as it likes meanwhile.
            for (int i = 0; i < 20; i++) {
                calm.send(subscribe("c" + i, null, null));
                assertThat(calm.next(f -> "snapshot".equals(f.path("type").asText())
                        || "error".equals(f.path("type").asText())).path("type").asText()).isEqualTo("snapshot");
            }
        }
    }

    /** A register frame for a node carrying {@code padding} bytes in two properties. */
    private static String heavy(String id, int padding) {
        return "{\"type\":\"register\",\"ref\":\"" + id + "\",\"ttl\":30,\"node\":{\"id\":\"" + id
                + "\",\"service\":\"orders\",\"version\":\"1.0.0\",\"address\":\"10.0.0.1:" + (1000 + Math.abs(id.hashCode() % 60000))
                + "\",\"environment\":\"prod\",\"properties\":{\"a\":\"" + "p".repeat(padding / 2)
                + "\",\"b\":\"" + "p".repeat(padding - padding / 2) + "\"}}}";
    }

    @Test
    void aNodesBytesAndATenantsRegistryBytesAreBounded(TestHazelcast cluster) {
        DiscoveryConfig config = DiscoveryConfig.DEFAULT.withQuotas(new DiscoveryConfig.Quotas(10, 1_000, 10, 10_000, 1_500));
        try (Replica r = new Replica(cluster, config); WsTestClient a = r.client("weighty"); WsTestClient other = r.client("light")) {
            // One node over its limit is refused by itself, naming the limit.
            a.send(heavy("too-big", 1_600));
            JsonNode tooBig = a.next("error");
            assertThat(tooBig.path("code").asText()).isEqualTo("invalid_field");
            assertThat(tooBig.path("message").asText()).contains("discovery.max-node-bytes");
            // Nodes of about 1 KB: the tenant's 10,000 bytes are soon spent (counted about once a second).
            int[] n = {0};
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> {
                a.send(heavy("w-" + n[0]++, 1_000));
                JsonNode answer = a.next(f -> "registered".equals(f.path("type").asText()) || "error".equals(f.path("type").asText()));
                return "error".equals(answer.path("type").asText()) && refused(answer, "quota.registry-bytes");
            });
            // Re-registering a counted node unchanged is never refused; another tenant is not held to this one's bytes.
            a.send(heavy("w-0", 1_000));
            assertThat(a.next(f -> "registered".equals(f.path("type").asText()) || "error".equals(f.path("type").asText()))
                    .path("type").asText()).isEqualTo("registered");
            for (int i = 0; i < 12; i++) {
                other.send(heavy("l-" + i, 1_000));
                assertThat(other.next(f -> !"changes".equals(f.path("type").asText())).path("type").asText()).isEqualTo("registered");
            }
        }
    }

    private static boolean refused(JsonNode error, String quota) {
        return "limit_exceeded".equals(error.path("code").asText()) && quota.equals(error.path("quota").asText())
                && error.path("message").asText().contains(quota);
    }
}
