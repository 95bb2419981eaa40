package io.switchboard.cluster;

import static io.switchboard.cluster.ClusterReads.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.client.ActiveSpan;
import io.switchboard.client.Scope;
import io.switchboard.client.Switchboard;
import io.switchboard.common.model.Level;
import io.switchboard.common.model.Node;
import io.switchboard.common.model.Span;
import io.switchboard.testsupport.RealStores;
import io.switchboard.testsupport.TestElasticsearch;
import io.switchboard.testsupport.TestPostgres;
import io.switchboard.testsupport.Tokens;
import io.switchboard.testsupport.WsTestClient;
import io.vertx.core.Vertx;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Switchboard as it is deployed: discovery x2 and tracing x2 (the Hazelcast members), query and routing (clients),
 * each in a JVM of its own with only its own module's classpath, on real PostgreSQL and Elasticsearch. Java clients
 * register, subscribe on another replica, send logs, spans and outcomes, find them in history and see an ejection
 * pushed; then one discovery replica and one tracing replica (each a data member) are killed with SIGKILL, one
 * after the other. Clients fail over, no node goes missing for longer than one reconnect cycle, and every event
 * the application logged is indexed: none lost, none twice.
 */
@ExtendWith(RealStores.class)
class MultiProcessClusterTest {
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void clientsFailOverAndNothingAcknowledgedIsLostWhenMembersAreKilled(TestPostgres pg, TestElasticsearch es,
                                                                          @TempDir Path dir) throws Exception {
        LocalCluster.Stores stores = new LocalCluster.Stores(pg.newDatabase(), pg.user(), pg.password(), es.url());
        LocalCluster.Options options = new LocalCluster.Options("test", "mp-" + UUID.randomUUID(), Tokens.SECRET, 0,
                "320m", dir, Map.of("warmup.max-duration", "5s")); // warm-up is not what this test is about
        Vertx vertx = Vertx.vertx();
        try (LocalCluster cluster = LocalCluster.start(SystemDefinition.load(), stores, options, System.out)) {
            ServiceProcess d1 = cluster.process("discovery-1");
            ServiceProcess d2 = cluster.process("discovery-2");
            ServiceProcess t1 = cluster.process("tracing-1");
            ServiceProcess t2 = cluster.process("tracing-2");
            assertThat(hazelcast(d1).path("members").asInt()).as("one cluster of the four members").isEqualTo(4);
            assertThat(http.send(HttpRequest.newBuilder(URI.create(cluster.gatewayUrl() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).statusCode()).as("metrics through the gateway").isEqualTo(404);

            // The orders service reaches the replicas directly (discovery-1 and tracing-1 first); payments goes
            // through the gateway, as behind an ingress. The subscriber watches from discovery-2.
            Switchboard orders = Switchboard.connect(List.of(ws(d1, "/v1/discovery"), ws(d2, "/v1/discovery")),
                    List.of(ws(t1, "/v1/tracing"), ws(t2, "/v1/tracing")), () -> Tokens.client(TENANT),
                    OPTIONS.withIdentity("orders", "prod", "orders-1"));
            Switchboard payments = Switchboard.connect(URI.create("ws://127.0.0.1:" + cluster.gatewayPort()),
                    () -> Tokens.client(TENANT), OPTIONS.withIdentity("payments", "prod", "payments-1"));
            WsTestClient watch = WsTestClient.open(vertx, d2.httpPort(), "/v1/discovery", Tokens.operator(TENANT));
            watch.send("{\"type\":\"subscribe\",\"id\":\"all\"}");
            try (orders; payments; RegistryRecorder view = new RegistryRecorder(watch, "all")) {
                List<String> orderNodes = IntStream.rangeClosed(1, 10).mapToObj(i -> "orders-" + i).toList();
                for (String id : orderNodes) {
                    orders.discovery().register(node(id, "orders", 8000)).get(30, TimeUnit.SECONDS);
                }
                List<String> paymentNodes = List.of("payments-1", "payments-2");
                for (String id : paymentNodes) {
                    payments.discovery().register(node(id, "payments", 9000)).get(30, TimeUnit.SECONDS);
                }
                List<String> all = new ArrayList<>(orderNodes);
                all.addAll(paymentNodes);
                await().atMost(Duration.ofSeconds(20)).until(() -> all.stream().allMatch(view::has));
                assertThat(metric(d1, "switchboard_discovery_connections")).as("orders registered through discovery-1")
                        .isGreaterThanOrEqualTo(1);

                // Outcomes: payments-2 fails every call. Routing ejects it for orders, its one caller (one identity's
                // word ejects a node for that caller only, docs/routing.md), and discovery pushes the policy.
                Node good = orders.discovery().resolveBlocking("payments", "1", "prod", Duration.ofSeconds(20));
                assertThat(good).isNotNull();
                for (int i = 0; i < 40; i++) {
                    orders.tracing().outcome(node("payments-1", "payments", 9000), true, Duration.ofMillis(3));
                    orders.tracing().outcome(node("payments-2", "payments", 9000), false, Duration.ofMillis(40));
                }
                await().atMost(Duration.ofSeconds(60)).until(() -> ejectedFor(view.policy("payments"), "payments-2", "orders"));
                await().atMost(Duration.ofSeconds(10)).until(() -> IntStream.range(0, 20).allMatch(i ->
                        orders.discovery().resolveBlocking("payments", "1", "prod", Duration.ofSeconds(5)).id().equals("payments-1")));

                // A steady stream of traced work while members die: a span per order with a log in it.
                Set<String> logged = java.util.concurrent.ConcurrentHashMap.newKeySet();
                AtomicBoolean producing = new AtomicBoolean(true);
                AtomicInteger counter = new AtomicInteger();
                String[] firstTrace = new String[1];
                Thread producer = Thread.ofPlatform().name("orders-app").start(() -> {
                    while (producing.get()) {
                        int n = counter.incrementAndGet();
                        ActiveSpan span = orders.tracing().startSpan("POST /orders", Span.SpanKind.SERVER, null);
                        try (Scope ignored = span.makeCurrent()) {
                            String message = "order " + n + " placed";
                            orders.tracing().log(Level.INFO, "orders.api", message);
                            logged.add(message);
                            if (n == 1) {
                                firstTrace[0] = span.context().traceId();
                            }
                        } finally {
                            span.end();
                        }
                        java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(5).toNanos());
                    }
                });
                // A live tail filters where each ring lives, on any member, discovery's included.
                try (WsTestClient tail = WsTestClient.open(vertx, t2.httpPort(), "/v1/tracing", Tokens.operator(TENANT))) {
                    tail.send("{\"type\":\"tail\",\"id\":\"t\",\"from\":\"earliest\","
                            + "\"filter\":{\"service\":\"orders\",\"text\":\"order 1 placed\"}}");
                    tail.next("tailing");
                    JsonNode events = tail.next("events");
                    assertThat(events.path("items")).hasSize(1);
                    assertThat(events.path("items").get(0).path("message").asText()).isEqualTo("order 1 placed");
                }
                await().atMost(Duration.ofSeconds(30)).until(() -> searchable(cluster, "order 1 placed"));
                JsonNode trace = get(cluster, "/api/v1/traces/" + firstTrace[0]);
                assertThat(trace.toString()).contains("POST /orders").contains("order 1 placed");

                // kill -9 a discovery replica: its clients go to the other one; nobody's nodes go missing.
                d1.kill();
                long killedD1 = System.currentTimeMillis();
                await().atMost(Duration.ofSeconds(60)).until(() -> clusterSafe(d2, 3));
                // The gateway notices a dead replica at its next readiness check (once a second); until then a
                // request it sends there answers 502, as from an ingress without retries.
                await().atMost(Duration.ofSeconds(20)).ignoreExceptions()
                        .until(() -> refreshedSince(cluster, "orders-1", killedD1));

                // kill -9 a tracing replica, a data member holding ring and registry partitions.
                int before = counter.get();
                t1.kill();
                await().atMost(Duration.ofSeconds(60)).until(() -> clusterSafe(d2, 2));
                await().atMost(Duration.ofSeconds(30)).until(() -> counter.get() > before + 500);
                // Outlive one TTL after the last kill: the nodes are kept alive through the surviving replicas.
                long lastKill = System.currentTimeMillis();
                await().atMost(Duration.ofSeconds(40)).pollDelay(OPTIONS.ttl().plusSeconds(1)).ignoreExceptions()
                        .until(() -> refreshedSince(cluster, "orders-1", lastKill));
                producing.set(false);
                producer.join();
                orders.tracing().flush(Duration.ofSeconds(30)).get(35, TimeUnit.SECONDS);
                assertThat(orders.tracing().dropped()).as("items the client had to drop").isZero();

                long now = System.currentTimeMillis();
                assertThat(view.absencesOf(all)).as("nodes missing from the view (they must never be gone for "
                        + "longer than one reconnect cycle)").allMatch(a -> a.millis(now) < RECONNECT_CYCLE.toMillis());
                assertThat(all).allMatch(view::has);

                // Every log the application wrote reached history, through both tracing replicas, exactly once.
                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() ->
                        assertThat(allLogMessages(cluster, "orders")).containsExactlyInAnyOrderElementsOf(logged));
            } catch (Throwable t) {
                System.out.println(cluster.logTails(80));
                throw t;
            } finally {
                vertx.close();
            }
        }
    }

    private static Node node(String id, String service, int port) {
        return new Node(null, id, service, "1.0.0", "10.1.0." + id.substring(id.indexOf('-') + 1) + ":" + port, "prod", Map.of());
    }

    private static URI ws(ServiceProcess p, String path) {
        return URI.create("ws://127.0.0.1:" + p.httpPort() + path);
    }

    private static boolean ejectedFor(JsonNode policy, String node, String caller) {
        if (policy == null) {
            return false;
        }
        JsonNode n = policy.path("nodes").path(node);
        if (n.path("ejected").asBoolean(false)) {
            return true;
        }
        for (JsonNode c : n.path("ejectedFor")) {
            if (c.asText().equals(caller)) {
                return true;
            }
        }
        return false;
    }

    /** Whether the replica sees {@code members} members and every partition has its backups again. */
    private boolean clusterSafe(ServiceProcess p, int members) throws Exception {
        JsonNode hz = hazelcast(p);
        return hz.path("members").asInt() == members && hz.path("safe").asBoolean(false);
    }

    private double metric(ServiceProcess p, String name) throws Exception {
        for (String line : send(URI.create(p.managementUrl("/metrics")), null).split("\n")) {
            if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        throw new AssertionError("no metric " + name + " on " + p.name());
    }

    private boolean searchable(LocalCluster cluster, String message) throws Exception {
        JsonNode page = get(cluster, "/api/v1/logs?service=orders&since=1h&q="
                + URLEncoder.encode("\"" + message + "\"", StandardCharsets.UTF_8));
        for (JsonNode item : page.path("items")) {
            if (message.equals(item.path("message").asText())) {
                return true;
            }
        }
        return false;
    }
}
