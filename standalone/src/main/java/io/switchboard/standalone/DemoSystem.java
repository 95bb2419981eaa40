package io.switchboard.standalone;

import io.switchboard.client.ActiveSpan;
import io.switchboard.client.Scope;
import io.switchboard.client.SpanContext;
import io.switchboard.client.Switchboard;
import io.switchboard.client.SwitchboardOptions;
import io.switchboard.common.model.Level;
import io.switchboard.common.model.Node;
import io.switchboard.common.model.Span;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small simulated system built on the Java client, so that a new user sees every part of Switchboard at work:
 * a gateway calling orders, which calls payments and inventory; several nodes each, each its own client connection
 * (as separate processes would be); two versions of orders behind a canary split; some latency and failures; and one
 * payments node that goes bad for a while (it fails most calls, gets ejected by routing, then recovers and comes
 * back). Requests run on virtual threads with real (short) sleeps, so spans carry real timings.
 */
final class DemoSystem implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DemoSystem.class);
    private static final String ENV = "prod";

    /** One node of the simulated system: its registration, its client and how it behaves. */
    private record DemoNode(Node node, Switchboard client, int latencyMillis, double failureRate) {
        String id() {
            return node.id();
        }
    }

    private final URI ws;
    private final String clientToken;
    private final Duration badAfter;
    private final Duration badFor;
    private final Duration rolloutInterval;
    private final List<DemoNode> nodes = new ArrayList<>();
    private final Map<String, DemoNode> byId = new HashMap<>();
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "demo-traffic");
        t.setDaemon(true);
        return t;
    });
    private final AtomicLong orderNumbers = new AtomicLong(41_000);
    private long startedAt;

    /**
     * @param base     the standalone's URL, such as http://127.0.0.1:7700
     * @param badAfter when payments-3 goes bad, after the start
     * @param badFor   how long it stays bad
     * @param rolloutInterval how long each step of the two progressive rollouts lasts
     */
    DemoSystem(String base, String clientToken, Duration badAfter, Duration badFor, Duration rolloutInterval) {
        this.ws = URI.create(base.replaceFirst("^http", "ws"));
        this.clientToken = clientToken;
        this.badAfter = badAfter;
        this.badFor = badFor;
        this.rolloutInterval = rolloutInterval;
    }

    /**
     * Registers every node, sets a canary split for orders, starts two progressive rollouts (inventory 1.1.0, which
     * is healthy and gets promoted; payments 2.2.0, which fails 40 % of its calls and gets rolled back), and starts
     * the traffic (about 12 requests a second).
     */
    void start(String base, String operatorToken) throws Exception {
        startedAt = System.nanoTime();
        add("gateway", "gateway-1", "3.4.1", 4, 0.002);
        add("gateway", "gateway-2", "3.4.1", 4, 0.002);
        add("orders", "orders-1", "1.2.0", 12, 0.01);
        add("orders", "orders-2", "1.2.0", 12, 0.01);
        add("orders", "orders-3", "1.3.0", 9, 0.03);
        add("payments", "payments-1", "2.1.0", 25, 0.01);
        add("payments", "payments-2", "2.1.0", 25, 0.01);
        add("payments", "payments-3", "2.1.0", 25, 0.01);
        add("inventory", "inventory-1", "1.0.4", 8, 0.005);
        add("inventory", "inventory-2", "1.0.4", 30, 0.005);
        // The candidates of the two progressive rollouts: a good one and a bad one.
        add("inventory", "inventory-3", "1.1.0", 9, 0.005);
        add("payments", "payments-4", "2.2.0", 25, 0.4);
        for (DemoNode n : nodes) {
            n.client().discovery().register(n.node()).get(30, TimeUnit.SECONDS);
        }
        if (operatorToken != null) {
            // Two versions of the orders strategy, so that the routing view has a history and a rollback to offer.
            strategy(base, operatorToken, "orders", "{\"strategy\": \"round-robin\"}");
            strategy(base, operatorToken, "orders", "{\"strategy\": \"canary\", \"split\": {\"1.2.0\": 80, \"1.3.0\": 20}}");
            strategy(base, operatorToken, "payments", "{\"strategy\": \"weighted\"}");
            String interval = rolloutInterval.toSeconds() + "s";
            strategy(base, operatorToken, "inventory", "{\"strategy\": \"progressive\", \"baseline\": \"1.0.4\", "
                    + "\"candidate\": \"1.1.0\", \"steps\": [10, 50, 100], \"interval\": \"" + interval + "\", "
                    + "\"minCalls\": 30, \"maxLatencyRatio\": 2}");
            strategy(base, operatorToken, "payments", "{\"strategy\": \"progressive\", \"baseline\": \"2.1.0\", "
                    + "\"candidate\": \"2.2.0\", \"steps\": [10, 50, 100], \"interval\": \"" + interval + "\", "
                    + "\"minCalls\": 30}");
        }
        scheduler.scheduleAtFixedRate(() -> Thread.ofVirtual().start(this::request), 0, 80, TimeUnit.MILLISECONDS);
    }

    private void add(String service, String id, String version, int latencyMillis, double failureRate) {
        Switchboard client = Switchboard.connect(ws, () -> clientToken, SwitchboardOptions.defaults()
                .withIdentity(service, ENV, id).withTtl(Duration.ofSeconds(15)));
        DemoNode n = new DemoNode(new Node(null, id, service, version, "10.20.0." + (nodes.size() + 10) + ":8080", ENV,
                Map.of("zone", nodes.size() % 2 == 0 ? "eu-west-1a" : "eu-west-1b")), client, latencyMillis, failureRate);
        nodes.add(n);
        byId.put(id, n);
    }

    private static void strategy(String base, String token, String service, String spec) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(base + "/api/v1/routing/" + service + "?environment=" + ENV))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(spec)).build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            LOG.warn("demo: setting the {} strategy answered {}: {}", service, r.statusCode(), r.body());
        }
    }

    /** Whether payments-3 is in its bad spell now. */
    private boolean badNow() {
        long elapsed = System.nanoTime() - startedAt;
        return elapsed > badAfter.toNanos() && elapsed < badAfter.plus(badFor).toNanos();
    }

    /** One request from the outside: a gateway node serves GET /checkout. */
    private void request() {
        try {
            List<DemoNode> gateways = nodes.stream().filter(n -> n.node().service().equals("gateway")).toList();
            DemoNode gateway = gateways.get(ThreadLocalRandom.current().nextInt(gateways.size()));
            serve(gateway, "GET /checkout", null);
        } catch (RuntimeException e) {
            LOG.debug("demo request failed: {}", e.getMessage());
        }
    }

    /** A node handles an operation as a server span, calling downstream services as its role says. */
    private boolean serve(DemoNode node, String operation, SpanContext parent) {
        ActiveSpan span = node.client().tracing().startSpan(operation, Span.SpanKind.SERVER, parent);
        boolean ok;
        try (Scope scope = span.makeCurrent()) {
            span.attribute("http.method", operation.split(" ")[0]);
            ok = switch (node.node().service()) {
                case "gateway" -> gateway(node);
                case "orders" -> orders(node);
                case "payments" -> payments(node);
                default -> inventory(node);
            };
            span.status(ok);
        }
        span.end();
        return ok;
    }

    private boolean gateway(DemoNode node) {
        work(node);
        String user = "user-" + ThreadLocalRandom.current().nextInt(500);
        node.client().tracing().log(Level.INFO, "http", "checkout started for " + user, Map.of("user", user));
        boolean ok = call(node, "orders", "1", "POST /orders");
        if (!ok) {
            node.client().tracing().log(Level.WARN, "http", "checkout failed for " + user + ": orders answered 502");
        }
        return ok && !fails(node);
    }

    private boolean orders(DemoNode node) {
        long order = orderNumbers.incrementAndGet();
        Map<String, String> attrs = Map.of("order", Long.toString(order));
        node.client().tracing().log(Level.INFO, "orders", "order " + order + " received", attrs);
        work(node);
        boolean reserved = call(node, "inventory", "1", "POST /reservations");
        if (!reserved) {
            node.client().tracing().log(Level.WARN, "orders", "order " + order + ": stock reservation failed, retrying once", attrs);
            reserved = call(node, "inventory", "1", "POST /reservations");
        }
        boolean paid = reserved && call(node, "payments", "2", "POST /charges");
        if (!paid) {
            node.client().tracing().log(Level.ERROR, "orders", "order " + order + " failed: "
                    + (reserved ? "payment declined upstream" : "out of stock"), attrs);
            return false;
        }
        node.client().tracing().log(Level.INFO, "orders", "order " + order + " confirmed", attrs);
        return !fails(node);
    }

    private boolean payments(DemoNode node) {
        boolean bad = node.id().equals("payments-3") && badNow();
        sleep(bad ? node.latencyMillis() * 4 : node.latencyMillis() + jitter(node));
        if (bad && ThreadLocalRandom.current().nextDouble() < 0.6) {
            node.client().tracing().log(Level.ERROR, "payments", "card processor timeout after "
                    + node.latencyMillis() * 4 + " ms (connection pool exhausted)");
            return false;
        }
        boolean ok = !fails(node);
        node.client().tracing().log(ok ? Level.DEBUG : Level.WARN, "payments", ok ? "charge authorised" : "charge declined: card expired");
        return ok;
    }

    private boolean inventory(DemoNode node) {
        work(node);
        boolean ok = !fails(node);
        if (!ok) {
            node.client().tracing().log(Level.WARN, "inventory", "reservation conflict on sku-" + ThreadLocalRandom.current().nextInt(900));
        }
        return ok;
    }

    /** A call to another service: resolve, a client span, the callee serving it, and the outcome reported. */
    private boolean call(DemoNode from, String service, String versionRange, String operation) {
        Node target;
        try {
            target = from.client().discovery().resolveBlocking(service, versionRange, ENV, Duration.ofSeconds(2));
        } catch (RuntimeException e) {
            from.client().tracing().log(Level.ERROR, "client", "no node of " + service + " to call: " + e.getMessage());
            return false;
        }
        ActiveSpan span = from.client().tracing().startSpan(operation, Span.SpanKind.CLIENT, null)
                .attribute("peer.service", service).attribute("peer.node", target.id());
        long start = System.nanoTime();
        boolean ok;
        try (Scope scope = span.makeCurrent()) {
            Map<String, String> headers = from.client().tracing().inject(new LinkedHashMap<>());
            DemoNode callee = byId.get(target.id());
            ok = callee != null && serve(callee, operation, SpanContext.fromTraceparent(headers.get(SpanContext.HEADER)));
            span.status(ok);
        }
        span.end();
        from.client().discovery().report(target, ok, Duration.ofNanos(System.nanoTime() - start));
        return ok;
    }

    private void work(DemoNode node) {
        sleep(node.latencyMillis() + jitter(node));
    }

    private static int jitter(DemoNode node) {
        // Now and then a slow one, so that p99 differs from p50.
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return r.nextInt(Math.max(1, node.latencyMillis() / 2)) + (r.nextInt(50) == 0 ? node.latencyMillis() * 5 : 0);
    }

    private static boolean fails(DemoNode node) {
        return ThreadLocalRandom.current().nextDouble() < node.failureRate();
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        scheduler.shutdownNow();
        for (DemoNode n : nodes) {
            n.client().close();
        }
    }
}
