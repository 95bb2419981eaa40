package io.switchboard.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.switchboard.common.model.Node;
import io.switchboard.testsupport.RealStores;
import io.switchboard.testsupport.TestHazelcast;
import io.switchboard.testsupport.Tokens;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The Java client against real discovery replicas. */
@ExtendWith(RealStores.class)
class DiscoveryClientTest {
    static final SwitchboardOptions FAST = SwitchboardOptions.defaults()
            .withTtl(Duration.ofSeconds(10))
            .withResolveTimeout(Duration.ofSeconds(10))
            .withReconnect(Duration.ofMillis(200), Duration.ofSeconds(2));

    static Node node(String id, String service, String version, String env) {
        return new Node(null, id, service, version, "10.0.0.1:" + (8000 + Math.abs(id.hashCode() % 1000)), env, Map.of());
    }

    static Switchboard client(String tenant, List<DiscoveryReplica> replicas) {
        return Switchboard.connect(replicas.stream().map(DiscoveryReplica::base).toList(), () -> Tokens.client(tenant), FAST);
    }

    @Test
    void registersResolvesRoundRobinAndWaitsForNodesThatAreNotThereYet(TestHazelcast cluster) throws Exception {
        try (DiscoveryReplica replica = new DiscoveryReplica(cluster);
             Switchboard provider = client("acme", List.of(replica)); Switchboard consumer = client("acme", List.of(replica))) {
            CompletableFuture<Node> waiting = consumer.discovery().resolve("payments", "2.1", "prod");
            assertThat(waiting).isNotDone();
            provider.discovery().register(node("pay-1", "payments", "2.0.5", "prod")).get(10, TimeUnit.SECONDS);
            provider.discovery().register(node("pay-2", "payments", "2.1.0", "prod")).get(10, TimeUnit.SECONDS);
            provider.discovery().register(node("pay-3", "payments", "2.4.1", "prod")).get(10, TimeUnit.SECONDS);
            assertThat(waiting.get(10, TimeUnit.SECONDS).service()).isEqualTo("payments");
            await().atMost(Duration.ofSeconds(10)).until(() -> distinct(consumer, 6).size() == 2);
            assertThat(distinct(consumer, 6)).as("2.1 excludes 2.0.5; round robin over the rest")
                    .containsExactlyInAnyOrder("pay-2", "pay-3");
        }
    }

    /** A view bigger than one snapshot page (500 nodes) arrives in pages and is whole once the last one is in. */
    @Test
    void aBigViewArrivesInPagesAndIsWhole(TestHazelcast cluster) throws Exception {
        try (DiscoveryReplica replica = new DiscoveryReplica(cluster);
             Switchboard one = client("wide", List.of(replica)); Switchboard two = client("wide", List.of(replica))) {
            List<CompletableFuture<Void>> registered = new java.util.ArrayList<>();
            for (int i = 0; i < 600; i++) {
                // Each at its own address: a node registered where another of its service was replaces it.
                registered.add(one.discovery().register(new Node(null, "a-" + i, "big", "1.0.0", "10.1.0." + i % 250 + ":"
                        + (8000 + i), "prod", Map.of())));
                registered.add(two.discovery().register(new Node(null, "b-" + i, "big", "1.0.0", "10.2.0." + i % 250 + ":"
                        + (8000 + i), "prod", Map.of())));
            }
            CompletableFuture.allOf(registered.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            try (Switchboard consumer = client("wide", List.of(replica))) {
                Set<String> seen = new HashSet<>();
                // Resolves spread over every node of the view: all 1,200 come up, not only a first page's 500.
                await().atMost(Duration.ofSeconds(20)).until(() -> {
                    for (int i = 0; i < 100; i++) {
                        seen.add(consumer.discovery().resolveBlocking("big", "1", "prod", Duration.ofSeconds(10)).id());
                    }
                    return seen.size() == 1_200;
                });
            }
        }
    }

    /**
     * A subscription refused because its tenant spent its fan-out (100 node deliveries a second, 1,000 at once) is
     * sent again when the server says: every consumer of a 300-node view gets it, the later ones a little later.
     */
    @Test
    void aSubscriptionRefusedForTheTenantsFanOutIsSentAgainWhenTheServerSays(TestHazelcast cluster) throws Exception {
        io.switchboard.discovery.DiscoveryConfig config = io.switchboard.discovery.DiscoveryConfig.DEFAULT.withQuotas(
                new io.switchboard.discovery.DiscoveryConfig.Quotas(100, 1_000, 100, 0, 4_096, 100));
        try (DiscoveryReplica replica = new DiscoveryReplica(cluster, 0, config); Switchboard provider = client("busy", List.of(replica))) {
            List<CompletableFuture<Void>> registered = new java.util.ArrayList<>();
            for (int i = 0; i < 300; i++) {
                registered.add(provider.discovery().register(new Node(null, "n-" + i, "big", "1.0.0", "10.3.0." + i % 250
                        + ":" + (8000 + i), "prod", Map.of())));
            }
            CompletableFuture.allOf(registered.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            List<Switchboard> consumers = new java.util.ArrayList<>();
            try {
                // Five snapshots of 300 nodes: three fit at once, the others are refused with a retryAfterMs.
                for (int i = 0; i < 5; i++) {
                    consumers.add(client("busy", List.of(replica)));
                }
                for (Switchboard c : consumers) {
                    assertThat(c.discovery().resolveBlocking("big", "1", "prod", Duration.ofSeconds(20)).service())
                            .isEqualTo("big");
                }
            } finally {
                consumers.forEach(Switchboard::close);
            }
        }
    }

    private static Set<String> distinct(Switchboard c, int calls) {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < calls; i++) {
            ids.add(c.discovery().resolveBlocking("payments", "2.1", "prod", Duration.ofSeconds(5)).id());
        }
        return ids;
    }

    @Test
    void aResolveWithNoNodeFailsSayingWhatWasMissing(TestHazelcast cluster) {
        try (DiscoveryReplica replica = new DiscoveryReplica(cluster); Switchboard c = client("acme", List.of(replica))) {
            assertThatThrownBy(() -> c.discovery().resolveBlocking("ghost", "1.0", "prod", Duration.ofMillis(500)))
                    .isInstanceOf(NoNodeException.class)
                    .hasMessageContaining("'ghost'").hasMessageContaining("1.0").hasMessageContaining("prod");
            assertThat(c.discovery().resolve("x", "not-a-version", "prod")).isCompletedExceptionally();
        }
    }

    @Test
    void theFallbackEnvironmentIsUsedOnlyIfThePrimaryNeverHadAMatchingNode(TestHazelcast cluster) throws Exception {
        try (DiscoveryReplica replica = new DiscoveryReplica(cluster);
             Switchboard provider = client("acme", List.of(replica)); Switchboard consumer = client("acme", List.of(replica))) {
            provider.discovery().register(node("inv-staging", "inventory", "1.0.0", "staging")).get(10, TimeUnit.SECONDS);
            assertThat(consumer.discovery().resolveBlocking("inventory", "1.0", "prod,fallback:staging", Duration.ofSeconds(10)).id())
                    .isEqualTo("inv-staging");
            provider.discovery().register(node("inv-prod", "inventory", "1.0.0", "prod")).get(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    consumer.discovery().resolveBlocking("inventory", "1.0", "prod,fallback:staging", Duration.ofSeconds(5)).id().equals("inv-prod"));
            provider.discovery().deregister("inv-prod").get(10, TimeUnit.SECONDS);
            // prod had a matching node once, so the fallback is not used any more: nothing resolves.
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                    assertThatThrownBy(() -> consumer.discovery().resolveBlocking("inventory", "1.0", "prod,fallback:staging", Duration.ofMillis(300)))
                            .isInstanceOf(NoNodeException.class));
        }
    }

    @Test
    void reportedFailuresOpenANodesBreakerAndResolveRoutesAroundIt(TestHazelcast cluster) throws Exception {
        try (DiscoveryReplica replica = new DiscoveryReplica(cluster);
             Switchboard provider = client("acme", List.of(replica)); Switchboard consumer = client("acme", List.of(replica))) {
            provider.discovery().register(node("good", "orders", "1.0.0", "prod")).get(10, TimeUnit.SECONDS);
            provider.discovery().register(node("bad", "orders", "1.0.0", "prod")).get(10, TimeUnit.SECONDS);
            await().atMost(Duration.ofSeconds(10)).until(() -> resolveMany(consumer, 4).size() == 2);
            Node bad = findNode(consumer, "bad");
            for (int i = 0; i < 3; i++) {
                consumer.discovery().report(bad, false, Duration.ofMillis(5));
            }
            assertThat(resolveMany(consumer, 10)).containsExactly("good");
        }
    }

    private static Node findNode(Switchboard c, String id) {
        for (int i = 0; i < 10; i++) {
            Node n = c.discovery().resolveBlocking("orders", "1.0", "prod", Duration.ofSeconds(5));
            if (n.id().equals(id)) {
                return n;
            }
        }
        throw new AssertionError("node " + id + " never resolved");
    }

    private static Set<String> resolveMany(Switchboard c, int n) {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < n; i++) {
            ids.add(c.discovery().resolveBlocking("orders", "1.0", "prod", Duration.ofSeconds(5)).id());
        }
        return ids;
    }

    @Test
    void clientsFailOverToALiveReplicaAndKeepTheirNodesRegistered(TestHazelcast cluster) throws Exception {
        DiscoveryReplica a = new DiscoveryReplica(cluster);
        DiscoveryReplica b = new DiscoveryReplica(cluster);
        try (Switchboard provider = client("acme", List.of(b, a)); Switchboard consumer = client("acme", List.of(a))) {
            provider.discovery().register(node("stays", "orders", "1.0.0", "prod")).get(10, TimeUnit.SECONDS);
            assertThat(consumer.discovery().resolveBlocking("orders", "1.0", "prod", Duration.ofSeconds(10)).id()).isEqualTo("stays");
            b.close(); // the provider's replica goes away; it reconnects to a and re-registers
            await().atMost(Duration.ofSeconds(15)).until(() -> a.harness.get("/api/v1/services", Tokens.operator("acme")).body().contains("\"stays\""));
            assertThat(consumer.discovery().resolveBlocking("orders", "1.0", "prod", Duration.ofSeconds(10)).id()).isEqualTo("stays");
        } finally {
            a.close();
        }
    }

    @Test
    void afterEveryReplicaRestartsTheClientsRebuildTheViewByThemselves(TestHazelcast cluster) throws Exception {
        DiscoveryReplica first = new DiscoveryReplica(cluster);
        int port = first.port();
        try (Switchboard provider = client("acme", List.of(first)); Switchboard consumer = client("acme", List.of(first))) {
            provider.discovery().register(node("phoenix", "orders", "1.0.0", "prod")).get(10, TimeUnit.SECONDS);
            assertThat(consumer.discovery().viewAge("orders")).as("never resolved: no view").isEmpty();
            assertThat(consumer.discovery().resolveBlocking("orders", "1.0", "prod", Duration.ofSeconds(10)).id()).isEqualTo("phoenix");
            assertThat(consumer.discovery().viewAge("orders")).contains(Duration.ZERO);
            first.close(); // every replica and the whole cluster are gone: the registry is empty
            // The last view is kept while disconnected, resolves go on from it, and its age shows and grows.
            await().atMost(Duration.ofSeconds(10)).until(() ->
                    consumer.discovery().viewAge("orders").filter(age -> age.toMillis() > 0).isPresent());
            Duration stale = consumer.discovery().viewAge("orders").orElseThrow();
            assertThat(consumer.discovery().resolveBlocking("orders", "1.0", "prod", Duration.ofSeconds(1)).id()).isEqualTo("phoenix");
            await().atMost(Duration.ofSeconds(10)).until(() -> consumer.discovery().viewAge("orders").orElseThrow().compareTo(stale) > 0);
            try (DiscoveryReplica second = new DiscoveryReplica(cluster, port)) {
                await().atMost(Duration.ofSeconds(20)).until(() ->
                        second.harness.get("/api/v1/services", Tokens.operator("acme")).body().contains("\"phoenix\""));
                assertThat(consumer.discovery().resolveBlocking("orders", "1.0", "prod", Duration.ofSeconds(10)).id()).isEqualTo("phoenix");
                await().atMost(Duration.ofSeconds(20)).until(() -> consumer.discovery().viewAge("orders").equals(java.util.Optional.of(Duration.ZERO)));
            }
        }
    }
}
