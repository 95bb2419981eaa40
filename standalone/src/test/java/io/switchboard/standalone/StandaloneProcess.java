package io.switchboard.standalone;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** `./switchboard standalone` as a user runs it, in a child JVM, with its output in a file. */
final class StandaloneProcess {
    private static final Duration START_DEADLINE = Duration.ofSeconds(120);
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    final Process process;
    final int port;
    final Path output;

    private StandaloneProcess(Process process, int port, Path output) {
        this.process = process;
        this.port = port;
        this.output = output;
    }

    /**
     * Settings for a start whose test is not about start-up: no warm-up, so /ready follows the stores at once. The
     * warm-up is tested by the services' WarmUpTests and by the first start of StandaloneProcessTest, which runs
     * with the defaults.
     */
    static final Map<String, String> NO_WARM_UP = Map.of("SWITCHBOARD_WARMUP_MAX_DURATION", "0s");

    /** Starts standalone on a port and data directory, without any SWITCHBOARD_* setting of this environment. */
    static StandaloneProcess start(int port, Path data, Path output) throws IOException {
        return start(port, data, output, Map.of());
    }

    /** As {@link #start(int, Path, Path)}, with these environment variables (SWITCHBOARD_* settings) added. */
    static StandaloneProcess start(int port, Path data, Path output, Map<String, String> env) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx768m", "-cp", System.getProperty("java.class.path"),
                Standalone.class.getName(), "--port", Integer.toString(port), "--data-dir", data.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(output.toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("SWITCHBOARD_"));
        pb.environment().putAll(env);
        return new StandaloneProcess(pb.start(), port, output);
    }

    /** Waits until it prints that it runs; fails with its output if it exits first. */
    StandaloneProcess awaitRunning() {
        await().atMost(START_DEADLINE).pollInterval(Duration.ofMillis(200)).until(() -> {
            if (!process.isAlive()) {
                throw new AssertionError("standalone exited with " + process.exitValue() + ":\n" + Files.readString(output));
            }
            return Files.readString(output).contains("Switchboard is running at");
        });
        return this;
    }

    String out() throws IOException {
        return Files.readString(output);
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return get(path, null);
    }

    HttpResponse<String> get(String path, String token) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(10));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
