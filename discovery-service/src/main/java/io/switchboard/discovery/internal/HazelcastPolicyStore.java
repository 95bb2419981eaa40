package io.switchboard.discovery.internal;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import io.switchboard.common.routing.RoutingPolicy;
import io.switchboard.discovery.PolicyStore;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Policies in the Hazelcast map the routing service writes ({@link RoutingPolicy#mapName}). */
public final class HazelcastPolicyStore implements PolicyStore {
    private static final Logger LOG = LoggerFactory.getLogger(HazelcastPolicyStore.class);

    private final Vertx vertx;
    private final HazelcastInstance hazelcast;

    public HazelcastPolicyStore(Vertx vertx, HazelcastInstance hazelcast) {
        this.vertx = vertx;
        this.hazelcast = hazelcast;
    }

    private IMap<String, String> map(String tenant) {
        return hazelcast.getMap(RoutingPolicy.mapName(tenant));
    }

    @Override
    public Future<Map<String, RoutingPolicy>> policies(String tenant) {
        return vertx.executeBlocking(() -> {
            Map<String, RoutingPolicy> out = new HashMap<>();
            map(tenant).forEach((service, json) -> {
                RoutingPolicy p = read(json);
                if (p != null) {
                    out.put(service, p);
                }
            });
            return out;
        }, false);
    }

    @Override
    public Future<AutoCloseable> watch(String tenant, BiConsumer<String, RoutingPolicy> listener) {
        IMap<String, String> map = map(tenant);
        return vertx.executeBlocking(() -> {
            UUID id = map.addEntryListener(new Listener(listener), true);
            return (AutoCloseable) () -> map.removeEntryListener(id);
        }, false);
    }

    private static RoutingPolicy read(String json) {
        try {
            return RoutingPolicy.fromJson(json);
        } catch (IllegalArgumentException e) {
            // A policy this version cannot read is not pushed: clients keep round robin, which is always safe.
            LOG.warn("skipping a routing policy: {}", e.getMessage());
            return null;
        }
    }

    private record Listener(BiConsumer<String, RoutingPolicy> listener) implements EntryAddedListener<String, String>,
            EntryUpdatedListener<String, String>, EntryRemovedListener<String, String> {
        @Override
        public void entryAdded(EntryEvent<String, String> event) {
            changed(event);
        }

        @Override
        public void entryUpdated(EntryEvent<String, String> event) {
            changed(event);
        }

        @Override
        public void entryRemoved(EntryEvent<String, String> event) {
            listener.accept(event.getKey(), null);
        }

        private void changed(EntryEvent<String, String> event) {
            RoutingPolicy p = read(event.getValue());
            if (p != null) {
                listener.accept(event.getKey(), p);
            }
        }
    }
}
