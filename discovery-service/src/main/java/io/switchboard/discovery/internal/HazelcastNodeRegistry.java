package io.switchboard.discovery.internal;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryEvictedListener;
import com.hazelcast.map.listener.EntryExpiredListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import io.switchboard.common.model.Node;
import io.switchboard.common.registry.RegistryEntry;
import io.switchboard.common.registry.RegistryProcessors;
import io.switchboard.common.registry.RemovalReason;
import io.switchboard.discovery.NodeRegistry;
import io.switchboard.discovery.RegistryChange;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * The registry in Hazelcast: one map per tenant ({@code registry.<tenant>}, node id to {@link RegistryEntry} JSON,
 * expiring with each node's TTL) and one index per tenant from service and address to node id
 * ({@code registry-address.<tenant>}) for finding the node a new one replaces. A map per tenant keeps tenants
 * apart by construction: no read or listener can see another tenant's map.
 */
public final class HazelcastNodeRegistry implements NodeRegistry {
    /**
     * Hazelcast keeps entry times in whole seconds, so an expiry can land up to a second early. Every expiry is set
     * this much later, so that a node refreshed in time never expires; a silent node goes between one TTL and one
     * TTL plus this after its last heartbeat.
     */
    static final long EXPIRY_SLACK_MILLIS = 1_000;

    private final Vertx vertx;
    private final HazelcastInstance hazelcast;

    public HazelcastNodeRegistry(Vertx vertx, HazelcastInstance hazelcast) {
        this.vertx = vertx;
        this.hazelcast = hazelcast;
    }

    private IMap<String, String> nodes(String tenant) {
        return hazelcast.getMap("registry." + tenant);
    }

    private IMap<String, String> addresses(String tenant) {
        return hazelcast.getMap("registry-address." + tenant);
    }

    static String addressKey(Node node) {
        return node.service() + "|" + node.address();
    }

    private <T> Future<T> future(CompletionStage<T> stage) {
        return Future.fromCompletionStage(stage, vertx.getOrCreateContext());
    }

    @Override
    public Future<Void> register(String tenant, List<Registration> batch, String owner) {
        long now = System.currentTimeMillis();
        List<Future<?>> writes = new ArrayList<>(batch.size() * 2);
        List<Future<String>> previousAtAddress = new ArrayList<>(batch.size());
        // One small call per node and per address, all in flight at once: a multi-key call would ship the whole
        // batch to every partition, which costs more than it saves.
        for (Registration r : batch) {
            Node node = r.node();
            long expiry = r.ttl().toMillis() + EXPIRY_SLACK_MILLIS;
            String json = new RegistryEntry(node, (int) r.ttl().toSeconds(), now, now, owner, null).toJson();
            writes.add(future(nodes(tenant).submitToKey(node.id(), RegistryProcessors.register(json, expiry))));
            Future<String> previous = future(addresses(tenant).submitToKey(addressKey(node), RegistryProcessors.index(node.id(), expiry)));
            writes.add(previous);
            previousAtAddress.add(previous);
        }
        return Future.all(writes).compose(all -> {
            List<Future<Boolean>> replaced = new ArrayList<>();
            for (int i = 0; i < batch.size(); i++) {
                Node node = batch.get(i).node();
                String previous = previousAtAddress.get(i).result();
                if (previous != null && !previous.equals(node.id())) {
                    replaced.add(future(nodes(tenant).submitToKey(previous,
                            RegistryProcessors.remove(RemovalReason.REPLACED, null, node.service(), node.address()))));
                }
            }
            return Future.join(replaced).mapEmpty();
        });
    }

    @Override
    public Future<Set<String>> refresh(String tenant, Map<Node, Duration> remaining) {
        if (remaining.isEmpty()) {
            return Future.succeededFuture(Set.of());
        }
        Map<String, Long> byId = new HashMap<>();
        Map<String, Long> byAddress = new HashMap<>();
        remaining.forEach((node, d) -> {
            byId.put(node.id(), Math.max(1, d.toMillis()) + EXPIRY_SLACK_MILLIS);
            byAddress.put(addressKey(node), Math.max(1, d.toMillis()) + EXPIRY_SLACK_MILLIS);
        });
        long now = System.currentTimeMillis();
        Future<Map<String, Boolean>> refreshed = future(nodes(tenant).submitToKeys(byId.keySet(), RegistryProcessors.refresh(byId, now)));
        Future<Map<String, Boolean>> touched = future(addresses(tenant).submitToKeys(byAddress.keySet(), RegistryProcessors.touch(byAddress)));
        return Future.all(refreshed, touched).map(all -> {
            Set<String> missing = new HashSet<>(byId.keySet());
            refreshed.result().forEach((id, ok) -> {
                if (Boolean.TRUE.equals(ok)) {
                    missing.remove(id);
                }
            });
            return missing;
        });
    }

    @Override
    public Future<Boolean> remove(String tenant, String nodeId, RemovalReason reason, String owner) {
        return future(nodes(tenant).submitToKey(nodeId, RegistryProcessors.remove(reason, owner, null, null)));
    }

    @Override
    public Future<List<RegistryEntry>> entries(String tenant) {
        return vertx.executeBlocking(() -> {
            List<RegistryEntry> out = new ArrayList<>();
            for (String json : nodes(tenant).values()) {
                RegistryEntry e = RegistryEntry.fromJson(json);
                if (e.live()) {
                    out.add(e);
                }
            }
            return out;
        }, false);
    }

    @Override
    public Future<AutoCloseable> watch(String tenant, Consumer<RegistryChange> listener) {
        IMap<String, String> map = nodes(tenant);
        return vertx.executeBlocking(() -> {
            UUID id = map.addEntryListener(new ChangeListener(listener), true);
            return (AutoCloseable) () -> map.removeEntryListener(id);
        }, false);
    }

    /** Turns map events into registry changes; refreshes that change nothing a subscriber sees are dropped. */
    private record ChangeListener(Consumer<RegistryChange> listener) implements
            EntryAddedListener<String, String>, EntryUpdatedListener<String, String>, EntryRemovedListener<String, String>,
            EntryExpiredListener<String, String>, EntryEvictedListener<String, String> {

        @Override
        public void entryAdded(EntryEvent<String, String> event) {
            RegistryEntry now = RegistryEntry.fromJson(event.getValue());
            if (now.live()) {
                listener.accept(new RegistryChange(now.node(), null, now.lastSeen()));
            }
        }

        @Override
        public void entryUpdated(EntryEvent<String, String> event) {
            RegistryEntry before = event.getOldValue() == null ? null : RegistryEntry.fromJson(event.getOldValue());
            RegistryEntry now = RegistryEntry.fromJson(event.getValue());
            boolean wasLive = before != null && before.live();
            if (!now.live()) {
                if (wasLive) {
                    listener.accept(new RegistryChange(before.node(), now.removed(), System.currentTimeMillis()));
                }
            } else if (!wasLive || !before.node().equals(now.node())) {
                listener.accept(new RegistryChange(now.node(), null, now.lastSeen()));
            }
        }

        @Override
        public void entryRemoved(EntryEvent<String, String> event) {
            gone(event.getOldValue(), RemovalReason.DEREGISTERED);
        }

        @Override
        public void entryExpired(EntryEvent<String, String> event) {
            gone(event.getOldValue(), RemovalReason.EXPIRED);
        }

        @Override
        public void entryEvicted(EntryEvent<String, String> event) {
            gone(event.getOldValue(), RemovalReason.EXPIRED);
        }

        private void gone(String oldValue, RemovalReason reason) {
            if (oldValue == null) {
                return;
            }
            RegistryEntry before = RegistryEntry.fromJson(oldValue);
            if (before.live()) {
                listener.accept(new RegistryChange(before.node(), reason, System.currentTimeMillis()));
            }
        }
    }
}
