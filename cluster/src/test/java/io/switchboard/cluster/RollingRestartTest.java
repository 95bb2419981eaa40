package io.switchboard.cluster;

import static io.switchboard.cluster.ClusterReads.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.switchboard.client.Switchboard;
import io.switchboard.common.model.Level;
import io.switchboard.common.model.Node;
import io.switchboard.testsupport.RealStores;
import io.switchboard.testsupport.TestElasticsearch;
import io.switchboard.testsupport.TestPostgres;
import io.switchboard.testsupport.Tokens;
import io.switchboard.testsupport.WsTestClient;
import io.vertx.core.Vertx;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * A release rolled out as Kubernetes rolls it: every replica of the test environment (discovery x2, tracing x2,
 * query, routing, each a JVM of its own) replaced one at a time by a new one, members leaving through their pre-stop
 * hook, while a Java client behind the gateway keeps registering nodes and logging, a subscriber watches the
 * registry, and an operator's requests keep coming. Nothing the application logged is lost or doubled, no node goes
 * missing from the subscriber's view for longer than one reconnect, and the gateway answers every request.
 */
@ExtendWith(RealStores.class)
class RollingRestartTest {
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void aRollingRestartLosesNothingAndTheGatewayAnswersThroughout(TestPostgres pg, TestElasticsearch es,
                                                                   @TempDir Path dir) throws Exception {
        LocalCluster.Stores stores = new LocalCluster.Stores(pg.newDatabase(), pg.user(), pg.password(), es.url());
        // A short warm-up keeps the test's six starts quick; the order of a rollout does not depend on it.
        LocalCluster.Options options = new LocalCluster.Options("test", "roll-" + UUID.randomUUID(), Tokens.SECRET, 0,
                "320m", dir, Map.of("warmup.max-duration", "5s"));
        Vertx vertx = Vertx.vertx();
        try (LocalCluster cluster = LocalCluster.start(SystemDefinition.load(), stores, options, System.out)) {
            List<String> before = cluster.processes().stream().map(ServiceProcess::name).toList();
            URI gateway = URI.create("ws://127.0.0.1:" + cluster.gatewayPort());
            Switchboard app = Switchboard.connect(gateway, () -> Tokens.client(TENANT),
                    OPTIONS.withIdentity("checkout", "prod", "checkout-1"));
            RegistryRecorder view = new RegistryRecorder(() -> {
                WsTestClient c = WsTestClient.open(vertx, cluster.gatewayPort(), "/v1/discovery", Tokens.operator(TENANT));
                c.send("{\"type\":\"subscribe\",\"id\":\"all\"}");
                return c;
            }, "all");
            try (app; view) {
                List<String> nodes = IntStream.rangeClosed(1, 10).mapToObj(i -> "orders-" + i).toList();
                for (String id : nodes) {
                    app.discovery().register(node(id)).get(30, TimeUnit.SECONDS);
                }
                await().atMost(Duration.ofSeconds(20)).until(() -> nodes.stream().allMatch(view::has));
                assertThat(status("PUT", cluster, "/api/v1/routing/payments?environment=prod",
                        "{\"strategy\": \"round-robin\"}")).isEqualTo(200);

                // The application logs steadily; an operator reads every service's API through the gateway.
                Set<String> logged = ConcurrentHashMap.newKeySet();
                AtomicBoolean running = new AtomicBoolean(true);
                AtomicInteger counter = new AtomicInteger();
                Thread producer = Thread.ofPlatform().name("checkout-app").start(() -> {
                    while (running.get()) {
                        String message = "order " + counter.incrementAndGet() + " placed";
                        app.tracing().log(Level.INFO, "checkout.api", message);
                        logged.add(message);
                        java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(10).toNanos());
                    }
                });
                List<String> unanswered = new CopyOnWriteArrayList<>();
                AtomicInteger asked = new AtomicInteger();
                List<String> reads = List.of("/api/v1/services", "/api/v1/logs?service=checkout&since=1m&limit=1",
                        "/api/v1/routing/payments?environment=prod");
                Thread operator = Thread.ofPlatform().name("operator").start(() -> {
                    while (running.get()) {
                        String path = reads.get(asked.getAndIncrement() % reads.size());
                        try {
                            int status = status("GET", cluster, path, null);
                            if (status != 200) {
                                unanswered.add(path + " answered " + status);
                            }
                        } catch (Exception e) {
                            unanswered.add(path + " failed: " + e);
                        }
                        java.util.concurrent.locks.LockSupport.parkNanos(Duration.ofMillis(50).toNanos());
                    }
                });

                ByteArrayOutputStream report = new ByteArrayOutputStream();
                long started = System.nanoTime();
                List<LocalCluster.Replacement> replaced = cluster.rollout(new PrintStream(report, true, StandardCharsets.UTF_8));
                double seconds = (System.nanoTime() - started) / 1e9;
                System.out.printf("rolling restart of %d replicas in %.1f s:%n%s", replaced.size(), seconds, report);

                // Each replica was replaced, in system.yaml's order: discovery's, then tracing's, then the rest.
                assertThat(replaced).extracting(LocalCluster.Replacement::old).containsExactlyElementsOf(before);
                assertThat(cluster.processes()).extracting(ServiceProcess::name).doesNotContainAnyElementsOf(before)
                        .hasSize(before.size());
                assertThat(replaced).filteredOn(r -> r.old().startsWith("discovery") || r.old().startsWith("tracing"))
                        .hasSize(4).allSatisfy(r -> assertThat(r.preStopAnswer()).as("pre-stop of " + r.old())
                                .startsWith("200 ").contains("\"safeToStop\":true"));
                ServiceProcess anyDiscovery = cluster.replicas("discovery").getFirst();
                await().atMost(Duration.ofSeconds(60)).until(() -> hazelcast(anyDiscovery).path("members").asInt() == 4
                        && hazelcast(anyDiscovery).path("safe").asBoolean(false));

                // Outlive one TTL after the rollout: the nodes are kept alive by the new replicas.
                long done = System.currentTimeMillis();
                await().atMost(Duration.ofSeconds(40)).pollDelay(OPTIONS.ttl().plusSeconds(1)).ignoreExceptions()
                        .until(() -> refreshedSince(cluster, "orders-1", done));
                running.set(false);
                producer.join();
                operator.join();
                app.tracing().flush(Duration.ofSeconds(30)).get(35, TimeUnit.SECONDS);
                assertThat(app.tracing().dropped()).as("items the client had to drop").isZero();

                assertThat(unanswered).as("requests through the gateway that were not answered 200 (of " + asked.get()
                        + ")").isEmpty();
                assertThat(view.reconnects).as("the subscriber was moved off the replicas that left").isPositive();
                long now = System.currentTimeMillis();
                assertThat(view.absencesOf(nodes)).as("nodes missing from the subscriber's view (never for longer "
                        + "than one reconnect cycle)").allMatch(a -> a.millis(now) < RECONNECT_CYCLE.toMillis());
                assertThat(nodes).allMatch(view::has);
                // Every log the application wrote reached history, once: none lost, none doubled. (The tests of this
                // module share an Elasticsearch node; this one logs as a service no other test uses.)
                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(2)).untilAsserted(() ->
                        assertThat(allLogMessages(cluster, "checkout")).containsExactlyInAnyOrderElementsOf(logged));

                // The gate a deployment passes (./switchboard deploy smoke) passes on the rolled cluster.
                io.switchboard.cluster.deploy.Smoke.run(URI.create(cluster.gatewayUrl()), Tokens.client(TENANT),
                        Tokens.operator(TENANT), Duration.ofSeconds(60), System.out);
            } catch (Throwable t) {
                System.out.println(cluster.logTails(60));
                throw t;
            } finally {
                vertx.close();
            }
        }
    }

    private static Node node(String id) {
        return new Node(null, id, "orders", "1.0.0", "10.1.0." + id.substring(id.indexOf('-') + 1) + ":8000", "prod", Map.of());
    }

    private int status(String method, LocalCluster cluster, String path, String body) throws Exception {
        return send(method, cluster, path, body).statusCode();
    }

    private HttpResponse<String> send(String method, LocalCluster cluster, String path, String body) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(cluster.gatewayUrl() + path)).timeout(Duration.ofSeconds(15))
                .header("Authorization", "Bearer " + Tokens.operator(TENANT))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            b.header("Content-Type", "application/json");
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }
}
