package io.switchboard.discovery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.hazelcast.core.HazelcastInstance;
import io.switchboard.testsupport.RealStores;
import io.switchboard.testsupport.ServiceHarness;
import io.switchboard.testsupport.TestHazelcast;
import io.switchboard.testsupport.Tokens;
import io.switchboard.testsupport.WsTestClient;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The discovery service on a real Hazelcast member: handshake, auth, readiness following the member. */
@ExtendWith(RealStores.class)
class DiscoveryServiceTest {

    @Test
    void speaksProtocolV1AndIsReadyWhileItsMemberRuns(TestHazelcast cluster) {
        HazelcastInstance member = cluster.member();
        try (ServiceHarness harness = new ServiceHarness().serve(vertx ->
                List.of(new DiscoveryService(vertx, ServiceHarness.LIMITS, member, Tokens.verifier())))) {
            assertThat(harness.get("/ready", null).statusCode()).isEqualTo(200);
            assertThat(harness.componentStatus("hazelcast")).isEqualTo("up");

            try (WsTestClient c = WsTestClient.connect(harness.vertx(), harness.port(), DiscoveryService.PATH, Tokens.client("acme"))) {
                c.send("{\"type\":\"open\",\"protocol\":1}");
                JsonNode open = c.next();
                assertThat(open.get("service").asText()).isEqualTo("discovery");
                assertThat(open.get("tenant").asText()).isEqualTo("acme");
            }
            assertThat(WsTestClient.refused(harness.vertx(), harness.port(), DiscoveryService.PATH, null).getStatus()).isEqualTo(401);

            member.shutdown();
            await().atMost(Duration.ofSeconds(10)).until(() -> harness.get("/ready", null).statusCode() == 503);
            assertThat(harness.componentStatus("hazelcast")).isEqualTo("down");
        }
    }
}
