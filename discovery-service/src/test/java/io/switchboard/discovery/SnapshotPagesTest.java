package io.switchboard.discovery;

import static io.switchboard.discovery.Frames.register;
import static io.switchboard.discovery.Frames.subscribe;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.testsupport.RealStores;
import io.switchboard.testsupport.TestHazelcast;
import io.switchboard.testsupport.Tokens;
import io.switchboard.testsupport.WsTestClient;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A client that asks for {@code snapshot-pages} in {@code open} gets a big view in pages, each its own revision,
 * the last one with the policies; a protocol-1 client that does not ask gets one frame, as before.
 */
@ExtendWith(RealStores.class)
class SnapshotPagesTest {

    @Test
    void aSnapshotComesInPagesOnlyToClientsThatAskForThem(TestHazelcast cluster) {
        String tenant = "paged";
        try (Replica r = new Replica(cluster); WsTestClient node = r.client(tenant); WsTestClient more = r.client(tenant)) {
            // Two connections: one keeps at most 1,000 nodes.
            for (int i = 0; i < 600; i++) {
                node.sendNoWait(register("n-" + i, "orders", 60));
                more.sendNoWait(register("m-" + i, "orders", 60));
            }
            for (int i = 0; i < 600; i++) {
                node.next("registered");
                more.next("registered");
            }
            try (WsTestClient paged = WsTestClient.connect(r.harness.vertx(), r.harness.port(), DiscoveryService.PATH,
                    Tokens.client(tenant))) {
                paged.send("{\"type\":\"open\",\"protocol\":1,\"features\":[\"snapshot-pages\",\"no-such-thing\"]}");
                JsonNode open = paged.next("open");
                assertThat(open.path("features")).extracting(JsonNode::asText).containsExactly("snapshot-pages");
                paged.send(subscribe("s", null, null));
                Set<String> ids = new HashSet<>();
                long revision = 0;
                int pages = 0;
                JsonNode page;
                do {
                    page = paged.next("snapshot");
                    pages++;
                    assertThat(page.path("page").asInt()).isEqualTo(pages);
                    assertThat(page.path("revision").asLong()).isEqualTo(revision == 0 ? page.path("revision").asLong() : revision + 1);
                    revision = page.path("revision").asLong();
                    assertThat(page.path("nodes").size()).isLessThanOrEqualTo(500);
                    page.path("nodes").forEach(n -> ids.add(n.path("id").asText()));
                    assertThat(page.has("policies")).isEqualTo(!page.path("more").asBoolean());
                } while (page.path("more").asBoolean());
                assertThat(pages).isEqualTo(3);
                assertThat(ids).hasSize(1_200);
                // Changes follow the last page, with the next revision.
                node.send(register("n-late", "orders", 60));
                JsonNode changes = paged.next("changes");
                assertThat(changes.path("revision").asLong()).isEqualTo(revision + 1);
            }
            try (WsTestClient plain = r.client(tenant)) {
                plain.send(subscribe("s", null, null));
                JsonNode whole = plain.next("snapshot");
                assertThat(whole.path("nodes").size()).isGreaterThanOrEqualTo(1_200);
                assertThat(whole.has("page")).isFalse();
                assertThat(whole.has("more")).isFalse();
            }
        }
    }
}
