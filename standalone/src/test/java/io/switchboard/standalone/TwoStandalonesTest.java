package io.switchboard.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.client.Switchboard;
import io.switchboard.client.SwitchboardOptions;
import io.switchboard.common.auth.DevTokens;
import io.switchboard.common.auth.Role;
import io.switchboard.common.codec.Json;
import io.switchboard.common.model.Level;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two standalones on one machine (different ports and data directories) are two systems: each Hazelcast member is
 * a cluster of its own, and what is sent to one is indexed into its own Elasticsearch only.
 */
class TwoStandalonesTest {
    private static final String OPERATOR = DevTokens.issue(DevTokens.DEV_SECRET, "dev", Role.OPERATOR,
            Duration.ofHours(1), Instant.now());
    private static final String CLIENT = DevTokens.issue(DevTokens.DEV_SECRET, "dev", Role.CLIENT,
            Duration.ofHours(1), Instant.now());

    @TempDir
    Path dir;

    @Test
    void twoStandalonesOnOneMachineNeverMeet() throws Exception {
        StandaloneProcess first = StandaloneProcess.start(StandaloneProcess.freePort(), dir.resolve("one"), dir.resolve("one.out"),
                StandaloneProcess.NO_WARM_UP);
        StandaloneProcess second = StandaloneProcess.start(StandaloneProcess.freePort(), dir.resolve("two"), dir.resolve("two.out"),
                StandaloneProcess.NO_WARM_UP);
        try {
            first.awaitRunning();
            second.awaitRunning();
            JsonNode hz1 = hazelcast(first);
            JsonNode hz2 = hazelcast(second);
            assertThat(hz1.path("members").asInt()).as("members the first standalone sees").isEqualTo(1);
            assertThat(hz2.path("members").asInt()).as("members the second standalone sees").isEqualTo(1);
            assertThat(hz1.path("cluster").asText()).isNotEqualTo(hz2.path("cluster").asText());

            SwitchboardOptions options = SwitchboardOptions.defaults().withIdentity("lonely", "dev", "lonely-1");
            try (Switchboard client = Switchboard.connect(URI.create("ws://127.0.0.1:" + second.port), CLIENT, options)) {
                client.tracing().log(Level.WARN, "test", "sent to the second standalone only");
                client.tracing().flush(Duration.ofSeconds(20)).get(25, TimeUnit.SECONDS);
            }
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500))
                    .until(() -> logs(second).size() == 1);
            assertThat(logs(second).get(0).path("message").asText()).isEqualTo("sent to the second standalone only");
            assertThat(metric(second, "switchboard_history_indexed_total")).isEqualTo(1.0);
            assertThat(logs(first)).isEmpty();
            assertThat(metric(first, "switchboard_history_indexed_total")).isZero();
            assertThat(hazelcast(first).path("members").asInt()).isEqualTo(1);
        } finally {
            first.process.destroy();
            second.process.destroy();
            assertThat(first.process.waitFor(45, TimeUnit.SECONDS)).isTrue();
            assertThat(second.process.waitFor(45, TimeUnit.SECONDS)).isTrue();
        }
    }

    private static JsonNode hazelcast(StandaloneProcess p) throws Exception {
        return Json.parse(p.get("/health").body()).path("components").path("hazelcast");
    }

    private static JsonNode logs(StandaloneProcess p) throws Exception {
        return Json.parse(p.get("/api/v1/logs?service=lonely&since=1h", OPERATOR).body()).path("items");
    }

    private static double metric(StandaloneProcess p, String name) throws Exception {
        for (String line : p.get("/metrics").body().split("\n")) {
            if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        throw new AssertionError("no metric " + name);
    }
}
