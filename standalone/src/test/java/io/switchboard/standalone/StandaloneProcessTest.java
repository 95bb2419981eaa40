package io.switchboard.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.switchboard.common.codec.Json;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
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
    private static final Duration START_DEADLINE = Duration.ofSeconds(120);
    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path dir;

    @Test
    void startsServesStopsCleanlyAndKeepsItsData() throws Exception {
        Path data = dir.resolve("data");
        int port = freePort();
        Process first = start(port, data, dir.resolve("first.out"));
        try {
            awaitRunning(first, dir.resolve("first.out"));
            HttpResponse<String> health = get(port, "/health");
            assertThat(health.statusCode()).isEqualTo(200);
            var components = Json.parse(health.body()).get("components");
            for (String name : List.of("discovery", "tracing", "query", "routing", "hazelcast", "postgresql", "elasticsearch")) {
                assertThat(components.path(name).path("status").asText()).as(name + " in " + health.body()).isEqualTo("up");
            }
            await().atMost(Duration.ofSeconds(30)).until(() -> get(port, "/ready").statusCode() == 200);
            HttpResponse<String> metrics = get(port, "/metrics");
            assertThat(metrics.body()).contains("jvm_memory_used_bytes").contains("hikaricp_connections");
            String out = Files.readString(dir.resolve("first.out"));
            assertThat(out).contains("operator token (tenant dev").contains("client token").contains("Ctrl-C");

            // A second instance on the same data directory stops at once with one line saying why.
            Process second = start(freePort(), data, dir.resolve("second.out"));
            assertThat(second.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(second.exitValue()).isEqualTo(2);
            assertThat(Files.readString(dir.resolve("second.out")).strip())
                    .contains("already using the data directory").doesNotContain("Exception").hasLineCount(2);

            // The same port is refused before any store starts.
            Process third = start(port, dir.resolve("other-data"), dir.resolve("third.out"));
            assertThat(third.waitFor(60, TimeUnit.SECONDS)).isTrue();
            assertThat(third.exitValue()).isEqualTo(2);
            assertThat(Files.readString(dir.resolve("third.out"))).contains("port " + port + " on 127.0.0.1 is already in use");

            // pg_ctl detaches PostgreSQL from the JVM, so it is found by its data directory, not as a child.
            assertThat(processesMentioning(data)).as("PostgreSQL runs on " + data).isNotEmpty();
        } finally {
            first.destroy(); // SIGTERM
        }
        assertThat(first.waitFor(45, TimeUnit.SECONDS)).as("stopped within 45 s of SIGTERM").isTrue();
        assertThat(Files.readString(dir.resolve("first.out"))).contains("Stopped in");
        await().atMost(Duration.ofSeconds(10)).until(() -> processesMentioning(data).isEmpty());

        // A second start on the same data directory finds what the first stored.
        Process again = start(port, data, dir.resolve("again.out"));
        try {
            awaitRunning(again, dir.resolve("again.out"));
            await().atMost(Duration.ofSeconds(30)).until(() -> get(port, "/ready").statusCode() == 200);
            assertThat(Files.exists(data.resolve("postgres").resolve("PG_VERSION"))).isTrue();
        } finally {
            again.destroy();
            assertThat(again.waitFor(45, TimeUnit.SECONDS)).isTrue();
        }
    }

    private Process start(int port, Path data, Path output) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx768m", "-cp", System.getProperty("java.class.path"),
                Standalone.class.getName(), "--port", Integer.toString(port), "--data-dir", data.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(output.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("SWITCHBOARD_"));
        return pb.start();
    }

    private void awaitRunning(Process process, Path output) {
        await().atMost(START_DEADLINE).pollInterval(Duration.ofMillis(200)).until(() -> {
            if (!process.isAlive()) {
                throw new AssertionError("standalone exited with " + process.exitValue() + ":\n" + Files.readString(output));
            }
            return Files.readString(output).contains("Switchboard is running at");
        });
    }

    private HttpResponse<String> get(int port, String path) throws IOException, InterruptedException {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
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
