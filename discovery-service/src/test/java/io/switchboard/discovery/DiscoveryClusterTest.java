package io.switchboard.discovery;

import static io.switchboard.discovery.Frames.register;
import static io.switchboard.discovery.Frames.subscribe;
import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.testsupport.RealStores;
import io.switchboard.testsupport.TestHazelcast;
import io.switchboard.testsupport.WsTestClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Several discovery replicas in one Hazelcast cluster on 127.0.0.1. */
@ExtendWith(RealStores.class)
class DiscoveryClusterTest {

    @Test
    void aSubscriberOnOneReplicaSeesRegistrationsMadeThroughAnother(TestHazelcast cluster) {
        try (Replica a = new Replica(cluster); Replica b = new Replica(cluster);
             WsTestClient sub = a.client("acme"); WsTestClient node = b.client("acme")) {
            sub.send(subscribe("all", null, null));
            Frames.View view = new Frames.View();
            view.apply(sub.next("snapshot"));
            node.send(register("via-b", "orders", 30));
            view.until(sub, v -> v.nodes.containsKey("via-b"));
            node.send("{\"type\":\"deregister\",\"id\":\"via-b\"}");
            view.until(sub, v -> v.removedReasons.containsKey("via-b"));
            assertThat(view.removedReasons.get("via-b")).isEqualTo("deregistered");
        }
    }

    @Test
    void whenAReplicaDiesItsNodesLiveOnUntilTheirClientsRegisterElsewhere(TestHazelcast cluster) {
        try (Replica a = new Replica(cluster); WsTestClient sub = a.client("acme")) {
            Replica b = new Replica(cluster);
            WsTestClient node = b.client("acme");
            node.send(register("survivor", "orders", 30));
            node.next("registered");
            sub.send(subscribe("all", null, null));
            Frames.View view = new Frames.View();
            view.until(sub, v -> v.nodes.containsKey("survivor"));

            b.member.getLifecycleService().terminate(); // the replica crashes: its member is gone without a goodbye
            b.harness.close();
            assertThat(node.awaitClose()).isIn((short) 1001, (short) 1006);
            node.close();
            // The node's entry survives on the remaining member (a backup), so nothing was removed...
            try (WsTestClient again = a.client("acme")) {
                again.send(register("survivor", "orders", 30));
                again.next("registered");
                // ...and after the client re-registers through the live replica, it is still there, never removed.
                assertThat(a.service.registry().entries("acme").await(10, java.util.concurrent.TimeUnit.SECONDS))
                        .extracting(e -> e.node().id()).contains("survivor");
            } catch (Exception e) {
                throw new AssertionError(e);
            }
            assertThat(view.removedReasons).doesNotContainKey("survivor");
            assertThat(sub.pending()).noneMatch(f -> f.toString().contains("\"reason\""));
        }
    }

    @Test
    void aReplicaThatShutsDownTellsItsClientsToGoElsewhere(TestHazelcast cluster) {
        try (Replica a = new Replica(cluster)) {
            Replica b = new Replica(cluster);
            try (WsTestClient node = b.client("acme")) {
                b.close();
                assertThat(node.awaitClose()).isEqualTo((short) 1001);
                assertThat(node.pending()).anyMatch(f -> "close".equals(f.path("type").asText()) && f.get("code").asInt() == 1001);
            }
        }
    }

    @Test
    void aSpikeOf5000NodesFrom500ConnectionsBecomesVisibleToSubscribers(TestHazelcast cluster) {
        DiscoveryConfig config = new DiscoveryConfig(Duration.ofSeconds(60), Duration.ofSeconds(5), Duration.ofSeconds(300),
                100, 8, Duration.ofMillis(2), 100_000, Duration.ofSeconds(30));
        try (Replica a = new Replica(cluster, config); Replica b = new Replica(cluster, config);
             WsTestClient sub = a.client("spike")) {
            sub.send(subscribe("all", null, null));
            Frames.View view = new Frames.View();
            view.apply(sub.next("snapshot"));
            List<WsTestClient> clients = new ArrayList<>();
            try {
                for (int c = 0; c < 500; c++) {
                    clients.add((c % 2 == 0 ? a : b).client("spike"));
                }
                for (int c = 0; c < 500; c++) {
                    for (int n = 0; n < 10; n++) {
                        String id = "n-" + c + "-" + n;
                        clients.get(c).sendNoWait(register(id, "svc" + (n % 5), "1.0.0", "10.0." + c + "." + n + ":80", "prod", 60));
                    }
                }
                view.until(sub, v -> v.nodes.size() == 5_000);
                assertThat(view.changeFrames).as("changes were coalesced into fewer frames").isLessThan(5_000);
            } finally {
                clients.forEach(WsTestClient::close);
            }
        }
    }

    @Test
    void aSubscriberThatCannotKeepUpIsResynchronisedWithASnapshot(TestHazelcast cluster) {
        DiscoveryConfig config = new DiscoveryConfig(Duration.ofSeconds(60), Duration.ofSeconds(5), Duration.ofSeconds(300),
                1_000, 8, Duration.ofMillis(2), 50, Duration.ofSeconds(300))
                // Nodes of 60 KB (over the default 4 KiB a node may weigh), to fill the stopped reader's buffers soon.
                .withQuotas(new DiscoveryConfig.Quotas(2_000, 20_000, 2_000, 0, 100_000));
        try (Replica a = new Replica(cluster, config); WsTestClient sub = a.client("slow"); WsTestClient node = a.client("slow")) {
            sub.send(subscribe("all", null, null));
            sub.next("snapshot");
            sub.pause();
            String bigValue = "v".repeat(1_000);
            StringBuilder props = new StringBuilder();
            for (int p = 0; p < 60; p++) {
                props.append(p == 0 ? "" : ",").append("\"p").append(p).append("\":\"").append(bigValue).append('"');
            }
            // Enough changes, and big enough, to fill the socket buffers of a reader that has stopped reading.
            for (int round = 0; round < 6; round++) {
                for (int n = 0; n < 200; n++) {
                    node.sendNoWait("{\"type\":\"register\",\"node\":{\"id\":\"big-" + n + "\",\"service\":\"orders\",\"version\":\"1.0."
                            + round + "\",\"address\":\"h:" + n + "\",\"environment\":\"prod\",\"properties\":{" + props + "}}}");
                }
            }
            for (int i = 0; i < 1_200; i++) {
                node.next("registered");
            }
            sub.resume();
            Frames.View view = new Frames.View();
            view.revision = 1;
            // Reads on until it has a fresh snapshot with every node at its last version.
            while (!(view.snapshots > 0 && view.nodes.size() == 200
                    && view.nodes.values().stream().allMatch(n -> n.get("version").asText().equals("1.0.5")))) {
                var frame = sub.next(f -> f.path("type").asText().matches("snapshot|changes"));
                if ("snapshot".equals(frame.get("type").asText())) {
                    view.apply(frame);
                } else if (view.snapshots > 0) {
                    view.apply(frame);
                } else {
                    view.revision = frame.get("revision").asLong();
                }
            }
            assertThat(a.harness.registry().get("switchboard.discovery.resyncs").counter().count()).isPositive();
        }
    }
}
