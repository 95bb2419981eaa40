package io.switchboard.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.testsupport.WsTestClient;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A protocol v1 subscriber's view of the registry, kept up to date by a thread of its own from a subscription's
 * {@code snapshot} and {@code changes} frames, with the time of every change: so that a test can say how long any
 * node was missing from the view, and which routing policies were pushed.
 */
final class RegistryRecorder implements AutoCloseable {
    /** A node missing from the view from {@code since} until {@code until} (0 while still missing). */
    record Absence(String id, String reason, long since, long until) {
        long millis(long now) {
            return (until == 0 ? now : until) - since;
        }
    }

    private volatile WsTestClient subscriber;
    private final java.util.function.Supplier<WsTestClient> reconnect;
    private final Thread reader;
    private final Map<String, JsonNode> nodes = new HashMap<>();
    private final Map<String, JsonNode> policies = new HashMap<>();
    private final List<Absence> absences = new ArrayList<>();
    private volatile boolean running = true;

    RegistryRecorder(WsTestClient subscriber, String subscription) {
        this(subscriber, null, subscription);
    }

    /**
     * A subscriber that, as a client library does, connects again when its connection is closed (a replica leaving
     * says 1001) and subscribes afresh; meanwhile its view stays as it was. {@code connect} opens and subscribes.
     */
    RegistryRecorder(java.util.function.Supplier<WsTestClient> connect, String subscription) {
        this(connect.get(), connect, subscription);
    }

    private RegistryRecorder(WsTestClient subscriber, java.util.function.Supplier<WsTestClient> reconnect, String subscription) {
        this.subscriber = subscriber;
        this.reconnect = reconnect;
        this.reader = Thread.ofPlatform().daemon().name("registry-recorder").start(() -> read(subscription));
    }

    /** How many times the subscriber connected again. */
    volatile int reconnects;

    private void read(String subscription) {
        while (running) {
            if (reconnect != null && subscriber.isClosed()) {
                try {
                    Thread.sleep(200); // the client's first reconnect delay
                    subscriber = reconnect.get();
                    reconnects++;
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    continue; // not accepted yet: try again
                }
            }
            JsonNode frame;
            try {
                frame = subscriber.pending().poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            }
            if (frame == null || !subscription.equals(frame.path("subscription").asText())) {
                continue;
            }
            long now = System.currentTimeMillis();
            synchronized (this) {
                if ("snapshot".equals(frame.path("type").asText())) {
                    for (String id : List.copyOf(nodes.keySet())) {
                        gone(id, "resync", now);
                    }
                    frame.path("nodes").forEach(n -> back(n, now));
                } else if ("changes".equals(frame.path("type").asText())) {
                    frame.path("upserted").forEach(n -> back(n, now));
                    frame.path("removed").forEach(r -> gone(r.path("id").asText(), r.path("reason").asText(), now));
                }
                frame.path("policies").fields().forEachRemaining(e -> policies.put(e.getKey(), e.getValue()));
            }
        }
    }

    private void back(JsonNode node, long now) {
        String id = node.path("id").asText();
        nodes.put(id, node);
        for (int i = 0; i < absences.size(); i++) {
            Absence a = absences.get(i);
            if (a.id().equals(id) && a.until() == 0) {
                absences.set(i, new Absence(id, a.reason(), a.since(), now));
            }
        }
    }

    private void gone(String id, String reason, long now) {
        if (nodes.remove(id) != null) {
            absences.add(new Absence(id, reason, now, 0));
        }
    }

    synchronized boolean has(String id) {
        return nodes.containsKey(id);
    }

    /** The last policy pushed for a service, or null. */
    synchronized JsonNode policy(String service) {
        JsonNode p = policies.get(service);
        return p == null || p.isNull() ? null : p;
    }

    /** Every time one of the given nodes went missing, and for how long. */
    synchronized List<Absence> absencesOf(java.util.Collection<String> ids) {
        return absences.stream().filter(a -> ids.contains(a.id())).toList();
    }

    @Override
    public void close() {
        running = false;
        reader.interrupt();
        subscriber.close();
    }
}
