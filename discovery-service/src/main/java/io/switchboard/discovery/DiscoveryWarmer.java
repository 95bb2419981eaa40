package io.switchboard.discovery;

import com.fasterxml.jackson.databind.JsonNode;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.partition.Partition;
import io.switchboard.common.codec.Json;
import io.switchboard.common.service.WarmUp;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.switchboard.common.service.WarmUpSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Discovery's warm-up load, through its real WebSocket endpoint as the scratch tenant: each round a subscriber
 * subscribes (snapshot), {@value #CONNECTIONS} connections register {@value #NODES_PER_CONNECTION} nodes each at once
 * and heartbeat them, the subscriber waits for every one of them in its change frames, then they are deregistered and
 * it waits for every removal, and it unsubscribes. That runs the frame decoding and encoding, the registry's entry
 * processors and address index, the map listeners, the fan-out and the quotas, as a burst of reconnecting clients
 * does. In a cluster it starts once the partitions are safe (migrated and backed up) and uses only node ids and
 * addresses whose partitions this member owns, so that it warms this member's own work. At the end it destroys the
 * scratch tenant's maps (every per-tenant map is named {@code <kind>.<tenant>}); each replica's warm-up has a scratch
 * tenant of its own, so replicas warming up at once never touch each other's.
 */
final class DiscoveryWarmer implements WarmUp.Warmer {
    static final int CONNECTIONS = 4;
    static final int NODES_PER_CONNECTION = 64;
    private static final long STEP_TIMEOUT_MS = 10_000;

    private final WarmUp.Context context;
    private final HazelcastInstance hazelcast;
    private final SubscriptionHub hub;
    /** The tenant quota on change deliveries a second (0: none), which the rounds stay under. */
    private final long fanoutPerSecond;
    private final List<WarmUpSocket> senders = new ArrayList<>();
    private WarmUpSocket subscriber;
    private List<String> ids;
    private List<String> addresses;
    /** What the subscriber waits for now: the count of upserted (or removed) nodes still to arrive. */
    private volatile Step step;

    private record Step(String kind, AtomicInteger left, Promise<Void> done) {
    }

    DiscoveryWarmer(WarmUp.Context context, HazelcastInstance hazelcast, SubscriptionHub hub, long fanoutPerSecond) {
        this.context = context;
        this.hazelcast = hazelcast;
        this.hub = hub;
        this.fanoutPerSecond = fanoutPerSecond;
    }

    @Override
    public Future<Void> prepare() {
        return WarmUp.clusterSafe(context, hazelcast)
                .compose(safe -> context.vertx().executeBlocking(this::ownedKeys, false))
                .compose(v -> connect());
    }

    private Future<Void> connect() {
        List<Future<WarmUpSocket>> opening = new ArrayList<>();
        for (int c = 0; c < CONNECTIONS; c++) {
            opening.add(context.connect(DiscoveryService.PATH, text -> { }));
        }
        Future<WarmUpSocket> sub = context.connect(DiscoveryService.PATH, this::onSubscriberText);
        return Future.all(Future.all(opening), sub).onSuccess(all -> {
            opening.forEach(f -> senders.add(f.result()));
            subscriber = sub.result();
        }).mapEmpty();
    }

    /** Node ids and service addresses whose partitions this member owns (all of them when it is alone). */
    private Void ownedKeys() {
        List<String> ownIds = new ArrayList<>();
        List<String> ownAddresses = new ArrayList<>();
        int total = CONNECTIONS * NODES_PER_CONNECTION;
        for (int i = 0; ownIds.size() < total && i < total * 1_000; i++) {
            if (ownsKey("w-" + i)) {
                ownIds.add("w-" + i);
            }
        }
        for (int i = 0; ownAddresses.size() < ownIds.size() && i < total * 1_000; i++) {
            String address = "10.255." + (i / 250) + "." + (i % 250 + 1) + ":8080";
            if (ownsKey(serviceOf(ownAddresses.size()) + "|" + address)) {
                ownAddresses.add(address);
            }
        }
        if (ownIds.size() < total || ownAddresses.size() < total) {
            throw new IllegalStateException("this member owns too few partitions to warm up on its own keys");
        }
        ids = ownIds;
        addresses = ownAddresses;
        return null;
    }

    private boolean ownsKey(String key) {
        Partition p = hazelcast.getPartitionService().getPartition(key);
        return p.getOwner() != null && p.getOwner().localMember();
    }

    private static String serviceOf(int i) {
        return "warm" + (i % 8);
    }

    @Override
    public Future<Void> round(int round) {
        long began = System.nanoTime();
        String sub = "w" + round;
        return expect("snapshot", 1, () -> subscriber.send("{\"type\":\"subscribe\",\"id\":\"" + sub + "\"}"))
                .compose(v -> expect("upserted", ids.size(), () -> {
                    for (int i = 0; i < ids.size(); i++) {
                        senders.get(i % CONNECTIONS).send("{\"type\":\"register\",\"ttl\":60,\"ref\":\"" + i
                                + "\",\"node\":{\"id\":\"" + ids.get(i) + "\",\"service\":\"" + serviceOf(i)
                                + "\",\"version\":\"1." + round % 3 + ".0\",\"address\":\"" + addresses.get(i)
                                + "\",\"environment\":\"warm\",\"properties\":{\"zone\":\"z" + i % 3 + "\"}}}");
                    }
                }))
                .compose(v -> {
                    for (int c = 0; c < CONNECTIONS; c++) {
                        StringBuilder beat = new StringBuilder("{\"type\":\"heartbeat\",\"ids\":[");
                        for (int i = c; i < ids.size(); i += CONNECTIONS) {
                            beat.append(i == c ? "\"" : ",\"").append(ids.get(i)).append('"');
                        }
                        senders.get(c).send(beat.append("]}").toString());
                    }
                    return expect("removed", ids.size(), () -> {
                        for (int i = 0; i < ids.size(); i++) {
                            senders.get(i % CONNECTIONS).send("{\"type\":\"deregister\",\"id\":\""
                                    + ids.get(i) + "\"}");
                        }
                    });
                })
                .compose(v -> expect("unsubscribed", 1,
                        () -> subscriber.send("{\"type\":\"unsubscribe\",\"id\":\"" + sub + "\"}")))
                // Each node came and went once, to one subscriber: two deliveries each.
                .compose(v -> WarmUp.paced(context.vertx(), began, 2L * ids.size(), fanoutPerSecond));
    }

    /** Waits (with a deadline) for {@code count} of {@code kind} at the subscriber after running {@code send}. */
    private Future<Void> expect(String kind, int count, Runnable send) {
        Promise<Void> done = Promise.promise();
        step = new Step(kind, new AtomicInteger(count), done);
        send.run();
        return done.future().timeout(STEP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    }

    private void onSubscriberText(String text) {
        Step s = step;
        if (s == null) {
            return;
        }
        JsonNode frame = Json.parse(text);
        String type = frame.path("type").asText();
        if (type.equals("error")) {
            s.done().tryFail("the warm-up's frame was refused: " + frame.path("message").asText());
            return;
        }
        int seen = switch (s.kind()) {
            case "upserted", "removed" -> type.equals("changes") ? frame.path(s.kind()).size() : 0;
            default -> type.equals(s.kind()) ? 1 : 0;
        };
        if (seen > 0 && s.left().addAndGet(-seen) <= 0) {
            s.done().tryComplete();
        }
    }

    @Override
    public Future<Void> finish() {
        // The sessions' own clean-up (their subscriptions' listeners, nodes a closed connection kept) runs as they
        // close; the maps go after it, with whatever a timed-out round left in them.
        List<WarmUpSocket> sockets = new ArrayList<>(senders);
        sockets.add(subscriber);
        return WarmUp.removeScratch(context, hazelcast, sockets, hub::watching);
    }
}
