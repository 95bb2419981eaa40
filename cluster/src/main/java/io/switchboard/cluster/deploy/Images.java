package io.switchboard.cluster.deploy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.cluster.SystemDefinition;
import io.switchboard.cluster.SystemDefinition.ServiceDefinition;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * {@code ./switchboard deploy images}: builds one image per service of deploy/system.yaml with Jib
 * ({@code jib:buildTar}, no Docker daemon), as a tar that {@code docker load} and registries take. Each holds its
 * module's runtime classpath only, runs the service's main class as user 10001 with the JVM flags of the parent
 * pom, and is tagged by commit. The base is a registry image when {@code --base} names one, else the tar that
 * deploy/images/base-image.sh builds (Debian minbase + a jlink JRE); the build prints which, and each image carries
 * it in its {@code io.switchboard.base} label.
 */
public final class Images {
    /** Jib's plugin, its version and shared configuration from the parent pom's pluginManagement. */
    static final String JIB = "com.google.cloud.tools:jib-maven-plugin:buildTar";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One image to build: the service, its reference (repository:tag), where its tar goes, and its labels. */
    public record Image(ServiceDefinition service, String reference, Path tar, Map<String, String> labels,
                        List<Integer> ports) {
        /** The Maven arguments that build it (after the install of the modules). */
        List<String> mavenArgs(String baseImage) {
            List<String> args = new ArrayList<>(List.of("-B", "-ntp", "-q", "-pl", service.module(), JIB,
                    "-Dswitchboard.base.image=" + baseImage,
                    "-Djib.to.image=" + reference,
                    "-Djib.outputPaths.tar=" + tar,
                    "-Djib.container.mainClass=" + service.main(),
                    "-Djib.container.ports=" + ports.stream().map(String::valueOf).collect(Collectors.joining(",")),
                    "-Djib.container.labels=" + labels.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                            .collect(Collectors.joining(","))));
            return args;
        }
    }

    /** Where a build starts from: the Jib reference of the base, and what it is (the label images carry). */
    public record Base(String image, String description) {
    }

    private Images() {
    }

    /** The images of every service (or of {@code only}, when not empty) for a tag, revision and base. */
    public static List<Image> plan(SystemDefinition system, String tag, String revision, Base base, Path out,
                                   List<String> only) {
        for (String name : only) {
            system.service(name);
        }
        List<Image> images = new ArrayList<>();
        for (ServiceDefinition s : system.services().values()) {
            if (!only.isEmpty() && !only.contains(s.name())) {
                continue;
            }
            Map<String, String> labels = new LinkedHashMap<>();
            labels.put("org.opencontainers.image.title", system.name() + "-" + s.name());
            labels.put("org.opencontainers.image.version", tag);
            labels.put("org.opencontainers.image.revision", revision);
            labels.put("io.switchboard.service", s.name());
            labels.put("io.switchboard.base", base.description());
            List<Integer> ports = new ArrayList<>(List.of(s.port(), s.managementPort()));
            if (s.member()) {
                ports.add(system.resource("hazelcast").port());
            }
            images.add(new Image(s, s.image() + ":" + tag, out.resolve(s.name() + ".tar"), labels, List.copyOf(ports)));
        }
        return images;
    }

    /**
     * What a base is: for the tar of base-image.sh, the label its config gives (Debian suite, JRE version) and the
     * tar's digest; for a registry image, its reference. Label values carry no commas (Jib's list separator).
     */
    public static Base describe(String baseImage) throws IOException {
        if (!baseImage.startsWith("tar://")) {
            return new Base(baseImage, baseImage.replace(',', ';'));
        }
        Path tar = Path.of(baseImage.substring("tar://".length()));
        if (!Files.isRegularFile(tar)) {
            throw new BuildFailure("base image " + tar + " does not exist; run deploy/images/base-image.sh");
        }
        String label = TarEntries.read(tar, "config.json").map(bytes -> {
            try {
                return JSON.readTree(bytes).at("/config/Labels/io.switchboard.base").asText("");
            } catch (IOException e) {
                return "";
            }
        }).orElse("");
        String digest = sha256(tar).substring(0, 16);
        return new Base(baseImage, (label.isEmpty() ? "tar" : label) + " sha256:" + digest);
    }

    /** A build that could not be made: what went wrong, in words a user can act on. */
    public static final class BuildFailure extends RuntimeException {
        BuildFailure(String message) {
            super(message);
        }
    }

    public static void main(String[] args) throws Exception {
        String tag = null;
        String baseImage = null;
        Path dir = null;
        List<String> only = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--tag" -> tag = value(args, ++i);
                case "--base" -> baseImage = value(args, ++i);
                case "--out" -> dir = Path.of(value(args, ++i));
                case "--only" -> only.addAll(List.of(value(args, ++i).split(",")));
                default -> usage("unknown argument " + args[i]);
            }
        }
        try {
            build(SystemDefinition.load(), tag, baseImage, dir, only, System.out);
        } catch (BuildFailure | IllegalStateException | NullPointerException e) {
            System.err.println("switchboard deploy images: " + e.getMessage());
            System.exit(1);
        }
    }

    /**
     * Builds the images: {@code tag} null tags by commit, {@code baseImage} null builds the base with
     * base-image.sh, {@code dir} null writes to target/images; {@code only} empty builds every service.
     */
    public static List<Image> build(SystemDefinition system, String tag, String baseImage, Path dir, List<String> only,
                                    PrintStream out) throws IOException, InterruptedException {
        Path root = system.root();
        dir = (dir == null ? root.resolve("target/images") : dir).toAbsolutePath();
        String revision = run(root, List.of("git", "rev-parse", "HEAD")).strip();
        boolean dirty = !run(root, List.of("git", "status", "--porcelain", "--untracked-files=no")).isBlank();
        if (tag == null) {
            // Tagged by commit; a build of uncommitted changes says so, so it is never taken for the commit's.
            tag = revision.substring(0, 12) + (dirty ? "-dirty" : "");
        }
        if (baseImage == null) {
            out.println("base: building (or reusing) the base image with deploy/images/base-image.sh");
            List<String> lines = run(root, List.of(root.resolve("deploy/images/base-image.sh").toString())).lines().toList();
            baseImage = "tar://" + lines.getLast().strip();
        }
        Base base = describe(baseImage);
        List<Image> images = plan(system, tag, revision, base, dir, only);
        out.println("base: " + base.image() + " (" + base.description() + ")");
        Files.createDirectories(dir);
        long started = System.nanoTime();
        String modules = images.stream().map(i -> i.service().module()).collect(Collectors.joining(","));
        out.println("compiling and installing " + modules + " (mvn install -DskipTests)");
        maven(root, List.of("-B", "-ntp", "-q", "-DskipTests", "-pl", modules, "-am", "install"));
        for (Image image : images) {
            long t = System.nanoTime();
            out.printf("building %s -> %s%n", image.reference(), image.tar());
            maven(root, image.mavenArgs(base.image()));
            out.printf("  %s: %d MB in %.1f s%n", image.reference(), Files.size(image.tar()) >> 20,
                    (System.nanoTime() - t) / 1e9);
        }
        out.printf("built %d image(s) tagged %s in %.0f s on %s; load one with: docker load -i %s%n", images.size(), tag,
                (System.nanoTime() - started) / 1e9, base.description(), images.getFirst().tar());
        return images;
    }

    private static void maven(Path root, List<String> args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(System.getenv().getOrDefault("SWITCHBOARD_MVN", "mvn"));
        command.addAll(args);
        // Maven's output goes to this process's error stream: it is progress and errors, not the build's answer.
        Process p = new ProcessBuilder(command).directory(root.toFile()).redirectOutput(ProcessBuilder.Redirect.INHERIT)
                .redirectError(ProcessBuilder.Redirect.INHERIT).start();
        if (p.waitFor() != 0) {
            throw new BuildFailure(String.join(" ", command) + " failed (exit " + p.exitValue() + "); its errors are above");
        }
    }

    /** Runs a command, its errors shown as they come, and returns what it printed. */
    private static String run(Path root, List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(root.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
        String text;
        try (InputStream in = p.getInputStream()) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        if (p.waitFor() != 0) {
            throw new BuildFailure(String.join(" ", command) + " failed (exit " + p.exitValue() + ")");
        }
        return text;
    }

    private static String sha256(Path file) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            byte[] buffer = new byte[1 << 16];
            for (int n; (n = in.read(buffer)) > 0; ) {
                d.update(buffer, 0, n);
            }
            return HexFormat.of().formatHex(d.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static String value(String[] args, int i) {
        if (i >= args.length) {
            usage(args[i - 1] + " needs a value");
        }
        return args[i];
    }

    private static void usage(String problem) {
        System.err.println("switchboard deploy images: " + problem);
        System.err.println("usage: ./switchboard deploy images [--tag TAG] [--base IMAGE] [--out DIR] [--only svc,...]");
        System.exit(2);
    }
}
