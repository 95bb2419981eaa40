package io.switchboard.cluster;

import io.switchboard.cluster.SystemDefinition.ServiceDefinition;
import java.io.IOException;
import java.lang.management.ManagementFactory;
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
import java.util.concurrent.TimeUnit;

/**
 * One service replica in a JVM of its own, started from its module's runtime classpath only
 * ({@code MODULE/target/classes} and {@code MODULE/target/classpath.txt}), as its container image holds it, with
 * its configuration in environment variables. Output goes to a log file of its own.
 */
public final class ServiceProcess {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String name;
    private final ServiceDefinition service;
    private final Path root;
    private final int httpPort;
    private final int managementPort;
    private final int hazelcastPort;
    private final Map<String, String> environment;
    private final String heap;
    private final Path log;
    private Process process;

    /**
     * @param hazelcastPort the member's port, or 0 for a service that joins as a client
     * @param environment   SWITCHBOARD_* variables; nothing else of the launcher's SWITCHBOARD_* environment leaks in
     */
    ServiceProcess(String name, ServiceDefinition service, Path root, int httpPort, int managementPort, int hazelcastPort,
                   Map<String, String> environment, String heap, Path log) {
        this.name = name;
        this.service = service;
        this.root = root;
        this.httpPort = httpPort;
        this.managementPort = managementPort;
        this.hazelcastPort = hazelcastPort;
        this.environment = Map.copyOf(environment);
        this.heap = heap;
        this.log = log;
    }

    /** Such as discovery-1. */
    public String name() {
        return name;
    }

    public ServiceDefinition service() {
        return service;
    }

    public int httpPort() {
        return httpPort;
    }

    /** The Hazelcast member's port, or 0 for a client. */
    public int hazelcastPort() {
        return hazelcastPort;
    }

    public String url(String path) {
        return "http://127.0.0.1:" + httpPort + path;
    }

    /** A URL on the management port, where /metrics is (with /health and /ready). */
    public String managementUrl(String path) {
        return "http://127.0.0.1:" + managementPort + path;
    }

    public Path log() {
        return log;
    }

    public synchronized long pid() {
        return process == null ? -1 : process.pid();
    }

    public synchronized boolean isAlive() {
        return process != null && process.isAlive();
    }

    /** Starts the JVM (again, after a stop or kill: same ports, same configuration; the log is appended to). */
    public synchronized void start() {
        if (isAlive()) {
            throw new IllegalStateException(name + " is already running (pid " + process.pid() + ")");
        }
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        command.add("-Xmx" + heap);
        // Extra options for every replica's JVM (a GC log, say, -Xlog:gc:file=/tmp/gc-%p.log for one per process); one
        // that chooses a collector (-XX:+UseG1GC) replaces the serial one, which suits many small JVMs on few cores.
        String extra = System.getenv("SWITCHBOARD_REPLICA_JVM_OPTS");
        List<String> extraFlags = extra == null || extra.isBlank() ? List.of() : List.of(extra.trim().split("\\s+"));
        if (extraFlags.stream().noneMatch(f -> f.startsWith("-XX:+Use") && f.endsWith("GC"))) {
            command.add("-XX:+UseSerialGC");
        }
        command.addAll(inheritedJvmFlags());
        command.addAll(extraFlags);
        command.add("-cp");
        command.add(classpath(root, service.module()));
        command.add(service.main());
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        pb.environment().keySet().removeIf(k -> k.startsWith("SWITCHBOARD_"));
        pb.environment().putAll(environment);
        try {
            Files.createDirectories(log.getParent());
            process = pb.start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot start " + name + ": " + e.getMessage(), e);
        }
    }

    /** Waits until GET /ready answers 200; fails with the end of the log if the process exits or the time runs out. */
    public void awaitReady(Duration deadline) {
        long end = System.nanoTime() + deadline.toNanos();
        while (System.nanoTime() < end) {
            if (!isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + " before it was ready; "
                        + "the end of " + log + ":\n" + tail(40));
            }
            if (ready()) {
                return;
            }
            pause(200);
        }
        throw new IllegalStateException(name + " was not ready within " + deadline.toSeconds() + " s; the end of " + log
                + ":\n" + tail(40));
    }

    /** True if GET /ready answers 200 now. */
    public boolean ready() {
        try {
            HttpResponse<Void> r = HTTP.send(HttpRequest.newBuilder(URI.create(url(service.readiness())))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.discarding());
            return r.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Runs the replica's pre-stop hook (system.yaml's preStop, on the management port) as Kubernetes does before it
     * stops a pod, and returns its answer ("status body"); waits at most {@code max}.
     */
    public String preStop(Duration max) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(managementUrl(service.preStop())))
                    .timeout(max).build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() + " " + r.body();
        } catch (IOException e) {
            return "failed: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    /** kill -9: the process ends at once, saying goodbye to nobody (a crash, an OOM kill, a lost machine). */
    public synchronized void kill() {
        if (process != null) {
            process.destroyForcibly();
            waitFor(Duration.ofSeconds(30));
        }
    }

    /** SIGTERM, as Kubernetes stops a pod; after {@code grace} without exiting, SIGKILL. True if it exited in time. */
    public synchronized boolean stop(Duration grace) {
        if (process == null || !process.isAlive()) {
            return true;
        }
        process.destroy();
        if (waitFor(grace)) {
            return true;
        }
        kill();
        return false;
    }

    private boolean waitFor(Duration d) {
        try {
            return process.waitFor(d.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The last lines of the log. */
    public String tail(int lines) {
        try {
            List<String> all = Files.readAllLines(log);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    /** A module's runtime classpath as the build wrote it: its classes, then its runtime dependencies. */
    public static String classpath(Path root, String module) {
        Path classes = root.resolve(module).resolve("target/classes");
        Path deps = root.resolve(module).resolve("target/classpath.txt");
        if (!Files.isDirectory(classes) || !Files.isRegularFile(deps)) {
            throw new IllegalStateException(module + " is not built (" + classes + " or " + deps + " is missing); "
                    + "run ./switchboard build first");
        }
        try {
            return classes + java.io.File.pathSeparator + Files.readString(deps).strip();
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + deps + ": " + e.getMessage(), e);
        }
    }

    /**
     * The flags this JVM was started with that a service needs too (module opens for Hazelcast, the common pool's
     * parallelism, native access): ./switchboard and the test runner already pass them, so there is one list of
     * them in each of those, not another here. Heap and garbage collector are chosen per process instead.
     */
    public static List<String> inheritedJvmFlags() {
        List<String> out = new ArrayList<>();
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            if (arg.startsWith("--add-") || arg.startsWith("--enable-native-access") || arg.startsWith("--sun-misc-unsafe")
                    || arg.startsWith("-Djava.util.concurrent.ForkJoinPool.common.parallelism")) {
                out.add(arg);
            }
        }
        return out;
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis); // polling an external process; there is nothing to wait on instead
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public String toString() {
        return name + " (pid " + pid() + ", http " + httpPort + (hazelcastPort > 0 ? ", hazelcast " + hazelcastPort : "") + ")";
    }
}
