package io.switchboard.client;

import com.hazelcast.core.HazelcastInstance;
import io.switchboard.discovery.DiscoveryConfig;
import io.switchboard.discovery.DiscoveryService;
import io.switchboard.testsupport.ServiceHarness;
import io.switchboard.testsupport.TestHazelcast;
import io.switchboard.testsupport.Tokens;
import java.net.URI;
import java.util.List;

/** A real discovery replica (Hazelcast member + service) for client tests; it can come back on the same port. */
final class DiscoveryReplica implements AutoCloseable {
    final HazelcastInstance member;
    final ServiceHarness harness;

    DiscoveryReplica(TestHazelcast cluster, int port) {
        this(cluster, port, DiscoveryConfig.DEFAULT);
    }

    DiscoveryReplica(TestHazelcast cluster, int port, DiscoveryConfig config) {
        member = cluster.member();
        harness = new ServiceHarness();
        harness.serve(port, vertx -> List.of(new DiscoveryService(vertx, ServiceHarness.LIMITS, config,
                member, Tokens.verifier(), harness.registry())));
    }

    DiscoveryReplica(TestHazelcast cluster) {
        this(cluster, 0);
    }

    URI base() {
        return URI.create("ws://127.0.0.1:" + harness.port());
    }

    int port() {
        return harness.port();
    }

    @Override
    public void close() {
        harness.close();
        member.shutdown();
    }
}
