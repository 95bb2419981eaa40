package io.switchboard.routing;

import com.hazelcast.core.HazelcastInstance;
import io.switchboard.common.config.ServiceConfig;
import io.switchboard.common.hazelcast.HazelcastConnector;
import io.switchboard.common.service.ServiceMain;
import java.time.Clock;

/** Runs the routing service alone, against the database and cluster its configuration names (routing.properties). */
public final class RoutingMain {
    private RoutingMain() {
    }

    public static void main(String[] args) {
        ServiceMain.run("routing", "routing.properties", (vertx, source, registry, owned) -> {
            ServiceConfig config = ServiceConfig.from(source);
            RoutingDatabase database = new RoutingDatabase(vertx, DatabaseConfig.from(source), registry);
            owned.add(database);
            HazelcastInstance hazelcast = HazelcastConnector.start(config.hazelcast());
            owned.add(hazelcast::shutdown);
            return new RoutingService(vertx, database, hazelcast, config.auth().verifier(Clock.systemUTC()),
                    RoutingConfig.from(source), registry);
        });
    }
}
