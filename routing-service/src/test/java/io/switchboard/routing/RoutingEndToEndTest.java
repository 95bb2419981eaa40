package io.switchboard.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.switchboard.client.Switchboard;
import io.switchboard.client.SwitchboardOptions;
import io.switchboard.common.codec.Json;
import io.switchboard.common.model.Node;
import io.switchboard.testsupport.RealStores;
import io.switchboard.testsupport.ServiceHarness;
import io.switchboard.testsupport.TestHazelcast;
import io.switchboard.testsupport.TestPostgres;
import io.switchboard.testsupport.Tokens;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Routing end to end with real clients: outcomes reported by a caller travel through tracing into PostgreSQL, the
 * routing service ejects a failing node, discovery pushes the policy and the caller's resolves honour it.
 */
@ExtendWith(RealStores.class)
class RoutingEndToEndTest {
    private static final SwitchboardOptions OPTIONS = ClientStack.OPTIONS;
    private static ClientStack stack;
    private static ServiceHarness harness;
    private static RoutingDatabase database;

    @BeforeAll
    static void start(TestPostgres pg, TestHazelcast cluster) {
        stack = new ClientStack(pg, cluster);
        harness = stack.harness;
        database = stack.database;
    }

    @AfterAll
    static void stop() {
        stack.close();
    }

    private static Switchboard connect(String tenant, SwitchboardOptions options) {
        return stack.connect(tenant, options);
    }

    private static Node node(String id, String service, String version) {
        return new Node(null, id, service, version, "10.1.0." + Math.abs(id.hashCode() % 200) + ":8080", "prod", Map.of());
    }

    /** The callers the node is ejected for on their own evidence, as the operators' view reports them. */
    private static List<String> ejectedFor(String tenant, String service, String node) {
        var body = Json.parse(harness.get("/api/v1/routing/" + service + "/nodes", Tokens.operator(tenant)).body());
        for (var n : body.path("nodes")) {
            if (n.path("node").asText().equals(node)) {
                List<String> callers = new java.util.ArrayList<>();
                n.path("ejectedFor").forEach(c -> callers.add(c.asText()));
                return callers;
            }
        }
        return List.of();
    }

    private static long scalar(String sql) throws Exception {
        return database.blocking(c -> {
            try (var rs = c.createStatement().executeQuery(sql)) {
                rs.next();
                return rs.getLong(1);
            }
        }).await(10, TimeUnit.SECONDS);
    }

    private static String standing(String tenant, String service, String node) {
        var body = Json.parse(harness.get("/api/v1/routing/" + service + "/nodes", Tokens.operator(tenant)).body());
        for (var n : body.path("nodes")) {
            if (n.path("node").asText().equals(node)) {
                return n.path("standing").asText();
            }
        }
        return "unknown";
    }

    @Test
    void aNodeFailingHalfItsCallsIsEjectedAndReinstatedAfterItRecovers() throws Exception {
        try (Switchboard provider = connect("acme", OPTIONS);
             Switchboard caller = connect("acme", OPTIONS.withIdentity("gateway", "prod", "gw-1"))) {
            for (String id : List.of("pay-1", "pay-2", "pay-3")) {
                provider.discovery().register(node(id, "payments", "1.0.0")).get(10, TimeUnit.SECONDS);
            }
            AtomicBoolean bad = new AtomicBoolean(true);
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicLong badCalls = new AtomicLong();
            Deque<String> recent = new ArrayDeque<>();
            // The caller: resolve, call (pay-2 fails every other call while bad, never twice in a row, so the
            // client's own circuit breaker stays closed and only routing can take it out), report.
            Thread load = Thread.ofPlatform().name("caller").start(() -> {
                while (running.get()) {
                    Node n = caller.discovery().resolveBlocking("payments", "1", "prod", Duration.ofSeconds(10));
                    boolean failed = n.id().equals("pay-2") && bad.get() && badCalls.getAndIncrement() % 2 == 0;
                    caller.discovery().report(n, !failed, Duration.ofMillis(2));
                    synchronized (recent) {
                        recent.addLast(n.id());
                        if (recent.size() > 150) {
                            recent.removeFirst();
                        }
                    }
                    LockSupport.parkNanos(2_000_000);
                }
            });
            try {
                // One caller alone sees pay-2 fail: it is ejected for that caller's routing (docs/routing.md).
                await().atMost(Duration.ofSeconds(30)).until(() -> ejectedFor("acme", "payments", "pay-2").contains("gateway"));
                await().atMost(Duration.ofSeconds(10)).until(() -> {
                    synchronized (recent) {
                        return recent.size() == 150 && !recent.contains("pay-2");
                    }
                });
                assertThat(standing("acme", "payments", "pay-1")).isEqualTo("healthy");
                // It recovers; once its ejection (3 s here) ends, it is called again and stays in.
                bad.set(false);
                await().atMost(Duration.ofSeconds(30)).until(() -> {
                    synchronized (recent) {
                        return recent.stream().filter("pay-2"::equals).count() > 20;
                    }
                });
                await().atMost(Duration.ofSeconds(15)).until(() -> standing("acme", "payments", "pay-2").equals("healthy"));
                assertThat(scalar("select times from node_ejections where tenant = 'acme' and node = 'pay-2' "
                        + "and caller = 'gateway'")).as("ejected once, not again after it recovered").isEqualTo(1);
                assertThat(scalar("select count(*) from node_ejections where tenant = 'acme' and caller = ''"))
                        .as("never for every client: one identity's word").isZero();
            } finally {
                running.set(false);
                load.join(10_000);
            }
        }
    }

    /**
     * A token bound to one service reports a flood of failures of another service's node that an honest caller finds
     * healthy: the node is ejected for the liar's own routing only, and the honest caller keeps calling it. Once a
     * second bound identity sees it failing too, it is ejected for every client.
     */
    @Test
    void oneIdentitysFailuresEjectANodeOnlyForItselfUntilAnotherCorroboratesThem() throws Exception {
        String tenant = "forged";
        try (Switchboard provider = Switchboard.connect(URI.create("ws://127.0.0.1:" + harness.port()),
                     () -> Tokens.client(tenant, "payments"), OPTIONS);
             Switchboard honest = bound(tenant, "gateway");
             Switchboard liar = bound(tenant, "orders");
             Switchboard witness = bound(tenant, "billing")) {
            for (String id : List.of("pay-1", "pay-2", "pay-3")) {
                provider.discovery().register(node(id, "payments", "1.0.0")).get(10, TimeUnit.SECONDS);
            }
            Node victim = node("pay-2", "payments", "1.0.0");
            AtomicBoolean running = new AtomicBoolean(true);
            AtomicBoolean corroborate = new AtomicBoolean(false);
            Deque<String> recent = new ArrayDeque<>();
            Thread load = Thread.ofPlatform().name("honest-and-liars").start(() -> {
                while (running.get()) {
                    Node n = honest.discovery().resolveBlocking("payments", "1", "prod", Duration.ofSeconds(10));
                    honest.discovery().report(n, true, Duration.ofMillis(2));
                    synchronized (recent) {
                        recent.addLast(n.id());
                        if (recent.size() > 150) {
                            recent.removeFirst();
                        }
                    }
                    for (int i = 0; i < 4; i++) {
                        liar.discovery().report(victim, false, Duration.ofMillis(2));
                        if (corroborate.get()) {
                            witness.discovery().report(victim, false, Duration.ofMillis(2));
                        }
                    }
                    LockSupport.parkNanos(2_000_000);
                }
            });
            try {
                await().atMost(Duration.ofSeconds(30)).until(() -> ejectedFor(tenant, "payments", "pay-2").contains("orders"));
                assertThat(scalar("select count(*) from node_outcomes where tenant = 'forged' and caller = 'orders' "
                        + "and failures > 0")).isPositive();
                // For seconds of lies, pay-2 stays in for everyone else: not ejected fleet-wide, still called.
                await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5)).until(() ->
                        !standing(tenant, "payments", "pay-2").equals("ejected"));
                assertThat(scalar("select count(*) from node_ejections where tenant = 'forged' and caller = ''")).isZero();
                synchronized (recent) {
                    assertThat(recent).contains("pay-2");
                }
                // A second identity sees it failing: corroborated, it is ejected for every client.
                corroborate.set(true);
                await().atMost(Duration.ofSeconds(30)).until(() -> standing(tenant, "payments", "pay-2").equals("ejected"));
                await().atMost(Duration.ofSeconds(10)).until(() -> {
                    synchronized (recent) {
                        return recent.size() == 150 && !recent.contains("pay-2");
                    }
                });
            } finally {
                running.set(false);
                load.join(10_000);
            }
        }
    }

    private static Switchboard bound(String tenant, String service) {
        return Switchboard.connect(URI.create("ws://127.0.0.1:" + harness.port()), () -> Tokens.client(tenant, service),
                OPTIONS.withIdentity(service, "prod", service + "-1"));
    }

    @Test
    void aCanarySplitHoldsWithinStatisticalBoundsAndOnlyForItsTenant() throws Exception {
        try (Switchboard provider = connect("acme", OPTIONS); Switchboard otherProvider = connect("globex", OPTIONS);
             Switchboard caller = connect("acme", OPTIONS); Switchboard otherCaller = connect("globex", OPTIONS)) {
            for (Node n : List.of(node("s-1", "search", "1.2.0"), node("s-2", "search", "1.2.0"), node("s-3", "search", "1.3.0"))) {
                provider.discovery().register(n).get(10, TimeUnit.SECONDS);
                otherProvider.discovery().register(n).get(10, TimeUnit.SECONDS);
            }
            var put = harness.send("PUT", "/api/v1/routing/search?environment=prod", Tokens.operator("acme"),
                    "{\"strategy\": \"canary\", \"split\": {\"1.2.0\": 90, \"1.3.0\": 10}}");
            assertThat(put.statusCode()).as(put.body()).isEqualTo(200);
            // Round robin gives 1.3.0 a third; once the policy has arrived it gets about a tenth.
            await().atMost(Duration.ofSeconds(20)).until(() -> share(caller, 600, "1.3.0") < 0.2);
            int samples = 6_000;
            double canary = share(caller, samples, "1.3.0");
            // Ten percent, within five standard deviations (sd = sqrt(0.1 * 0.9 / 6000) = 0.0039).
            assertThat(canary).isBetween(0.08, 0.12);
            assertThat(share(otherCaller, 3_000, "1.3.0")).as("another tenant's service of the same name keeps round robin")
                    .isBetween(0.30, 0.37);
        }
    }

    private static double share(Switchboard client, int samples, String version) {
        int hits = 0;
        for (int i = 0; i < samples; i++) {
            if (client.discovery().resolveBlocking("search", "1", "prod", Duration.ofSeconds(10)).version().equals(version)) {
                hits++;
            }
        }
        return (double) hits / samples;
    }
}
