package io.switchboard.tracing;

import static io.switchboard.tracing.Items.events;
import static io.switchboard.tracing.Items.id;
import static io.switchboard.tracing.Items.log;
import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.testsupport.RealStores;
import io.switchboard.testsupport.TestHazelcast;
import io.switchboard.testsupport.WsTestClient;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Two tracing replicas in one Hazelcast cluster. */
@ExtendWith(RealStores.class)
class TracingClusterTest {

    @Test
    void aTailOnOneReplicaSeesItemsIngestedThroughAnother(TestHazelcast cluster) {
        try (TracingReplica a = new TracingReplica(cluster, TracingConfig.DEFAULT);
             TracingReplica b = new TracingReplica(cluster, TracingConfig.DEFAULT);
             WsTestClient tail = a.operator("acme")) {
            tail.send("{\"type\":\"tail\",\"id\":\"all\"}");
            tail.next("tailing");
            Set<String> sent = new HashSet<>();
            // Several connections, so that the items land in several rings.
            for (int c = 0; c < 4; c++) {
                try (WsTestClient sender = b.client("acme")) {
                    List<String> batch = new ArrayList<>();
                    for (int i = 0; i < 5; i++) {
                        String id = id();
                        sent.add(id);
                        batch.add(log(id, "orders", "info", "via b"));
                    }
                    sender.send(events(1, 0, batch));
                    sender.next("ack");
                }
            }
            Set<String> seen = new HashSet<>();
            while (!seen.containsAll(sent)) {
                tail.next("events").get("items").forEach(i -> seen.add(i.get("id").asText()));
            }
            assertThat(seen).containsExactlyInAnyOrderElementsOf(sent);
        }
    }

    @Test
    void aSenderFasterThanTheBufferIsHeldBackAndLosesNothing(TestHazelcast cluster) {
        try (TracingReplica a = new TracingReplica(cluster, TracingConfig.DEFAULT.withSlots(1 << 17, 8).withLimits(1_000, 2, 4).withQuotas(TracingConfig.Quotas.NONE));
             WsTestClient sender = a.client("fast")) {
            int batches = 200;
            for (int b = 0; b < batches; b++) {
                List<String> batch = new ArrayList<>();
                for (int i = 0; i < 100; i++) {
                    batch.add(log(id(), "orders", "info", "burst"));
                }
                sender.sendNoWait(events(b, 0, batch));
            }
            int accepted = 0;
            for (int b = 0; b < batches; b++) {
                var ack = sender.next("ack");
                assertThat(ack.get("seq").asLong()).isEqualTo(b);
                accepted += ack.get("accepted").asInt();
            }
            assertThat(accepted).isEqualTo(batches * 100);
            assertThat(a.harness.registry().get("switchboard.tracing.items.accepted").counter().count()).isEqualTo(batches * 100.0);
        }
    }
}
