package io.switchboard.tracing;

import com.hazelcast.core.HazelcastInstance;
import io.switchboard.common.config.ServiceConfig;
import io.switchboard.common.hazelcast.HazelcastConnector;
import io.switchboard.common.service.ServiceMain;
import java.time.Clock;

/** Runs the tracing service alone, as a member of the Hazelcast cluster its configuration names (tracing.properties). */
public final class TracingMain {
    private TracingMain() {
    }

    public static void main(String[] args) {
        ServiceMain.run("tracing", "tracing.properties", (vertx, source, registry, owned) -> {
            ServiceConfig config = ServiceConfig.from(source);
            TracingConfig tracing = TracingConfig.from(source);
            HazelcastInstance hazelcast = HazelcastConnector.startForAcknowledgedWrites(config.hazelcast());
            owned.add(hazelcast::shutdown);
            return new TracingService(vertx, config.ws(), tracing, hazelcast, config.auth().verifier(Clock.systemUTC()), registry);
        });
    }
}
