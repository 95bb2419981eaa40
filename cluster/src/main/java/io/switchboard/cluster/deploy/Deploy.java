package io.switchboard.cluster.deploy;

import io.switchboard.cluster.SystemDefinition;
import io.switchboard.cluster.SystemDefinition.Environment;
import io.switchboard.cluster.SystemDefinition.ServiceDefinition;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * {@code ./switchboard deploy apply|rollback ENV}: the one script the pipeline runs to deliver a release to a
 * Kubernetes environment, and that deploy-check runs in dry-run mode against the rendered overlays.
 *
 * <p><b>apply</b> renders the environment's overlay ({@code kubectl kustomize}), points every workload at the
 * release's images (registry/image:tag), and applies it in stages: first what the workloads share (the hashed
 * ConfigMap, Services, disruption budgets, autoscalers, the Ingress), then each Deployment alone in system.yaml's
 * order, waiting for its rollout to finish before the next: discovery before tracing (never two Hazelcast members'
 * Deployments rolling at once), then the stateless services. Then a smoke test through the public URL touches all
 * four services ({@link Smoke}). If a rollout or the smoke test fails, every Deployment it changed goes back to the
 * revision it had (image and ConfigMap together: the pod template names both) and the command fails.
 *
 * <p><b>rollback</b> is the same return on demand, for the release applied last: each Deployment goes back to the
 * revision recorded on it (annotation {@value #ROLLBACK_ANNOTATION}) before that release, in the same order, then
 * the smoke test runs.
 */
public final class Deploy {
    /** On each Deployment: its revision before the release applied last (what rollback returns to). */
    public static final String ROLLBACK_ANNOTATION = "switchboard.io/rollback-to-revision";
    /** On each Deployment: the image tag of the release applied last. */
    public static final String RELEASE_ANNOTATION = "switchboard.io/release";
    private static final String REVISION = "{.metadata.annotations.deployment\\.kubernetes\\.io/revision}";

    /** Runs kubectl: the real one, one that only prints (dry run), or a test's stand-in for a cluster. */
    public interface Kubectl {
        /** Runs {@code kubectl args}; returns its exit code and standard output. */
        Result run(List<String> args) throws IOException, InterruptedException;
    }

    public record Result(int exit, String out) {
        boolean ok() {
            return exit == 0;
        }
    }

    /** The smoke test, replaceable in tests of this class (it is tested on its own against a running system). */
    public interface SmokeTest {
        void run(URI url) throws Smoke.Failure, InterruptedException;
    }

    /** One apply of the plan: a manifest file and the Deployment it rolls (null: the shared objects). */
    public record Stage(String name, Path file, ServiceDefinition service) {
    }

    /** A failed delivery: what failed; the environment is back where it was unless the message says otherwise. */
    public static final class DeployFailure extends Exception {
        DeployFailure(String message) {
            super(message);
        }
    }

    private final SystemDefinition system;
    private final Environment env;
    private final Kubectl kubectl;
    private final SmokeTest smoke;
    private final PrintStream out;
    private final Duration rolloutTimeout;

    public Deploy(SystemDefinition system, Environment env, Kubectl kubectl, SmokeTest smoke, PrintStream out,
                  Duration rolloutTimeout) {
        if (!env.runs("kubernetes") || env.kubernetes() == null) {
            throw new IllegalStateException("environment " + env.name() + " does not run on Kubernetes "
                    + "(deploy/environments/" + env.name() + ".yaml)");
        }
        this.system = system;
        this.env = env;
        this.kubectl = kubectl;
        this.smoke = smoke;
        this.out = out;
        this.rolloutTimeout = rolloutTimeout;
    }

    /** The public URL of the environment: https when its Ingress has TLS. */
    public static URI publicUrl(Environment env) {
        return URI.create((env.kubernetes().tlsSecret() != null ? "https://" : "http://") + env.kubernetes().host());
    }

    private String namespace() {
        return env.kubernetes().namespace();
    }

    private static String deployment(ServiceDefinition s) {
        return "switchboard-" + s.name();
    }

    /**
     * Renders the overlay with the release's images and writes the stages to {@code dir}: the shared objects,
     * then one file per Deployment in system.yaml's order. Fails if the overlay holds a Deployment that no service
     * of system.yaml names, or lacks one.
     */
    public List<Stage> stages(String registry, String tag, Path dir) throws IOException, InterruptedException,
            DeployFailure {
        Path overlay = system.root().resolve("deploy").resolve(env.overlay());
        Result rendered = kubectl.run(List.of("kustomize", overlay.toString()));
        if (!rendered.ok()) {
            throw new DeployFailure("kubectl kustomize " + overlay + " failed (exit " + rendered.exit() + ")");
        }
        Yaml yaml = new Yaml(new LoaderOptions());
        List<Object> shared = new ArrayList<>();
        Map<String, Object> deployments = new LinkedHashMap<>();
        for (Object doc : yaml.loadAll(rendered.out())) {
            if (doc == null) {
                continue;
            }
            Map<String, Object> object = cast(doc);
            if ("Deployment".equals(object.get("kind"))) {
                String name = (String) cast(object.get("metadata")).get("name");
                setImages(object, registry, tag);
                deployments.put(name, object);
            } else {
                shared.add(object);
            }
        }
        Files.createDirectories(dir);
        List<Stage> stages = new ArrayList<>();
        stages.add(new Stage("shared objects (ConfigMap, Services, budgets, autoscalers, Ingress)",
                write(dir.resolve("00-shared.yaml"), shared), null));
        int i = 1;
        for (ServiceDefinition s : system.services().values()) {
            Object d = deployments.remove(deployment(s));
            if (d == null) {
                throw new DeployFailure("the " + env.name() + " overlay has no Deployment " + deployment(s));
            }
            stages.add(new Stage(deployment(s), write(dir.resolve(String.format("%02d-%s.yaml", i++, s.name())),
                    List.of(d)), s));
        }
        if (!deployments.isEmpty()) {
            throw new DeployFailure("the " + env.name() + " overlay has Deployments no service of deploy/system.yaml "
                    + "names: " + deployments.keySet());
        }
        return stages;
    }

    /** Delivers the release; on a failed rollout or smoke test, returns every changed Deployment and fails. */
    public void apply(String registry, String tag, Path dir) throws IOException, InterruptedException, DeployFailure {
        List<Stage> stages = stages(registry, tag, dir);
        out.printf("deploying %s to %s (namespace %s) in %d stages%n", tag, env.name(), namespace(), stages.size());
        Map<ServiceDefinition, String> before = new LinkedHashMap<>();
        for (Stage stage : stages) {
            if (stage.service() != null) {
                String revision = revision(stage.service());
                if (revision != null) {
                    before.put(stage.service(), revision);
                }
            }
        }
        List<ServiceDefinition> touched = new ArrayList<>();
        try {
            for (Stage stage : stages) {
                ServiceDefinition s = stage.service();
                if (s != null) {
                    // What a rollback returns to: recorded before the change, so that a failure half-way can use it.
                    if (before.containsKey(s)) {
                        must(List.of("-n", namespace(), "annotate", "deployment/" + deployment(s),
                                ROLLBACK_ANNOTATION + "=" + before.get(s), RELEASE_ANNOTATION + "=" + tag, "--overwrite"),
                                "recording " + deployment(s) + "'s revision");
                    }
                    touched.add(s);
                }
                out.println("apply: " + stage.name() + " (" + system.root().relativize(stage.file()) + ")");
                must(List.of("-n", namespace(), "apply", "-f", stage.file().toString()), "applying " + stage.name());
                if (s != null) {
                    out.println("wait:  rollout of " + deployment(s));
                    must(List.of("-n", namespace(), "rollout", "status", "deployment/" + deployment(s),
                            "--timeout=" + rolloutTimeout.toSeconds() + "s"), "the rollout of " + deployment(s));
                }
            }
            URI url = publicUrl(env);
            out.println("smoke: " + url);
            smoke.run(url);
        } catch (DeployFailure | Smoke.Failure e) {
            out.println("FAILED: " + e.getMessage() + "; rolling back");
            returnTo(before, touched);
            throw new DeployFailure(e.getMessage() + "; every Deployment it changed was rolled back to its revision "
                    + "before " + tag);
        }
        out.printf(kubectl instanceof DryRun ? "dry run of %s to %s: nothing was changed; the stages are in %s%n"
                : "deployed %s to %s: every rollout finished and the smoke test passed%n", tag, env.name(), dir);
    }

    /** Returns each Deployment to the revision recorded before the release applied last, then runs the smoke test. */
    public void rollback() throws IOException, InterruptedException, DeployFailure {
        Map<ServiceDefinition, String> recorded = new LinkedHashMap<>();
        for (ServiceDefinition s : system.services().values()) {
            Result r = kubectl.run(List.of("-n", namespace(), "get", "deployment/" + deployment(s), "-o",
                    "jsonpath={.metadata.annotations.switchboard\\.io/rollback-to-revision}"));
            if (r.ok() && !r.out().isBlank()) {
                recorded.put(s, r.out().strip());
            }
        }
        if (recorded.isEmpty()) {
            throw new DeployFailure("no Deployment of " + namespace() + " records a revision to return to (annotation "
                    + ROLLBACK_ANNOTATION + "): nothing to roll back");
        }
        returnTo(recorded, List.copyOf(recorded.keySet()));
        URI url = publicUrl(env);
        out.println("smoke: " + url);
        try {
            smoke.run(url);
        } catch (Smoke.Failure e) {
            throw new DeployFailure("rolled back, but the smoke test fails: " + e.getMessage());
        }
        out.printf("rolled %s back: %s%n", env.name(), recorded.keySet().stream().map(Deploy::deployment).toList());
    }

    /** Undoes each changed Deployment to its revision, in system.yaml's order, each rollout finished before the next. */
    private void returnTo(Map<ServiceDefinition, String> revisions, List<ServiceDefinition> which)
            throws IOException, InterruptedException, DeployFailure {
        List<String> failed = new ArrayList<>();
        for (ServiceDefinition s : system.services().values()) {
            String to = revisions.get(s);
            if (!which.contains(s) || to == null) {
                continue;
            }
            String now = revision(s);
            if (to.equals(now)) {
                continue; // the release changed nothing here
            }
            out.println("undo:  " + deployment(s) + " to revision " + to);
            Result undo = kubectl.run(List.of("-n", namespace(), "rollout", "undo", "deployment/" + deployment(s),
                    "--to-revision=" + to));
            Result status = undo.ok() ? kubectl.run(List.of("-n", namespace(), "rollout", "status",
                    "deployment/" + deployment(s), "--timeout=" + rolloutTimeout.toSeconds() + "s")) : undo;
            if (!status.ok()) {
                failed.add(deployment(s));
                continue;
            }
            kubectl.run(List.of("-n", namespace(), "annotate", "deployment/" + deployment(s), ROLLBACK_ANNOTATION + "-"));
        }
        if (!failed.isEmpty()) {
            throw new DeployFailure("rolling back failed for " + failed + ": look at kubectl -n " + namespace()
                    + " rollout history");
        }
    }

    private String revision(ServiceDefinition s) throws IOException, InterruptedException {
        Result r = kubectl.run(List.of("-n", namespace(), "get", "deployment/" + deployment(s), "-o", "jsonpath=" + REVISION));
        return r.ok() && !r.out().isBlank() ? r.out().strip() : null;
    }

    private void must(List<String> args, String what) throws IOException, InterruptedException, DeployFailure {
        Result r = kubectl.run(args);
        if (!r.ok()) {
            throw new DeployFailure(what + " failed (kubectl " + String.join(" ", args) + ": exit " + r.exit() + ")");
        }
    }

    /** Points each container of a Deployment whose image is one of system.yaml's at the release's. */
    private void setImages(Map<String, Object> deployment, String registry, String tag) {
        Map<String, Object> podSpec = cast(cast(cast(deployment.get("spec")).get("template")).get("spec"));
        for (Object c : (List<?>) podSpec.get("containers")) {
            Map<String, Object> container = cast(c);
            String image = (String) container.get("image");
            String name = image.contains(":") ? image.substring(0, image.lastIndexOf(':')) : image;
            for (ServiceDefinition s : system.services().values()) {
                if (s.image().equals(name)) {
                    container.put("image", (registry == null || registry.isBlank() ? "" : registry.replaceAll("/+$", "")
                            + "/") + s.image() + ":" + tag);
                }
            }
        }
    }

    private static Path write(Path file, List<Object> objects) throws IOException {
        DumperOptions o = new DumperOptions();
        o.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        Files.writeString(file, new Yaml(o).dumpAll(objects.iterator()), StandardCharsets.UTF_8);
        return file;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Object o) {
        return (Map<String, Object>) o;
    }

    /** kubectl itself; in a dry run, only the read-only kustomize runs and everything else is printed. */
    public static Kubectl kubectl(boolean dryRun, PrintStream out) {
        return dryRun ? new DryRun(out) : Deploy::kubectl;
    }

    private static Result kubectl(List<String> args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add("kubectl");
        command.addAll(args);
        Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        String text;
        try (InputStream in = p.getInputStream()) {
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        return new Result(p.waitFor(), text);
    }

    /** Renders for real and prints every call that would read or change the cluster. */
    private record DryRun(PrintStream out) implements Kubectl {
        @Override
        public Result run(List<String> args) throws IOException, InterruptedException {
            if (args.getFirst().equals("kustomize")) {
                return kubectl(args);
            }
            out.println("  (dry run) kubectl " + String.join(" ", args));
            // A rollback's plan names the revisions each Deployment recorded; a dry run can only name them so.
            boolean recorded = args.stream().anyMatch(a -> a.contains("rollback-to-revision}"));
            return new Result(0, recorded ? "(the revision recorded before the last release)" : "");
        }
    }

    public static void main(String[] args) throws Exception {
        System.exit(command(args, System.out, System.err));
    }

    /** The command line: {@code apply|rollback ENV [options]}; returns the exit code (0 done, 1 failed, 2 misused). */
    public static int command(String[] args, PrintStream out, PrintStream err) throws IOException, InterruptedException {
        String usage = "usage: ./switchboard deploy apply ENV --tag TAG [--registry REGISTRY] [--url URL] [--timeout 600s] "
                + "[--dry-run]\n       ./switchboard deploy rollback ENV [--url URL] [--dry-run]";
        String tag = null;
        String registry = null;
        URI url = null;
        boolean dryRun = false;
        Duration timeout = Duration.ofMinutes(10);
        try {
            if (args.length < 2 || !List.of("apply", "rollback").contains(args[0])) {
                throw new IllegalArgumentException("which action (apply or rollback) and environment?");
            }
            for (int i = 2; i < args.length; i++) {
                switch (args[i]) {
                    case "--tag" -> tag = next(args, ++i);
                    case "--registry" -> registry = next(args, ++i);
                    case "--url" -> url = URI.create(next(args, ++i));
                    case "--timeout" -> timeout = Duration.ofSeconds(Long.parseLong(next(args, ++i).replaceAll("s$", "")));
                    case "--dry-run" -> dryRun = true;
                    default -> throw new IllegalArgumentException("unknown argument " + args[i]);
                }
            }
            if (args[0].equals("apply") && (tag == null || tag.isBlank())) {
                throw new IllegalArgumentException("apply needs --tag (the images' tag: ./switchboard deploy images "
                        + "printed it)");
            }
        } catch (IllegalArgumentException e) {
            err.println("switchboard deploy: " + e.getMessage());
            err.println(usage);
            return 2;
        }
        SystemDefinition system = SystemDefinition.load();
        try {
            Environment env = system.environment(args[1]);
            Deploy deploy = new Deploy(system, env, kubectl(dryRun, out), smokeTest(url, dryRun, out), out, timeout);
            if (args[0].equals("apply")) {
                deploy.apply(registry, tag, system.root().resolve("target/deploy").resolve(env.name()));
            } else {
                deploy.rollback();
            }
            return 0;
        } catch (DeployFailure | IllegalStateException | NullPointerException e) {
            err.println("switchboard deploy " + args[0] + " " + args[1] + ": " + e.getMessage());
            return 1;
        }
    }

    /** The smoke test through {@code url} (null: the environment's public URL), tokens from the environment. */
    private static SmokeTest smokeTest(URI url, boolean dryRun, PrintStream out) {
        String client = System.getenv("SWITCHBOARD_SMOKE_CLIENT_TOKEN");
        String operator = System.getenv("SWITCHBOARD_SMOKE_OPERATOR_TOKEN");
        return target -> {
            URI at = url != null ? url : target;
            if (dryRun) {
                out.println("  (dry run) smoke test through " + at + ": discovery, tracing, query, routing");
                return;
            }
            if (client == null || client.isBlank() || operator == null || operator.isBlank()) {
                throw new Smoke.Failure("SWITCHBOARD_SMOKE_CLIENT_TOKEN and SWITCHBOARD_SMOKE_OPERATOR_TOKEN are not set "
                        + "(tokens of the tenant kept for smoke tests; docs/deploy.md)");
            }
            Smoke.run(at, client, operator, Duration.ofSeconds(60), out);
        };
    }

    private static String next(String[] args, int i) {
        if (i >= args.length) {
            throw new IllegalArgumentException(args[i - 1] + " needs a value");
        }
        return args[i];
    }
}
