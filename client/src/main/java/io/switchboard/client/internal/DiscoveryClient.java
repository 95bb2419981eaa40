package io.switchboard.client.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.client.Discovery;
import io.switchboard.client.NoNodeException;
import io.switchboard.client.SwitchboardOptions;
import io.switchboard.common.codec.Json;
import io.switchboard.common.model.Node;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The discovery half of the client. Registration state, subscriptions and waiters live on the client's executor
 * thread; resolves read the pushed {@link NodeView} on the caller's thread.
 */
public final class DiscoveryClient implements Discovery, ManagedConnection.Handler {
    private final SwitchboardOptions options;
    /** The pages of a snapshot gathered so far, by subscription (the connection's thread only). */
    private final Map<String, com.fasterxml.jackson.databind.node.ArrayNode> snapshotPages = new ConcurrentHashMap<>();
    private final ScheduledExecutorService executor;
    private final Clock clock;
    private final NodeView view = new NodeView();
    private final Map<String, CircuitBreaker> breakers = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> roundRobin = new ConcurrentHashMap<>();
    private ManagedConnection connection;
    private final OutcomeSink outcomes;

    /** Where reported call outcomes go besides the breaker (tracing), if anywhere. */
    public interface OutcomeSink {
        void outcome(Node callee, boolean success, Duration latency);
    }

    // Executor thread only.
    private final Map<String, Node> hosted = new LinkedHashMap<>();
    private final Map<String, List<CompletableFuture<Void>>> pendingRegistrations = new HashMap<>();
    private final Map<String, String> subscriptionToService = new HashMap<>();
    private final Map<String, String> serviceToSubscription = new ConcurrentHashMap<>();
    /** Services whose view ever arrived; those of them not live (no snapshot yet on this connection) in staleSince. */
    private final Set<String> viewed = ConcurrentHashMap.newKeySet();
    private final Map<String, Long> staleSince = new ConcurrentHashMap<>();
    private final List<Waiter> waiters = new ArrayList<>();

    private record Waiter(String service, VersionRange range, EnvironmentSpec env, CompletableFuture<Node> future) {
    }

    public DiscoveryClient(SwitchboardOptions options, ScheduledExecutorService executor, Clock clock, OutcomeSink outcomes) {
        this.options = options;
        this.outcomes = outcomes;
        this.executor = executor;
        this.clock = clock;
        long heartbeat = options.ttl().toMillis() / 2;
        executor.scheduleAtFixedRate(this::heartbeat, heartbeat, heartbeat, TimeUnit.MILLISECONDS);
        executor.scheduleAtFixedRate(this::serveWaiters, 1, 1, TimeUnit.SECONDS);
    }

    public void attach(ManagedConnection connection) {
        this.connection = connection;
    }

    @Override
    public CompletableFuture<Void> register(Node node) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        executor.execute(() -> {
            hosted.put(node.id(), node);
            pendingRegistrations.computeIfAbsent(node.id(), id -> new ArrayList<>()).add(done);
            connection.send(registerFrame(node));
        });
        return done;
    }

    @Override
    public CompletableFuture<Void> deregister(String nodeId) {
        return CompletableFuture.runAsync(() -> {
            if (hosted.remove(nodeId) != null) {
                connection.send("{\"type\":\"deregister\",\"id\":" + Json.write(nodeId) + "}");
            }
        }, executor);
    }

    @Override
    public CompletableFuture<Node> resolve(String service, String versionRange, String environment) {
        VersionRange range;
        EnvironmentSpec env;
        try {
            range = VersionRange.parse(versionRange);
            env = EnvironmentSpec.parse(environment);
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(e);
        }
        if (!serviceToSubscription.containsKey(service)) {
            executor.execute(() -> subscribe(service));
        }
        Node now = pick(service, range, env);
        if (now != null) {
            return CompletableFuture.completedFuture(now);
        }
        CompletableFuture<Node> future = new CompletableFuture<>();
        executor.execute(() -> waiters.add(new Waiter(service, range, env, future)));
        executor.schedule(() -> {
            if (future.completeExceptionally(new NoNodeException("no node of service '" + service + "' version "
                    + versionRange + " in environment " + env + " within " + options.resolveTimeout().toMillis()
                    + " ms" + (connection.isOpen() ? "" : " (not connected to Switchboard)")))) {
                waiters.removeIf(w -> w.future == future);
            }
        }, options.resolveTimeout().toMillis(), TimeUnit.MILLISECONDS);
        return future;
    }

    @Override
    public Node resolveBlocking(String service, String versionRange, String environment, Duration timeout) {
        try {
            return resolve(service, versionRange, environment).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new NoNodeException("no node of service '" + service + "' version " + versionRange
                    + " in environment '" + environment + "' within " + timeout.toMillis() + " ms");
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new NoNodeException(e.getCause().getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new NoNodeException("interrupted while resolving '" + service + "'");
        }
    }

    @Override
    public void report(Node node, boolean success, Duration latency) {
        CircuitBreaker breaker = breaker(node.id());
        if (success) {
            breaker.success();
        } else {
            breaker.failure();
        }
        if (outcomes != null) {
            outcomes.outcome(node, success, latency);
        }
    }

    @Override
    public Optional<Duration> viewAge(String service) {
        if (!viewed.contains(service)) {
            return Optional.empty();
        }
        Long since = staleSince.get(service);
        return Optional.of(since == null ? Duration.ZERO : Duration.ofMillis(Math.max(0, clock.millis() - since)));
    }

    /** The breaker of a node, for tests and diagnostics. */
    public CircuitBreaker breaker(String nodeId) {
        return breakers.computeIfAbsent(nodeId, id -> new CircuitBreaker(options.breakerFailures(), options.breakerOpenFor(), clock));
    }

    private Node pick(String service, VersionRange range, EnvironmentSpec env) {
        List<Node> nodes = view.nodes(service);
        List<Node> candidates = candidates(nodes, env.primary(), range);
        String environment = env.primary();
        if (candidates.isEmpty() && env.fallback() != null && !view.everHad(service, env.primary(), range)) {
            candidates = candidates(nodes, env.fallback(), range);
            environment = env.fallback();
        }
        if (candidates.isEmpty()) {
            return null;
        }
        Node chosen = Balancer.choose(candidates, view.policy(service), environment,
                roundRobin.computeIfAbsent(service, s -> new AtomicInteger()), options.service());
        breaker(chosen.id()).callStarted();
        return chosen;
    }

    private List<Node> candidates(List<Node> nodes, String environment, VersionRange range) {
        List<Node> out = new ArrayList<>();
        for (Node n : nodes) {
            if (n.environment().equals(environment) && range.matches(n.version()) && breaker(n.id()).allowsCall()) {
                out.add(n);
            }
        }
        return out;
    }

    @Override
    public void opened(JsonNode open) {
        hosted.values().forEach(n -> connection.send(registerFrame(n)));
        subscriptionToService.forEach((sub, service) -> connection.send(subscribeFrame(sub, service)));
    }

    @Override
    public void lost(int code) {
        // A view stays stale from the first loss until a snapshot on a new connection, however many losses between.
        long now = clock.millis();
        viewed.forEach(service -> staleSince.putIfAbsent(service, now));
    }

    @Override
    public void frame(JsonNode frame) {
        switch (frame.path("type").asText()) {
            case "registered" -> complete(frame.path("id").asText(), null);
            case "snapshot" -> {
                String subscription = frame.path("subscription").asText();
                String service = subscriptionToService.get(subscription);
                JsonNode nodes = frame.path("nodes");
                if (frame.has("page")) {
                    // A snapshot in pages: the view is replaced once its last page is here.
                    com.fasterxml.jackson.databind.node.ArrayNode gathered = frame.path("page").asInt() == 1
                            ? io.switchboard.common.codec.Json.MAPPER.createArrayNode()
                            : snapshotPages.getOrDefault(subscription, io.switchboard.common.codec.Json.MAPPER.createArrayNode());
                    gathered.addAll((com.fasterxml.jackson.databind.node.ArrayNode) nodes);
                    if (frame.path("more").asBoolean()) {
                        snapshotPages.put(subscription, gathered);
                        return;
                    }
                    snapshotPages.remove(subscription);
                    nodes = gathered;
                }
                if (service != null) {
                    view.replace(service, nodes);
                    view.policies(service, frame.path("policies"), true);
                    viewed.add(service);
                    staleSince.remove(service);
                    serveWaiters();
                }
            }
            case "changes" -> {
                String service = subscriptionToService.get(frame.path("subscription").asText());
                if (service != null) {
                    view.apply(service, frame.path("upserted"), frame.path("removed"));
                    view.policies(service, frame.path("policies"), false);
                    serveWaiters();
                }
            }
            case "reregister" -> frame.path("ids").forEach(id -> {
                Node n = hosted.get(id.asText());
                if (n != null) {
                    connection.send(registerFrame(n));
                }
            });
            case "error" -> {
                String ref = frame.path("ref").asText(null);
                if (ref != null && ref.startsWith("reg:")) {
                    registrationRefused(ref.substring(4), frame);
                } else if (ref != null && ref.startsWith("sub:")) {
                    subscriptionRefused(ref.substring(4), frame);
                }
            }
            default -> { }
        }
    }

    /**
     * A register refused: a node that breaks a rule or that this token may not register fails its future; one
     * refused by a rate quota is sent again after {@code retryAfterMs}; one over a count or bytes quota fails.
     */
    private void registrationRefused(String id, JsonNode error) {
        String code = error.path("code").asText();
        String message = error.path("message").asText();
        long retry = error.path("retryAfterMs").asLong(0);
        if ("limit_exceeded".equals(code) && retry > 0) {
            executor.schedule(() -> {
                Node n = hosted.get(id);
                if (n != null) {
                    connection.send(registerFrame(n));
                }
            }, retry, TimeUnit.MILLISECONDS);
            return;
        }
        if ("invalid_field".equals(code) || "forbidden".equals(code)) {
            hosted.remove(id);
            complete(id, new IllegalArgumentException(message));
        } else if ("limit_exceeded".equals(code)) {
            hosted.remove(id);
            complete(id, new IllegalStateException(message));
        }
    }

    /**
     * A subscribe refused: over a rate quota (the tenant's fan-out) it is sent again after {@code retryAfterMs};
     * otherwise it is tried again on the next connection, and resolves of the service wait meanwhile.
     */
    private void subscriptionRefused(String id, JsonNode error) {
        long retry = error.path("retryAfterMs").asLong(0);
        if ("limit_exceeded".equals(error.path("code").asText()) && retry > 0) {
            executor.schedule(() -> {
                String service = subscriptionToService.get(id);
                if (service != null) {
                    connection.send(subscribeFrame(id, service));
                }
            }, retry, TimeUnit.MILLISECONDS);
        }
    }

    private void complete(String nodeId, RuntimeException failure) {
        List<CompletableFuture<Void>> futures = pendingRegistrations.remove(nodeId);
        if (futures != null) {
            futures.forEach(f -> {
                if (failure == null) {
                    f.complete(null);
                } else {
                    f.completeExceptionally(failure);
                }
            });
        }
    }

    private void subscribe(String service) {
        if (serviceToSubscription.containsKey(service)) {
            return;
        }
        String id = "s" + (subscriptionToService.size() + 1);
        subscriptionToService.put(id, service);
        serviceToSubscription.put(service, id);
        connection.send(subscribeFrame(id, service));
    }

    private void serveWaiters() {
        for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
            Waiter w = it.next();
            if (w.future.isDone()) {
                it.remove();
                continue;
            }
            Node n = pick(w.service, w.range, w.env);
            if (n != null && w.future.complete(n)) {
                it.remove();
            }
        }
    }

    private void heartbeat() {
        if (!hosted.isEmpty() && connection.isOpen()) {
            connection.send(Json.write(Map.of("type", "heartbeat", "ids", List.copyOf(hosted.keySet()))));
        }
    }

    private String registerFrame(Node node) {
        ObjectNode json = Json.MAPPER.createObjectNode();
        json.put("type", "register");
        json.put("ref", "reg:" + node.id());
        json.put("ttl", options.ttl().toSeconds());
        ObjectNode n = Json.MAPPER.valueToTree(node);
        n.remove("tenant");
        json.set("node", n);
        return Json.write(json);
    }

    private static String subscribeFrame(String id, String service) {
        return Json.write(Map.of("type", "subscribe", "ref", "sub:" + id, "id", id, "service", service));
    }
}
