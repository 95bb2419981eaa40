package io.switchboard.discovery;

import com.hazelcast.core.HazelcastInstance;
import io.switchboard.testsupport.ServiceHarness;
import io.switchboard.testsupport.TestHazelcast;
import io.switchboard.testsupport.Tokens;
import io.switchboard.testsupport.WsTestClient;
import java.util.List;

/** One discovery replica for tests: a Hazelcast member of the test's cluster and the service on a free port. */
final class Replica implements AutoCloseable {
    final HazelcastInstance member;
    final ServiceHarness harness;
    final DiscoveryService service;

    Replica(TestHazelcast cluster, DiscoveryConfig config) {
        member = cluster.member();
        harness = new ServiceHarness();
        service = new DiscoveryService(harness.vertx(), ServiceHarness.LIMITS, config, member, Tokens.verifier(),
                harness.registry());
        harness.serve(vertx -> List.of(service));
    }

    Replica(TestHazelcast cluster) {
        this(cluster, DiscoveryConfig.DEFAULT);
    }

    WsTestClient open(String token) {
        return WsTestClient.open(harness.vertx(), harness.port(), DiscoveryService.PATH, token);
    }

    WsTestClient client(String tenant) {
        return open(Tokens.client(tenant));
    }

    @Override
    public void close() {
        harness.close();
        member.shutdown();
    }
}
