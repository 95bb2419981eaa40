package io.switchboard.discovery;

import com.hazelcast.core.HazelcastInstance;
import io.switchboard.common.config.ServiceConfig;
import io.switchboard.common.hazelcast.HazelcastConnector;
import io.switchboard.common.service.ServiceMain;
import java.time.Clock;

/** Runs the discovery service alone, as a member of the Hazelcast cluster its configuration names (discovery.properties). */
public final class DiscoveryMain {
    private DiscoveryMain() {
    }

    public static void main(String[] args) {
        ServiceMain.run("discovery", "discovery.properties", (vertx, source, registry, owned) -> {
            ServiceConfig config = ServiceConfig.from(source);
            DiscoveryConfig discovery = DiscoveryConfig.from(source);
            HazelcastInstance hazelcast = HazelcastConnector.start(config.hazelcast());
            owned.add(hazelcast::shutdown);
            return new DiscoveryService(vertx, config.ws(), discovery, hazelcast,
                    config.auth().verifier(Clock.systemUTC()), registry);
        });
    }
}
