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
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * The registry in Hazelcast: one map per tenant ({@code registry.<tenant>}, node id to {@link RegistryEntry},
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

    private IMap<String, RegistryEntry> nodes(String tenant) {
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

    /**
     * Completes on the caller's context once every call has: one hop back to the event loop for a whole batch, where
     * a future per call would cost one each.
     */
    private Future<Void> allOf(List<CompletableFuture<?>> calls) {
        return future(CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)));
    }

    @Override
    public Future<Map<String, String>> register(String tenant, List<Registration> batch, String owner) {
        long now = System.currentTimeMillis();
        IMap<String, RegistryEntry> nodes = nodes(tenant);
        List<CompletableFuture<?>> writes = new ArrayList<>(batch.size());
        List<CompletableFuture<String>> holders = new ArrayList<>(batch.size());
        // One small call per node, all in flight at once: a multi-key call would ship the whole batch to every
        // partition, which costs more than it saves. The address index is written only for the nodes stored, after
        // them: a refused registration must change nothing (subscribers learn of a node from its own write).
        for (Registration r : batch) {
            Node node = r.node();
            RegistryEntry entry = new RegistryEntry(node, (int) r.ttl().toSeconds(), now, now, owner, null);
            CompletableFuture<String> holder = nodes.submitToKey(node.id(),
                    RegistryProcessors.register(entry, expiry(r))).toCompletableFuture();
            writes.add(holder);
            holders.add(holder);
        }
        return allOf(writes).compose(stored -> {
            Map<String, String> refused = new HashMap<>();
            List<Registration> accepted = new ArrayList<>(batch.size());
            for (int i = 0; i < batch.size(); i++) {
                String holder = holders.get(i).join();
                if (holder == null) {
                    accepted.add(batch.get(i));
                } else {
                    refused.put(batch.get(i).node().id(), holder);
                }
            }
            return index(tenant, accepted).map(refused);
        });
    }

    private static long expiry(Registration r) {
        return r.ttl().toMillis() + EXPIRY_SLACK_MILLIS;
    }

    /** Points each stored node's service and address at it, removing the node it replaces there (if any). */
    private Future<Void> index(String tenant, List<Registration> stored) {
        if (stored.isEmpty()) {
            return Future.succeededFuture();
        }
        IMap<String, String> addresses = addresses(tenant);
        List<CompletableFuture<?>> writes = new ArrayList<>(stored.size());
        List<CompletableFuture<String>> previousAtAddress = new ArrayList<>(stored.size());
        for (Registration r : stored) {
            CompletableFuture<String> previous = addresses.submitToKey(addressKey(r.node()),
                    RegistryProcessors.index(r.node().id(), expiry(r))).toCompletableFuture();
            writes.add(previous);
            previousAtAddress.add(previous);
        }
        return allOf(writes).compose(all -> {
            IMap<String, RegistryEntry> nodes = nodes(tenant);
            List<CompletableFuture<?>> replaced = new ArrayList<>();
            for (int i = 0; i < stored.size(); i++) {
                Node node = stored.get(i).node();
                String previous = previousAtAddress.get(i).join();
                if (previous != null && !previous.equals(node.id())) {
                    replaced.add(nodes.submitToKey(previous, RegistryProcessors.remove(RemovalReason.REPLACED, null,
                            node.service(), node.address())).toCompletableFuture());
                }
            }
            return replaced.isEmpty() ? Future.succeededFuture() : allOf(replaced);
        });
    }

    @Override
    public Future<Set<String>> refresh(String tenant, Map<Node, Duration> remaining) {
        if (remaining.isEmpty()) {
            return Future.succeededFuture(Set.of());
        }
        long now = System.currentTimeMillis();
        // One small call per node and address, all in flight at once (as for registrations): a call for many keys
        // would ship all of them to every partition.
        IMap<String, RegistryEntry> nodes = nodes(tenant);
        IMap<String, String> addresses = addresses(tenant);
        Map<String, CompletableFuture<Boolean>> refreshed = new HashMap<>();
        List<CompletableFuture<?>> all = new ArrayList<>(remaining.size() * 2);
        remaining.forEach((node, d) -> {
            long millis = Math.max(1, d.toMillis()) + EXPIRY_SLACK_MILLIS;
            CompletableFuture<Boolean> r = nodes.submitToKey(node.id(), RegistryProcessors.refresh(millis, now))
                    .toCompletableFuture();
            refreshed.put(node.id(), r);
            all.add(r);
            all.add(addresses.submitToKey(addressKey(node), RegistryProcessors.touch(millis)).toCompletableFuture());
        });
        return allOf(all).map(done -> {
            Set<String> missing = new HashSet<>();
            refreshed.forEach((id, r) -> {
                if (!Boolean.TRUE.equals(r.join())) {
                    missing.add(id);
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
            for (RegistryEntry e : nodes(tenant).values()) {
                if (e.live()) {
                    out.add(e);
                }
            }
            return out;
        }, false);
    }

    @Override
    public Future<AutoCloseable> watch(String tenant, Consumer<RegistryChange> listener) {
        IMap<String, RegistryEntry> map = nodes(tenant);
        return vertx.executeBlocking(() -> {
            UUID id = map.addEntryListener(new ChangeListener(listener), true);
            return (AutoCloseable) () -> map.removeEntryListener(id);
        }, false);
    }

    /** Turns map events into registry changes; refreshes that change nothing a subscriber sees are dropped. */
    private record ChangeListener(Consumer<RegistryChange> listener) implements
            EntryAddedListener<String, RegistryEntry>, EntryUpdatedListener<String, RegistryEntry>,
            EntryRemovedListener<String, RegistryEntry>, EntryExpiredListener<String, RegistryEntry>,
            EntryEvictedListener<String, RegistryEntry> {

        @Override
        public void entryAdded(EntryEvent<String, RegistryEntry> event) {
            RegistryEntry now = event.getValue();
            if (now.live()) {
                listener.accept(new RegistryChange(now.node(), null, now.lastSeen()));
            }
        }

        @Override
        public void entryUpdated(EntryEvent<String, RegistryEntry> event) {
            RegistryEntry before = event.getOldValue();
            RegistryEntry now = event.getValue();
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
        public void entryRemoved(EntryEvent<String, RegistryEntry> event) {
            gone(event.getOldValue(), RemovalReason.DEREGISTERED);
        }

        @Override
        public void entryExpired(EntryEvent<String, RegistryEntry> event) {
            gone(event.getOldValue(), RemovalReason.EXPIRED);
        }

        @Override
        public void entryEvicted(EntryEvent<String, RegistryEntry> event) {
            gone(event.getOldValue(), RemovalReason.EXPIRED);
        }

        private void gone(RegistryEntry before, RemovalReason reason) {
            if (before != null && before.live()) {
                listener.accept(new RegistryChange(before.node(), reason, System.currentTimeMillis()));
            }
        }
    }
}
