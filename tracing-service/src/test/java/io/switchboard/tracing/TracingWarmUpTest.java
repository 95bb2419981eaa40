package io.switchboard.tracing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.hazelcast.core.DistributedObject;
import com.hazelcast.core.HazelcastInstance;
import io.switchboard.common.buffer.TraceRings;
import io.switchboard.common.codec.Json;
import io.switchboard.common.service.WarmUp;
import io.switchboard.testsupport.RealStores;
import io.switchboard.testsupport.ServiceHarness;
import io.switchboard.testsupport.TestHazelcast;
import io.switchboard.testsupport.Tokens;
import io.switchboard.testsupport.WsTestClient;
import io.vertx.core.Future;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A tracing replica that warms up (batches, acks and a filtered tail through its real endpoint) answers /ready 503
 * until it is done, and writes nothing to the buffer that the indexer, routing or any tenant's tail reads: the
 * buffer's rings are as they were, a tenant's tail from the earliest item sees only its own, and no scratch ring,
 * map or meter is left.
 */
@ExtendWith(RealStores.class)
class TracingWarmUpTest {

    @Test
    void theWarmUpWritesNothingTheBufferSReadersOrAnyTenantSee(TestHazelcast cluster) {
        String tenant = "acme";
        TracingConfig config = TracingConfig.DEFAULT.withSlots(1_000, 4).withQuotas(TracingConfig.Quotas.NONE);
        try (TracingReplica running = new TracingReplica(cluster, config);
             WsTestClient client = running.client(tenant)) {
            client.send(Items.events(1, 0, List.of(Items.log(Items.id(), "orders", "info", "before the warm-up"))));
            assertThat(client.next("ack").path("accepted").asInt()).isEqualTo(1);
            TraceRings rings = new TraceRings(running.member, 4);
            List<Long> tails = rings.rings().stream().map(r -> r.tailSequence()).toList();

            HazelcastInstance member = cluster.member();
            try (ServiceHarness joining = new ServiceHarness()) {
                Future<WarmUp.Report> warm = joining.serveWarmingUp(new WarmUp.Config(Duration.ofSeconds(10), 5),
                        vertx -> List.of(new TracingService(vertx, ServiceHarness.LIMITS, config, member,
                                Tokens.verifier(), joining.registry())));
                List<Integer> statuses = new ArrayList<>();
                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(20)).until(() -> {
                    HttpResponse<String> ready = joining.get("/ready", null);
                    statuses.add(ready.statusCode());
                    if (ready.statusCode() == 200) {
                        assertThat(warm.isComplete()).as("/ready answered 200 during the warm-up").isTrue();
                        return true;
                    }
                    return false;
                });
                assertThat(statuses).contains(503);
                assertThat(warm.result().failure()).isNull();
                assertThat(warm.result().rounds()).isGreaterThanOrEqualTo(5);

                assertThat(rings.rings().stream().map(r -> r.tailSequence()).toList())
                        .as("the buffer's rings hold nothing more").isEqualTo(tails);
                for (DistributedObject o : member.getDistributedObjects()) {
                    assertThat(o.getName()).doesNotContain("_warmup");
                }
                assertThat(joining.get("/metrics", null).body()).doesNotContain("_warmup");
                try (WsTestClient operator = WsTestClient.open(joining.vertx(), joining.port(), TracingService.PATH,
                        Tokens.operator(tenant))) {
                    operator.send("{\"type\":\"tail\",\"id\":\"all\",\"from\":\"earliest\"}");
                    operator.next("tailing");
                    JsonNode events = operator.next("events");
                    assertThat(events.path("items")).extracting(i -> i.path("message").asText())
                            .containsExactly("before the warm-up");
                }
            }
        }
    }

    @Test
    void theWarmUpStaysWithinItsTenantSQuotas(TestHazelcast cluster) {
        // 1,000 items a second, a second's worth at once: a round is 400 items, so unpaced rounds are refused by the third.
        TracingConfig config = TracingConfig.DEFAULT.withSlots(1_000, 4)
                .withQuotas(new TracingConfig.Quotas(1_000, 0, 0, 0));
        HazelcastInstance member = cluster.member();
        try (ServiceHarness replica = new ServiceHarness()) {
            Future<WarmUp.Report> warm = replica.serveWarmingUp(new WarmUp.Config(Duration.ofSeconds(10), 8),
                    vertx -> List.of(new TracingService(vertx, ServiceHarness.LIMITS, config, member,
                            Tokens.verifier(), replica.registry())));
            await().atMost(Duration.ofSeconds(60)).until(warm::isComplete);
            assertThat(warm.result().failure()).isNull();
            assertThat(warm.result().rounds()).isGreaterThanOrEqualTo(8);
        }
    }
}
