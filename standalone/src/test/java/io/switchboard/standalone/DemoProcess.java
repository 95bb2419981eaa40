package io.switchboard.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

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
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ./switchboard demo} in its own JVM (standalone on real embedded PostgreSQL, Elasticsearch and Hazelcast,
 * plus the simulated system on Java clients), on a free port and a fresh data directory, started as a user would
 * and read back from what it prints.
 */
final class DemoProcess implements AutoCloseable {
    final Process process;
    final Path dir;
    final String base;
    final String operatorToken;
    final String clientToken;

    /** Starts the demo with the given -D options and waits until it prints the dashboard's URL. */
    DemoProcess(String... systemProperties) throws Exception {
        dir = Files.createTempDirectory("switchboard-demo");
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.add("-Xmx1g");
        command.addAll(List.of(systemProperties));
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), Demo.class.getName(), "--port",
                Integer.toString(port), "--data-dir", dir.resolve("data").toString()));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(dir.resolve("demo.out").toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("SWITCHBOARD_"));
        pb.environment().putAll(StandaloneProcess.NO_WARM_UP); // the demo's tests are about rollouts and views
        process = pb.start();
        Path out = dir.resolve("demo.out");
        await().atMost(Duration.ofSeconds(150)).pollInterval(Duration.ofMillis(250)).until(() -> {
            if (!process.isAlive()) {
                throw new AssertionError("the demo exited with " + process.exitValue() + ":\n" + Files.readString(out));
            }
            return Files.readString(out).contains("Open the dashboard: ");
        });
        String text = Files.readString(out);
        Matcher m = Pattern.compile("Open the dashboard: (http://[^/]+)/\\?token=(\\S+)").matcher(text);
        assertThat(m.find()).as(text).isTrue();
        base = m.group(1);
        operatorToken = m.group(2);
        Matcher c = Pattern.compile("client token +\\(tenant dev, [^)]*\\): (\\S+)").matcher(text);
        assertThat(c.find()).as(text).isTrue();
        clientToken = c.group(1);
    }

    /** A GET with the operator token, which must answer 200. */
    String get(String path) throws Exception {
        HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + path))
                .header("Authorization", "Bearer " + operatorToken).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        return r.body();
    }

    @Override
    public void close() throws Exception {
        process.destroy();
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).isTrue();
    }
}
