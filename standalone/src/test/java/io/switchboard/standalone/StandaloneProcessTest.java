package io.switchboard.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.switchboard.common.codec.Json;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs standalone as a user does, in a child JVM: it comes up with every component, serves /health and /metrics,
 * refuses a second instance on the same data directory and a taken port with one line each, stops on SIGTERM
 * leaving no process behind, and keeps its data for the next start.
 */
class StandaloneProcessTest {
    @TempDir
    Path dir;

    @Test
    void startsServesStopsCleanlyAndKeepsItsData() throws Exception {
        Path data = dir.resolve("data");
        int port = StandaloneProcess.freePort();
        StandaloneProcess first = StandaloneProcess.start(port, data, dir.resolve("first.out")).awaitRunning();
        try {
            HttpResponse<String> health = first.get("/health");
            assertThat(health.statusCode()).isEqualTo(200);
            var components = Json.parse(health.body()).get("components");
            for (String name : List.of("discovery", "tracing", "query", "routing", "hazelcast", "postgresql", "elasticsearch")) {
                assertThat(components.path(name).path("status").asText()).as(name + " in " + health.body()).isEqualTo("up");
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> first.get("/ready").statusCode() == 200);
            HttpResponse<String> metrics = first.get("/metrics");
            assertThat(metrics.body()).contains("jvm_memory_used_bytes").contains("hikaricp_connections");
            String out = Files.readString(dir.resolve("first.out"));
            assertThat(out).contains("operator token (tenant dev").contains("client token").contains("Ctrl-C")
                    .containsPattern("warm-up +up in [0-9.]+ s");

            // A second instance on the same data directory stops at once with one line saying why.
            Process second = StandaloneProcess.start(StandaloneProcess.freePort(), data, dir.resolve("second.out")).process;
            assertThat(second.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(second.exitValue()).isEqualTo(2);
            assertThat(Files.readString(dir.resolve("second.out")).strip())
                    .contains("already using the data directory").doesNotContain("Exception").hasLineCount(2);

            // The same port is refused before any store starts.
            Process third = StandaloneProcess.start(port, dir.resolve("other-data"), dir.resolve("third.out")).process;
            assertThat(third.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(third.exitValue()).isEqualTo(2);
            assertThat(Files.readString(dir.resolve("third.out"))).contains("port " + port + " on 127.0.0.1 is already in use");

            // pg_ctl detaches PostgreSQL from the JVM, so it is found by its data directory, not as a child.
            assertThat(processesMentioning(data)).as("PostgreSQL runs on " + data).isNotEmpty();
        } finally {
            first.process.destroy(); // SIGTERM
        }
        assertThat(first.process.waitFor(45, TimeUnit.SECONDS)).as("stopped within 45 s of SIGTERM").isTrue();
        assertThat(Files.readString(dir.resolve("first.out"))).contains("Stopped in");
        await().atMost(Duration.ofSeconds(10)).until(() -> processesMentioning(data).isEmpty());

        // A second start on the same data directory finds what the first stored.
        StandaloneProcess again = StandaloneProcess.start(port, data, dir.resolve("again.out"),
                StandaloneProcess.NO_WARM_UP).awaitRunning();
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> again.get("/ready").statusCode() == 200);
            assertThat(Files.exists(data.resolve("postgres").resolve("PG_VERSION"))).isTrue();
        } finally {
            again.process.destroy();
            assertThat(again.process.waitFor(45, TimeUnit.SECONDS)).isTrue();
        }
    }

    /** Live processes whose command line names the path (PostgreSQL's does: -D DATA/postgres). */
    private static List<String> processesMentioning(Path path) throws IOException {
        List<String> found = new ArrayList<>();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    String cmdline = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8).replace('\0', ' ');
                    if (cmdline.contains(path.toString())) {
                        found.add(p.getFileName() + ": " + cmdline);
                    }
                } catch (IOException e) {
                    // the process ended while we looked
                }
            }
        }
        return found;
    }
}
