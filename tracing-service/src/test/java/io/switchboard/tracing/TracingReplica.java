package io.switchboard.tracing;

import com.hazelcast.core.HazelcastInstance;
import io.switchboard.testsupport.ServiceHarness;
import io.switchboard.testsupport.TestHazelcast;
import io.switchboard.testsupport.Tokens;
import io.switchboard.testsupport.WsTestClient;
import java.util.List;

/** A tracing replica for tests: a Hazelcast member of the test's cluster and the service on a free port. */
final class TracingReplica implements AutoCloseable {
    final HazelcastInstance member;
    final ServiceHarness harness;
    final TracingService service;

    TracingReplica(TestHazelcast cluster, TracingConfig config) {
        this(cluster, config, ServiceHarness.LIMITS);
    }

    TracingReplica(TestHazelcast cluster, TracingConfig config, io.switchboard.common.protocol.ProtocolLimits limits) {
        this(cluster, config, limits, hz -> { });
    }

    /** With {@code before} run on the member before the service starts (such as readers' positions to publish). */
    TracingReplica(TestHazelcast cluster, TracingConfig config, io.switchboard.common.protocol.ProtocolLimits limits,
                   java.util.function.Consumer<HazelcastInstance> before) {
        member = cluster.member();
        before.accept(member);
        harness = new ServiceHarness();
        service = new TracingService(harness.vertx(), limits, config, member, Tokens.verifier(), harness.registry());
        harness.serve(limits, vertx -> List.of(service));
    }

    WsTestClient client(String tenant) {
        return open(Tokens.client(tenant));
    }

    WsTestClient open(String token) {
        return WsTestClient.open(harness.vertx(), harness.port(), TracingService.PATH, token);
    }

    WsTestClient operator(String tenant) {
        return WsTestClient.open(harness.vertx(), harness.port(), TracingService.PATH, Tokens.operator(tenant));
    }

    @Override
    public void close() {
        harness.close();
        member.shutdown();
    }
}
