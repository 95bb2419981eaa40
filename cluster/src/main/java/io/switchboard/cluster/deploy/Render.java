package io.switchboard.cluster.deploy;

import io.switchboard.cluster.SystemDefinition;
import io.switchboard.cluster.SystemDefinition.Environment;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * {@code ./switchboard deploy render}: writes every deployment file from deploy/system.yaml and
 * deploy/environments/*.yaml: docker-compose.yml (the environment that runs on docker-compose), the gateway's
 * nginx.conf, the Kubernetes base and an overlay per environment that runs on Kubernetes. The files stay committed
 * for people who read them; {@code --check} (and deploy-check's test) fails when any differs from a fresh render,
 * or when deploy/k8s holds a file the render would not write.
 */
public final class Render {
    /** Where the generated files live, relative to the repository root; everything under these is generated. */
    static final List<String> GENERATED_DIRS = List.of("deploy/k8s");

    private Render() {
    }

    /** Every generated file: path relative to the repository root, and content. */
    public static Map<String, String> render(SystemDefinition system) {
        Map<String, String> files = new TreeMap<>();
        List<Environment> compose = system.environments().values().stream().filter(e -> e.runs("docker-compose")).toList();
        if (compose.size() != 1) {
            throw new IllegalStateException("exactly one environment of deploy/environments should run on docker-compose "
                    + "(docker-compose.yml is rendered from it); found " + compose.stream().map(Environment::name).toList());
        }
        files.put("docker-compose.yml", ComposeFile.render(system, compose.getFirst()));
        files.put("deploy/gateway/nginx.conf", GatewayConfig.render(system));
        KubernetesManifests.base(system, files);
        for (Environment env : system.environments().values()) {
            if (env.runs("kubernetes")) {
                KubernetesManifests.overlay(system, env, files);
            }
        }
        return files;
    }

    /** What differs between the repository's files and a fresh render: one line per file, empty when none does. */
    public static List<String> drift(SystemDefinition system) {
        Map<String, String> fresh = render(system);
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, String> f : fresh.entrySet()) {
            Path file = system.root().resolve(f.getKey());
            if (!Files.exists(file)) {
                problems.add(f.getKey() + ": missing");
                continue;
            }
            String committed = read(file);
            if (!committed.equals(f.getValue())) {
                problems.add(f.getKey() + ": differs from a fresh render" + firstDifference(committed, f.getValue()));
            }
        }
        for (String stale : stale(system, fresh)) {
            problems.add(stale + ": not written by the render (remove it, or add what it holds to deploy/system.yaml)");
        }
        return problems;
    }

    public static void main(String[] args) throws IOException {
        PrintStream out = System.out;
        boolean check = List.of(args).contains("--check");
        if (args.length > (check ? 1 : 0)) {
            System.err.println("usage: ./switchboard deploy render [--check]");
            System.exit(2);
        }
        SystemDefinition system = SystemDefinition.load();
        try {
            if (check) {
                List<String> drift = drift(system);
                drift.forEach(line -> out.println("drift: " + line));
                out.println(drift.isEmpty() ? "deploy files match deploy/system.yaml and deploy/environments"
                        : drift.size() + " file(s) differ: run ./switchboard deploy render and commit the result");
                System.exit(drift.isEmpty() ? 0 : 1);
            }
            Map<String, String> fresh = render(system);
            int written = 0;
            int removed = 0;
            for (Map.Entry<String, String> f : fresh.entrySet()) {
                Path file = system.root().resolve(f.getKey());
                if (!Files.exists(file) || !read(file).equals(f.getValue())) {
                    Files.createDirectories(file.getParent());
                    Files.writeString(file, f.getValue(), StandardCharsets.UTF_8);
                    out.println("wrote   " + f.getKey());
                    written++;
                }
            }
            for (String stale : stale(system, fresh)) {
                Files.delete(system.root().resolve(stale));
                out.println("removed " + stale);
                removed++;
            }
            out.println(written + removed == 0 ? "all " + fresh.size() + " deploy files were up to date"
                    : "wrote " + written + " and removed " + removed + " of the deploy files; review them (git diff) "
                    + "and commit");
        } catch (IllegalStateException e) {
            System.err.println("switchboard deploy render: " + e.getMessage());
            System.exit(2);
        }
    }

    /** Files under the generated directories that the render does not write. */
    private static List<String> stale(SystemDefinition system, Map<String, String> fresh) {
        List<String> stale = new ArrayList<>();
        for (String dir : GENERATED_DIRS) {
            Path root = system.root().resolve(dir);
            if (!Files.isDirectory(root)) {
                continue;
            }
            try (Stream<Path> files = Files.walk(root)) {
                files.filter(Files::isRegularFile)
                        .map(p -> system.root().relativize(p).toString().replace('\\', '/'))
                        .filter(p -> !fresh.containsKey(p)).sorted().forEach(stale::add);
            } catch (IOException e) {
                throw new IllegalStateException("cannot list " + root + ": " + e.getMessage(), e);
            }
        }
        return stale;
    }

    private static String firstDifference(String was, String now) {
        String[] a = was.split("\n", -1);
        String[] b = now.split("\n", -1);
        for (int i = 0; i < Math.max(a.length, b.length); i++) {
            String x = i < a.length ? a[i] : "<end of file>";
            String y = i < b.length ? b[i] : "<end of file>";
            if (!x.equals(y)) {
                return " (line " + (i + 1) + ": file has '" + x.strip() + "', render has '" + y.strip() + "')";
            }
        }
        return "";
    }

    private static String read(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }
}
