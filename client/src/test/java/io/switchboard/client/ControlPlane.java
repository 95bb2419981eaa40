package io.switchboard.client;

import com.hazelcast.core.HazelcastInstance;
import io.switchboard.common.model.TraceItem;
import io.switchboard.discovery.DiscoveryConfig;
import io.switchboard.discovery.DiscoveryService;
import io.switchboard.testsupport.Buffered;
import io.switchboard.testsupport.ServiceHarness;
import io.switchboard.testsupport.TestHazelcast;
import io.switchboard.testsupport.Tokens;
import io.switchboard.tracing.TracingConfig;
import io.switchboard.tracing.TracingService;
import java.net.URI;
import java.util.List;

/** Discovery and tracing on one port with a Hazelcast member, as a replica of the control plane, for client tests. */
final class ControlPlane implements AutoCloseable {
    final HazelcastInstance member;
    final ServiceHarness harness;
    final TracingService tracing;

    ControlPlane(TestHazelcast cluster, int port) {
        this(cluster, port, TracingConfig.DEFAULT, hz -> { });
    }

    /** With tracing configured so, and {@code before} run on the member first (readers' positions, say). */
    ControlPlane(TestHazelcast cluster, int port, TracingConfig config, java.util.function.Consumer<HazelcastInstance> before) {
        member = cluster.member();
        before.accept(member);
        harness = new ServiceHarness();
        tracing = new TracingService(harness.vertx(), ServiceHarness.LIMITS, config, member, Tokens.verifier(), harness.registry());
        harness.serve(port, vertx -> List.of(new DiscoveryService(vertx, ServiceHarness.LIMITS, DiscoveryConfig.DEFAULT,
                member, Tokens.verifier(), harness.registry()), tracing));
    }

    URI base() {
        return URI.create("ws://127.0.0.1:" + harness.port());
    }

    /** Every item of the tenant in the trace buffer. */
    List<TraceItem> buffered(String tenant) {
        return Buffered.items(tracing.rings(), tenant);
    }

    @Override
    public void close() {
        harness.close();
        member.shutdown();
    }
}
