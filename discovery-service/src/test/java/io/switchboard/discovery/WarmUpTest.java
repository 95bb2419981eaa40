package io.switchboard.discovery;

import static io.switchboard.discovery.Frames.register;
import static io.switchboard.discovery.Frames.subscribe;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.hazelcast.core.DistributedObject;
import com.hazelcast.core.HazelcastInstance;
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
 * A replica that warms up: /ready answers 503 until the warm-up has ended, and the warm-up, run as a scratch tenant
 * on a cluster where a real tenant lives, leaves nothing that tenant (or an operator's /metrics) can see, on either
 * member.
 */
@ExtendWith(RealStores.class)
class WarmUpTest {

    @Test
    void aJoiningReplicaIsReadyOnlyOnceWarmAndTheWarmUpLeavesNothingBehind(TestHazelcast cluster) {
        String tenant = "acme";
        try (Replica running = new Replica(cluster);
             WsTestClient node = running.client(tenant);
             WsTestClient watcher = running.client(tenant)) {
            node.send(register("orders-1", "orders", 60));
            node.next("registered");
            watcher.send(subscribe("all", null, null));
            assertThat(watcher.next("snapshot").path("nodes")).hasSize(1);

            HazelcastInstance member = cluster.member();
            HazelcastInstance otherMember = cluster.member();
            try (ServiceHarness joining = new ServiceHarness(); ServiceHarness other = new ServiceHarness()) {
                // Two replicas join and warm up at once, each on a scratch tenant of its own.
                Future<WarmUp.Report> warm = joining.serveWarmingUp(new WarmUp.Config(Duration.ofSeconds(10), 5),
                        vertx -> List.of(new DiscoveryService(vertx, ServiceHarness.LIMITS, DiscoveryConfig.DEFAULT,
                                member, Tokens.verifier(), joining.registry())));
                Future<WarmUp.Report> otherWarm = other.serveWarmingUp(new WarmUp.Config(Duration.ofSeconds(10), 5),
                        vertx -> List.of(new DiscoveryService(vertx, ServiceHarness.LIMITS, DiscoveryConfig.DEFAULT,
                                otherMember, Tokens.verifier(), other.registry())));
                List<String> answers = new ArrayList<>();
                await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(20)).until(() -> {
                    HttpResponse<String> ready = joining.get("/ready", null);
                    if (ready.statusCode() == 200) {
                        // It was complete before the answer was sent: ready never comes before warm.
                        assertThat(warm.isComplete()).as("/ready answered 200 during the warm-up").isTrue();
                        return true;
                    }
                    assertThat(ready.statusCode()).isEqualTo(503);
                    answers.add(Json.parse(ready.body()).at("/components/warm-up/error").asText());
                    return false;
                });
                assertThat(answers).isNotEmpty().allMatch(a -> a.startsWith("warming up"));
                await().atMost(Duration.ofSeconds(90)).until(otherWarm::isComplete);
                for (WarmUp.Report report : List.of(warm.result(), otherWarm.result())) {
                    assertThat(report.failure()).isNull();
                    assertThat(report.rounds()).isGreaterThanOrEqualTo(5);
                }

                // Nothing of the scratch tenant remains in the cluster, in either replica's metrics, or in what the
                // real tenant sees, now or later.
                for (DistributedObject o : member.getDistributedObjects()) {
                    assertThat(o.getName()).doesNotContain("_warmup");
                }
                assertThat(joining.get("/metrics", null).body()).doesNotContain("_warmup");
                assertThat(other.get("/metrics", null).body()).doesNotContain("_warmup");
                assertThat(running.harness.get("/metrics", null).body()).doesNotContain("_warmup");
                node.send(register("orders-2", "orders", 60));
                // The first change the tenant's watcher has seen since the warm-up began is its own.
                JsonNode changes = watcher.next("changes");
                assertThat(changes.path("upserted")).extracting(n -> n.path("id").asText()).containsExactly("orders-2");
                assertThat(watcher.pending()).isEmpty();
                HttpResponse<String> services = joining.get("/api/v1/services", Tokens.operator(tenant));
                assertThat(Json.parse(services.body()).path("services")).hasSize(1);
                try (WsTestClient fresh = WsTestClient.open(joining.vertx(), joining.port(), DiscoveryService.PATH,
                        Tokens.client(tenant))) {
                    fresh.send(subscribe("all", null, null));
                    assertThat(fresh.next("snapshot").path("nodes")).extracting(n -> n.path("id").asText())
                            .containsExactlyInAnyOrder("orders-1", "orders-2");
                }
            }
        }
    }
}
