package io.switchboard.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import io.switchboard.common.codec.Json;
import io.switchboard.common.service.HttpHostVerticle;
import io.switchboard.testsupport.RealStores;
import io.switchboard.testsupport.ServiceHarness;
import io.switchboard.testsupport.TestHazelcast;
import io.switchboard.testsupport.Tokens;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The pre-stop hook a deployed discovery replica is stopped through (deploy/system.yaml's preStop): on the management
 * port only, it answers once the Hazelcast cluster is safe to leave, here while a joining member makes the cluster
 * migrate partitions.
 */
@ExtendWith(RealStores.class)
class PreStopTest {

    @Test
    void theHookAnswersOnceTheClusterIsSafeToLeaveAndOnlyOnTheManagementPort(TestHazelcast cluster) throws Exception {
        HazelcastInstance member = cluster.member();
        HazelcastInstance other = cluster.member();
        HazelcastInstance joining = null;
        IMap<Integer, byte[]> data = member.getMap("pre-stop-" + UUID.randomUUID());
        try (ServiceHarness replica = new ServiceHarness().serveWithManagementPort(vertx -> List.of(new DiscoveryService(
                vertx, ServiceHarness.LIMITS, DiscoveryConfig.DEFAULT, member, Tokens.verifier(), new io.micrometer.core.instrument.simple.SimpleMeterRegistry())))) {
            // data in every partition, so that a member joining moves some
            for (int i = 0; i < 5_000; i++) {
                data.put(i, new byte[512]);
            }
            joining = cluster.member();

            HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                            "http://127.0.0.1:" + replica.managementPort() + HttpHostVerticle.PRE_STOP_PATH))
                    .timeout(Duration.ofSeconds(90)).build(), HttpResponse.BodyHandlers.ofString());
            boolean safeRightAfter = member.getPartitionService().isClusterSafe();

            assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
            JsonNode body = Json.parse(answer.body());
            assertThat(body.path("safeToStop").asBoolean()).isTrue();
            assertThat(body.at("/services/discovery/member").asBoolean()).isTrue();
            assertThat(body.at("/services/discovery/safe").asBoolean()).isTrue();
            assertThat(safeRightAfter).as("the cluster is safe when the hook answers").isTrue();
            assertThat(data.size()).isEqualTo(5_000);
            // Never on the public port: it is not authenticated, and it may hold a request for a minute.
            assertThat(replica.get(HttpHostVerticle.PRE_STOP_PATH, null).statusCode()).isEqualTo(404);
        } finally {
            data.destroy();
            if (joining != null) {
                joining.shutdown();
            }
            other.shutdown();
            member.shutdown();
        }
    }
}
