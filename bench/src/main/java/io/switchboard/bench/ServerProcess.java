package io.switchboard.bench;

import io.switchboard.cluster.ServiceProcess;
import io.switchboard.cluster.SystemDefinition;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The server a benchmark drives: a fresh {@code ./switchboard standalone} in a JVM of its own (standalone's runtime
 * classpath, as the launcher runs it), never in the benchmark's JVM. Its CPU time and heap are read from outside:
 * /proc and its /metrics.
 */
final class ServerProcess implements AutoCloseable {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    final int port;
    final Path dataDir;
    private final Path output;
    private final Map<String, String> env;
    private final String heap;
    private final boolean cluster;
    private Process process;
    String operatorToken;
    String clientToken;

    /** @param env SWITCHBOARD_* settings for the run (quotas, buffer) */
    ServerProcess(Path dataDir, String heap, Map<String, String> env) throws IOException {
        this(dataDir, heap, env, false);
    }

    /**
     * @param cluster true for {@code ./switchboard cluster} (every replica in a JVM of its own behind the gateway, the
     *                replicas configured by deploy/environments/test.yaml, so {@code env} reaches only the launcher),
     *                false for standalone
     */
    ServerProcess(Path dataDir, String heap, Map<String, String> env, boolean cluster) throws IOException {
        Files.createDirectories(dataDir.getParent());
        this.cluster = cluster;
        this.port = freePort();
        this.dataDir = dataDir;
        this.output = dataDir.resolveSibling(dataDir.getFileName() + ".out");
        this.env = env;
        this.heap = heap;
    }

    /** Starts it (again, on the same data directory and port) and waits until it serves; returns its start time. */
    Duration start() throws IOException, InterruptedException {
        long started = System.nanoTime();
        Path root = SystemDefinition.findRoot(Path.of("").toAbsolutePath());
        List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
                "-Xms" + heap, "-Xmx" + heap, "-XX:+Use" + System.getProperty("bench.server-gc", "G1") + "GC"));
        cmd.addAll(ServiceProcess.inheritedJvmFlags());
        // Extra options for the server's JVM (a profiler, say): SWITCHBOARD_BENCH_SERVER_OPTS.
        String extra = System.getenv("SWITCHBOARD_BENCH_SERVER_OPTS");
        if (extra != null && !extra.isBlank()) {
            cmd.addAll(List.of(extra.trim().split("\\s+")));
        }
        cmd.addAll(List.of("-cp", ServiceProcess.classpath(root, cluster ? "cluster" : "standalone"),
                cluster ? "io.switchboard.cluster.LocalClusterMain" : "io.switchboard.standalone.Standalone",
                "--port", Integer.toString(port), "--data-dir", dataDir.toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(output.toFile());
        // The run's own settings only; the warm-up's may be passed through, to compare (SWITCHBOARD_WARMUP_MAX_DURATION=0s),
        // and a cluster's replicas' JVM options (SWITCHBOARD_REPLICA_JVM_OPTS).
        pb.environment().keySet().removeIf(k -> k.startsWith("SWITCHBOARD_") && !k.startsWith("SWITCHBOARD_WARMUP_")
                && !k.equals("SWITCHBOARD_REPLICA_JVM_OPTS"));
        pb.environment().putAll(env);
        process = pb.start();
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (!Files.readString(output).contains("Stop with Ctrl-C")) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException(what() + " did not start:\n" + Files.readString(output));
            }
            Thread.sleep(100); // polling a child's output; nothing to wait on instead
        }
        String out = Files.readString(output);
        operatorToken = token(out, "operator token");
        clientToken = token(out, "client token");
        while (get("/ready").statusCode() != 200) {
            Thread.sleep(100);
        }
        return Duration.ofNanos(System.nanoTime() - started);
    }

    /** The start-up line of a component (such as "warm-up"), or null if it printed none. */
    String startupLine(String component) throws IOException {
        for (String line : Files.readString(output).split("\n")) {
            if (line.startsWith("  " + component + " ")) {
                return line;
            }
        }
        return null;
    }

    private static String token(String out, String label) {
        Matcher m = Pattern.compile(label + "[^:]*: (\\S+)").matcher(out);
        if (!m.find()) {
            throw new IllegalStateException("no " + label + " in standalone's output");
        }
        return m.group(1);
    }

    long pid() {
        return process.pid();
    }

    URI http(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    URI ws(String path) {
        return URI.create("ws://127.0.0.1:" + port + path);
    }

    /**
     * A replica's own WebSocket address in a cluster ({@code discovery-2}, say), as the cluster printed it; the server's
     * port for standalone.
     */
    URI ws(String replica, String path) throws IOException {
        if (!cluster) {
            return ws(path);
        }
        Matcher m = Pattern.compile("  " + replica + " +up in .*?http://(127\\.0\\.0\\.1:\\d+)").matcher(Files.readString(output));
        if (!m.find()) {
            throw new IllegalStateException("no " + replica + " in the cluster's output");
        }
        return URI.create("ws://" + m.group(1) + path);
    }

    HttpResponse<String> get(String path) throws IOException, InterruptedException {
        return get(path, null);
    }

    HttpResponse<String> get(String path, String token) throws IOException, InterruptedException {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(30));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        try {
            return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        } catch (java.net.ConnectException e) {
            return new FailedResponse(path);
        }
    }

    /** The value of a metric without labels, or the sum of its series matching {@code labels} (such as area="heap"). */
    double metric(String name, String labels) throws IOException, InterruptedException {
        double sum = 0;
        for (String line : get("/metrics").body().split("\n")) {
            if ((line.startsWith(name + " ") || line.startsWith(name + "{")) && (labels == null || line.contains(labels))) {
                sum += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return sum;
    }

    /** What runs: standalone or cluster. */
    String what() {
        return cluster ? "cluster" : "standalone";
    }

    /** The secret its tokens are signed with: the public development secret, or the cluster's own. */
    String secret() throws IOException {
        return cluster ? Files.readString(dataDir.resolve("auth.secret")).trim()
                : io.switchboard.common.auth.DevTokens.DEV_SECRET;
    }

    /** CPU seconds (user and system) the server has used so far, from /proc: with every replica, for a cluster. */
    double cpuSeconds() throws IOException {
        double sum = cpuSecondsOf(Long.toString(process.pid()));
        for (ProcessHandle child : process.descendants().toList()) {
            try {
                sum += cpuSecondsOf(Long.toString(child.pid()));
            } catch (IOException e) {
                // gone meanwhile
            }
        }
        return sum;
    }

    /** CPU seconds (user and system) a process ({@code self}, or a pid) has used so far, from /proc. */
    static double cpuSecondsOf(String pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        // utime and stime are fields 14 and 15 of stat, in clock ticks (100 a second on Linux).
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
    }

    /** SIGTERM, and wait for it to stop in order. */
    void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            process.waitFor();
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** What {@link #get} answers while nothing listens (the server is restarting). */
    private record FailedResponse(String path) implements HttpResponse<String> {
        public int statusCode() {
            return 0;
        }

        public HttpRequest request() {
            return null;
        }

        public java.util.Optional<HttpResponse<String>> previousResponse() {
            return java.util.Optional.empty();
        }

        public java.net.http.HttpHeaders headers() {
            return java.net.http.HttpHeaders.of(Map.of(), (a, b) -> true);
        }

        public String body() {
            return "";
        }

        public java.util.Optional<javax.net.ssl.SSLSession> sslSession() {
            return java.util.Optional.empty();
        }

        public URI uri() {
            return URI.create("http://127.0.0.1" + path);
        }

        public HttpClient.Version version() {
            return HttpClient.Version.HTTP_1_1;
        }
    }
}
