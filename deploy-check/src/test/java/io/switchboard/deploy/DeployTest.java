package io.switchboard.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.cluster.SystemDefinition;
import io.switchboard.cluster.SystemDefinition.Environment;
import io.switchboard.cluster.SystemDefinition.ServiceDefinition;
import io.switchboard.cluster.deploy.Deploy;
import io.switchboard.cluster.deploy.Smoke;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * The delivery script ({@code ./switchboard deploy apply|rollback}) against the rendered overlays: what it applies,
 * in which order, with which images, and what it does when a rollout or the smoke test fails. Rendering runs the
 * real {@code kubectl kustomize}; the cluster's answers come from a stand-in (no cluster runs here).
 */
class DeployTest {
    private static final SystemDefinition SYSTEM = SystemDefinition.load();

    @TempDir
    Path dir;

    /** kubectl with the real kustomize and a scripted cluster: every other call is recorded and answered. */
    private static final class Cluster implements Deploy.Kubectl {
        final List<String> calls = new ArrayList<>();
        final Map<String, String> revisions = new HashMap<>();
        final Map<String, String> rollbackAnnotations = new HashMap<>();
        Predicate<String> failing = call -> false;

        @Override
        public Deploy.Result run(List<String> args) throws java.io.IOException, InterruptedException {
            if (args.getFirst().equals("kustomize")) {
                return Deploy.kubectl(false, System.out).run(args);
            }
            String call = String.join(" ", args);
            calls.add(call);
            if (failing.test(call)) {
                return new Deploy.Result(1, "");
            }
            String target = args.stream().filter(a -> a.startsWith("deployment/")).findFirst().orElse("")
                    .replace("deployment/", "");
            if (call.contains(" get ") && call.contains("rollback-to-revision")) {
                return new Deploy.Result(0, rollbackAnnotations.getOrDefault(target, ""));
            }
            if (call.contains(" get ")) {
                return new Deploy.Result(0, revisions.getOrDefault(target, ""));
            }
            if (call.contains(" apply ") && target.isEmpty()) {
                // A Deployment's stage file names one: its revision moves on.
                String file = args.get(args.indexOf("-f") + 1);
                String name = Path.of(file).getFileName().toString().replaceAll("^\\d+-|\\.yaml$", "");
                String key = "switchboard-" + name;
                if (revisions.containsKey(key)) {
                    revisions.put(key, Integer.toString(Integer.parseInt(revisions.get(key)) + 1));
                }
            }
            return new Deploy.Result(0, "");
        }

        List<String> matching(String part) {
            return calls.stream().filter(c -> c.contains(part)).toList();
        }
    }

    private static List<Environment> kubernetesEnvironments() {
        return SYSTEM.environments().values().stream().filter(e -> e.runs("kubernetes")).toList();
    }

    @Test
    @SuppressWarnings("unchecked")
    void everyOverlayIsAppliedSharedObjectsFirstThenEachDeploymentAloneWithTheReleasesImages() throws Exception {
        assertThat(kubernetesEnvironments()).extracting(Environment::name).contains("dev", "staging", "prod");
        for (Environment env : kubernetesEnvironments()) {
            Cluster cluster = new Cluster();
            List<URI> smoked = new ArrayList<>();
            Deploy deploy = new Deploy(SYSTEM, env, cluster, smoked::add, quiet(), Duration.ofMinutes(5));
            Path stages = dir.resolve(env.name());
            deploy.apply("registry.example.com/acme/", "abc123def456", stages);

            // Order: shared objects, then each Deployment applied and waited for before the next, then the smoke test.
            List<String> expected = new ArrayList<>(List.of("apply -f " + stages.resolve("00-shared.yaml")));
            int i = 1;
            for (ServiceDefinition s : SYSTEM.services().values()) {
                expected.add("apply -f " + stages.resolve(String.format("%02d-%s.yaml", i++, s.name())));
                expected.add("rollout status deployment/switchboard-" + s.name());
            }
            List<String> actions = cluster.calls.stream().filter(c -> c.contains(" apply ") || c.contains(" rollout "))
                    .toList();
            assertThat(actions).as(env.name() + ": the calls").hasSize(expected.size());
            for (int k = 0; k < expected.size(); k++) {
                assertThat(actions.get(k)).as(env.name() + ": call " + k).contains(expected.get(k))
                        .startsWith("-n " + env.kubernetes().namespace() + " ");
            }
            assertThat(List.copyOf(SYSTEM.services().keySet()).subList(0, 2)).as("members first, discovery before tracing")
                    .containsExactly("discovery", "tracing");
            assertThat(smoked).containsExactly(Deploy.publicUrl(env));

            // What the stages hold: every object of the overlay once; no Deployment among the shared ones; each
            // Deployment alone, on the release's image; the ConfigMap its pods name is in the shared stage.
            String rendered = Deploy.kubectl(false, System.out).run(List.of("kustomize",
                    SYSTEM.root().resolve("deploy").resolve(env.overlay()).toString())).out();
            List<Map<String, Object>> all = load(rendered);
            List<Map<String, Object>> shared = load(Files.readString(stages.resolve("00-shared.yaml")));
            assertThat(shared).noneMatch(o -> "Deployment".equals(o.get("kind")));
            int deployments = 0;
            i = 1;
            for (ServiceDefinition s : SYSTEM.services().values()) {
                List<Map<String, Object>> stage = load(Files.readString(stages.resolve(String.format("%02d-%s.yaml", i++, s.name()))));
                assertThat(stage).hasSize(1);
                Map<String, Object> d = stage.getFirst();
                assertThat(d.get("kind")).isEqualTo("Deployment");
                Map<String, Object> pod = KubernetesOverlaysTest.map(KubernetesOverlaysTest.map(
                        KubernetesOverlaysTest.map(d, "spec"), "template"), "spec");
                List<Map<String, Object>> containers = (List<Map<String, Object>>) pod.get("containers");
                assertThat(containers.getFirst().get("image"))
                        .isEqualTo("registry.example.com/acme/" + s.image() + ":abc123def456");
                String config = rendered.lines().filter(l -> l.contains("name: switchboard-config-")).findFirst()
                        .orElseThrow().strip().replace("name: ", "");
                assertThat(Files.readString(stages.resolve(String.format("%02d-%s.yaml", i - 1, s.name()))))
                        .as(s.name() + " names the shared ConfigMap").contains(config);
                deployments++;
            }
            assertThat(shared.size() + deployments).as(env.name() + ": every object of the overlay, once").isEqualTo(all.size());
        }
    }

    @Test
    void aRolloutThatFailsReturnsWhatChangedAndTouchesNothingAfterIt() throws Exception {
        Environment prod = SYSTEM.environment("prod");
        Cluster cluster = new Cluster();
        SYSTEM.services().keySet().forEach(s -> cluster.revisions.put("switchboard-" + s, "7"));
        cluster.failing = call -> call.contains("rollout status deployment/switchboard-tracing")
                && cluster.matching("rollout undo").isEmpty();
        List<URI> smoked = new ArrayList<>();
        Deploy deploy = new Deploy(SYSTEM, prod, cluster, smoked::add, quiet(), Duration.ofMinutes(5));
        assertThatThrownBy(() -> deploy.apply(null, "bad1", dir.resolve("prod")))
                .isInstanceOf(Deploy.DeployFailure.class).hasMessageContaining("switchboard-tracing")
                .hasMessageContaining("rolled back");
        // Each changed Deployment recorded its revision first, and goes back to it: discovery, then tracing.
        assertThat(cluster.matching("annotate deployment/switchboard-discovery " + Deploy.ROLLBACK_ANNOTATION + "=7")).hasSize(1);
        assertThat(cluster.matching("rollout undo")).containsExactly(
                "-n switchboard rollout undo deployment/switchboard-discovery --to-revision=7",
                "-n switchboard rollout undo deployment/switchboard-tracing --to-revision=7");
        // Nothing after the failed rollout was applied, and no smoke test ran on a half-rolled release.
        assertThat(cluster.matching("switchboard-query")).noneMatch(c -> c.contains(" apply ") || c.contains("rollout"));
        assertThat(cluster.matching("03-query.yaml")).isEmpty();
        assertThat(smoked).isEmpty();
    }

    @Test
    void aFailedSmokeTestRollsEverythingBackAndRollbackIsOneCommand() throws Exception {
        Environment staging = SYSTEM.environment("staging");
        Cluster cluster = new Cluster();
        SYSTEM.services().keySet().forEach(s -> cluster.revisions.put("switchboard-" + s, "3"));
        Deploy.SmokeTest failingSmoke = url -> {
            throw new Smoke.Failure("query: the acknowledged log in GET /api/v1/logs: not seen within 60 s");
        };
        Deploy deploy = new Deploy(SYSTEM, staging, cluster, failingSmoke, quiet(), Duration.ofMinutes(5));
        assertThatThrownBy(() -> deploy.apply("r", "t2", dir.resolve("staging"))).hasMessageContaining("query");
        assertThat(cluster.matching("rollout undo")).hasSize(SYSTEM.services().size())
                .allMatch(c -> c.endsWith("--to-revision=3"));

        // The one-command rollback of the release applied last: to the revisions recorded on each Deployment.
        Cluster after = new Cluster();
        SYSTEM.services().keySet().forEach(s -> {
            after.revisions.put("switchboard-" + s, "5");
            after.rollbackAnnotations.put("switchboard-" + s, "4");
        });
        List<URI> smoked = new ArrayList<>();
        new Deploy(SYSTEM, staging, after, smoked::add, quiet(), Duration.ofMinutes(5)).rollback();
        List<String> undo = after.matching("rollout undo");
        assertThat(undo).hasSize(SYSTEM.services().size()).allMatch(c -> c.endsWith("--to-revision=4"));
        assertThat(undo.getFirst()).contains("switchboard-discovery");
        assertThat(undo.get(1)).contains("switchboard-tracing");
        assertThat(smoked).containsExactly(Deploy.publicUrl(staging));
        // Nothing recorded: nothing to roll back, said plainly.
        assertThatThrownBy(() -> new Deploy(SYSTEM, staging, new Cluster(), smoked::add, quiet(), Duration.ofMinutes(5))
                .rollback()).hasMessageContaining("nothing to roll back");
    }

    @Test
    void theCommandsDryRunPrintsThePlanAndChangesNothing() throws Exception {
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(text, true, StandardCharsets.UTF_8);
        Environment prod = SYSTEM.environment("prod");
        new Deploy(SYSTEM, prod, Deploy.kubectl(true, out), url -> out.println("smoke " + url), out, Duration.ofMinutes(1))
                .apply("ghcr.io/acme", "0123456789ab", dir.resolve("dry"));
        String plan = text.toString(StandardCharsets.UTF_8);
        assertThat(plan).contains("(dry run) kubectl -n switchboard apply -f")
                .contains("(dry run) kubectl -n switchboard rollout status deployment/switchboard-discovery")
                .contains("smoke https://" + prod.kubernetes().host());
        assertThat(plan.indexOf("switchboard-discovery --timeout")).isLessThan(plan.indexOf("switchboard-tracing --timeout"));
    }

    private static PrintStream quiet() {
        return new PrintStream(java.io.OutputStream.nullOutputStream());
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> load(String yaml) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Object o : new Yaml().loadAll(yaml)) {
            if (o != null) {
                out.add((Map<String, Object>) o);
            }
        }
        return out;
    }
}
