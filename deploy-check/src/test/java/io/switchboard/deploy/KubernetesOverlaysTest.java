package io.switchboard.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.cluster.SystemDefinition;
import io.switchboard.cluster.SystemDefinition.Environment;
import io.switchboard.cluster.SystemDefinition.ServiceDefinition;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.yaml.snakeyaml.Yaml;

/**
 * Renders every Kubernetes overlay with {@code kubectl kustomize} and checks it against deploy/system.yaml: every
 * service present with its port, probes, resources, replicas, configuration and secrets as defined, every required
 * setting supplied, routed by the Ingress, images tagged, and no secret written into the repository.
 */
class KubernetesOverlaysTest {
    private static final SystemDefinition SYSTEM = SystemDefinition.load();

    static Stream<String> overlays() throws IOException {
        try (Stream<Path> dirs = Files.list(SYSTEM.root().resolve("deploy/k8s/overlays"))) {
            return dirs.map(p -> p.getFileName().toString()).sorted().toList().stream();
        }
    }

    @ParameterizedTest(name = "overlay {0}")
    @MethodSource("overlays")
    void theOverlayMatchesTheSystemDefinition(String overlay) throws Exception {
        List<Map<String, Object>> objects = render(SYSTEM.root().resolve("deploy/k8s/overlays/" + overlay));
        for (ServiceDefinition service : SYSTEM.services().values()) {
            String name = service.name();
            Map<String, Object> deployment = find(objects, "Deployment", "switchboard-" + name);
            Map<String, Object> spec = map(deployment, "spec");
            assertThat(spec.get("replicas")).as(overlay + ": replicas of " + name).isEqualTo(service.replicas(overlay));
            Map<String, Object> pod = map(map(spec, "template"), "spec");
            Map<String, Object> container = container(pod);
            String image = string(container, "image");
            assertThat(image).as(overlay + ": image of " + name).startsWith(service.image() + ":")
                    .doesNotEndWith(":latest").doesNotEndWith(":");
            assertThat(containerPort(container, "http")).as(overlay + ": port of " + name).isEqualTo(service.port());
            // Metrics name tenants: scraped on the management port, which the Service (and so the Ingress) never exposes.
            assertThat(containerPort(container, "management")).as(overlay + ": management port of " + name)
                    .isEqualTo(service.managementPort());
            assertThat(map(map(map(spec, "template"), "metadata"), "annotations"))
                    .containsEntry("prometheus.io/port", Integer.toString(service.managementPort()));
            assertThat(probePath(container, "readinessProbe")).isEqualTo(service.readiness());
            assertThat(probePath(container, "livenessProbe")).isEqualTo(service.health());
            Map<String, Object> resources = map(container, "resources");
            assertThat(map(resources, "requests")).as(overlay + ": requests of " + name)
                    .containsEntry("cpu", service.resources().get("cpu")).containsEntry("memory", service.resources().get("memory"));
            assertThat(map(resources, "limits")).as(overlay + ": limits of " + name)
                    .containsEntry("cpu", service.resources().get("cpuLimit"))
                    .containsEntry("memory", service.resources().get("memoryLimit"));
            checkEnvironment(overlay, service, container);
            assertThat(map(map(map(spec, "template"), "metadata"), "labels").get("switchboard.io/hazelcast"))
                    .as(overlay + ": " + name + " is a Hazelcast " + service.hazelcast())
                    .isEqualTo(service.member() ? "member" : null);
            Map<String, Object> svc = find(objects, "Service", "switchboard-" + name);
            @SuppressWarnings("unchecked")
            Map<String, Object> svcPort = ((List<Map<String, Object>>) map(svc, "spec").get("ports")).getFirst();
            assertThat(svcPort.get("port")).isEqualTo(service.port());
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> svcPorts = (List<Map<String, Object>>) map(svc, "spec").get("ports");
            assertThat(svcPorts).as(overlay + ": ports of Service switchboard-" + name)
                    .noneMatch(p -> Integer.valueOf(service.managementPort()).equals(p.get("port"))
                            || Integer.valueOf(service.managementPort()).equals(p.get("targetPort"))
                            || "management".equals(p.get("targetPort")));
            find(objects, "PodDisruptionBudget", "switchboard-" + name);
            for (String path : service.paths()) {
                assertThat(ingressBackend(objects, path)).as(overlay + ": Ingress route of " + path)
                        .isEqualTo("switchboard-" + name + ":" + service.port());
            }
        }
        find(objects, "Service", "switchboard-hazelcast");
        for (Map<String, Object> o : objects) {
            if ("Secret".equals(o.get("kind"))) {
                assertThat(o).as(overlay + ": a Secret with values in the repository").doesNotContainKeys("data", "stringData");
            }
        }
        assertThat(missingSettings(objects)).as(overlay + ": required settings").isEmpty();
    }

    @Test
    void everyKubernetesEnvironmentHasItsOverlayAndEveryOverlayAnEnvironment() throws IOException {
        List<String> overlays = overlays().toList();
        List<String> named = new ArrayList<>();
        for (Environment env : SYSTEM.environments().values()) {
            if (env.runs().contains("kubernetes")) {
                assertThat(env.overlay()).as("environment " + env.name() + " runs on Kubernetes: its overlay")
                        .isEqualTo("k8s/overlays/" + env.name());
                named.add(env.name());
            }
            for (ServiceDefinition s : SYSTEM.services().values()) {
                assertThat(s.replicas()).as("replicas of " + s.name() + " in environment " + env.name()).containsKey(env.name());
            }
        }
        assertThat(overlays).as("overlays (deploy/k8s/overlays) and Kubernetes environments (deploy/environments)")
                .containsExactlyInAnyOrderElementsOf(named);
    }

    /** The check of required settings catches an overlay that would crash-loop, whichever way the setting is lost. */
    @Test
    void aRequiredSettingThatNoOverlayProvidesFailsTheCheck(@TempDir Path dir) throws Exception {
        // kustomize takes a base only by a relative path
        Path prod = dir.toRealPath().relativize(SYSTEM.root().resolve("deploy/k8s/overlays/prod").toRealPath());
        Files.writeString(dir.resolve("kustomization.yaml"), """
                resources: [%s]
                patches:
                  - target: {kind: ConfigMap, name: switchboard-endpoints}
                    patch: |-
                      - {op: replace, path: /data/auth-jwks-url, value: ""}
                """.formatted(prod));
        assertThat(missingSettings(render(dir))).isNotEmpty()
                .allMatch(p -> p.contains("auth.jwks-url (when auth.mode=jwks) must be set") && p.contains("empty"))
                .hasSize(SYSTEM.services().size());

        Files.writeString(dir.resolve("kustomization.yaml"), """
                resources: [%s]
                patches:
                  - target: {kind: ConfigMap, name: switchboard-endpoints}
                    patch: |-
                      - {op: remove, path: /data/db-url}
                """.formatted(prod));
        assertThat(missingSettings(render(dir)))
                .containsExactly("routing: SWITCHBOARD_DB_URL refers to key db-url of ConfigMap switchboard-endpoints, which has no such key",
                        "routing: db.url must be set, but SWITCHBOARD_DB_URL is not set");
    }

    /** Every required setting each Deployment leaves unset, or refers to a ConfigMap key that is not there. */
    private static List<String> missingSettings(List<Map<String, Object>> objects) {
        List<String> problems = new ArrayList<>();
        for (ServiceDefinition service : SYSTEM.services().values()) {
            Map<String, Object> container = container(map(map(map(find(objects, "Deployment", "switchboard-" + service.name()),
                    "spec"), "template"), "spec"));
            Map<String, Optional<String>> env = new LinkedHashMap<>();
            for (Map<String, Object> var : envList(container)) {
                String name = string(var, "name");
                if (var.containsKey("value")) {
                    env.put(name, Optional.of(String.valueOf(var.get("value"))));
                    continue;
                }
                Map<String, Object> from = map(var, "valueFrom");
                if (from.containsKey("configMapKeyRef")) {
                    Map<String, Object> ref = map(from, "configMapKeyRef");
                    Map<String, Object> data = map(find(objects, "ConfigMap", string(ref, "name")), "data");
                    if (data == null || !data.containsKey(string(ref, "key"))) {
                        problems.add(service.name() + ": " + name + " refers to key " + ref.get("key") + " of ConfigMap "
                                + ref.get("name") + ", which has no such key");
                        continue;
                    }
                    env.put(name, Optional.of(String.valueOf(data.get(string(ref, "key")))));
                } else {
                    env.put(name, Optional.empty()); // from a Secret, created outside the repository
                }
            }
            problems.addAll(RequiredSettings.missing(SYSTEM, service, env));
        }
        return problems;
    }

    private static void checkEnvironment(String overlay, ServiceDefinition service, Map<String, Object> container) {
        List<String> allowed = service.config().stream().map(SystemDefinition::envName).toList();
        List<String> secret = service.secrets().stream().map(SystemDefinition::envName).toList();
        List<String> names = new ArrayList<>();
        for (Map<String, Object> var : envList(container)) {
            String varName = string(var, "name");
            names.add(varName);
            assertThat(allowed).as(overlay + ": " + service.name() + " sets " + varName + ", which system.yaml does not list")
                    .contains(varName);
            if (secret.contains(varName) || varName.contains("SECRET") || varName.contains("PASSWORD")) {
                assertThat(var).as(overlay + ": " + varName + " of " + service.name() + " must come from a Secret")
                        .doesNotContainKey("value");
                assertThat(map(map(var, "valueFrom"), "secretKeyRef")).isNotNull();
            }
        }
        assertThat(names).as(overlay + ": secrets of " + service.name()).containsAll(secret);
        assertThat(names).contains(SystemDefinition.envName("http.port"), SystemDefinition.envName("hazelcast.mode"),
                SystemDefinition.envName("hazelcast.members"));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> container(Map<String, Object> pod) {
        return ((List<Map<String, Object>>) pod.get("containers")).getFirst();
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> envList(Map<String, Object> container) {
        return (List<Map<String, Object>>) container.getOrDefault("env", List.of());
    }

    @SuppressWarnings("unchecked")
    private static int containerPort(Map<String, Object> container, String portName) {
        return ((List<Map<String, Object>>) container.get("ports")).stream().filter(p -> portName.equals(p.get("name")))
                .map(p -> ((Number) p.get("containerPort")).intValue()).findFirst().orElse(-1);
    }

    private static String probePath(Map<String, Object> container, String probe) {
        return string(map(map(container, probe), "httpGet"), "path");
    }

    /** The backend the Ingress sends a path to: the longest matching prefix, as ingress controllers do. */
    @SuppressWarnings("unchecked")
    private static String ingressBackend(List<Map<String, Object>> objects, String path) {
        Map<String, Object> ingress = objects.stream().filter(o -> "Ingress".equals(o.get("kind"))).findFirst().orElseThrow();
        String best = null;
        int bestLength = -1;
        for (Map<String, Object> rule : (List<Map<String, Object>>) map(ingress, "spec").get("rules")) {
            for (Map<String, Object> p : (List<Map<String, Object>>) map(rule, "http").get("paths")) {
                String prefix = string(p, "path");
                if ((path.equals(prefix) || path.startsWith(prefix.endsWith("/") ? prefix : prefix + "/") || "/".equals(prefix))
                        && prefix.length() > bestLength) {
                    Map<String, Object> svc = map(map(p, "backend"), "service");
                    best = svc.get("name") + ":" + map(svc, "port").get("number");
                    bestLength = prefix.length();
                }
            }
        }
        return best;
    }

    private static Map<String, Object> find(List<Map<String, Object>> objects, String kind, String name) {
        return objects.stream().filter(o -> kind.equals(o.get("kind")) && name.equals(map(o, "metadata").get("name")))
                .findFirst().orElseThrow(() -> new AssertionError("no " + kind + " named " + name + " in the rendered overlay"));
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Map<String, Object> m, String key) {
        return (Map<String, Object>) m.get(key);
    }

    static String string(Map<String, Object> m, String key) {
        return String.valueOf(m.get(key));
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> render(Path overlay) throws Exception {
        Process p;
        try {
            p = new ProcessBuilder("kubectl", "kustomize", overlay.toString()).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new AssertionError("kubectl is needed to render the Kubernetes overlays (kubectl kustomize); install it", e);
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("kubectl kustomize " + overlay + ":\n" + out).isZero();
        List<Map<String, Object>> objects = new ArrayList<>();
        for (Object doc : new Yaml().loadAll(out)) {
            if (doc != null) {
                objects.add((Map<String, Object>) doc);
            }
        }
        return objects;
    }
}
