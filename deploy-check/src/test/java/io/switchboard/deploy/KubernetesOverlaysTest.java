package io.switchboard.deploy;

import static io.switchboard.deploy.SystemDefinition.envName;
import static io.switchboard.deploy.SystemDefinition.list;
import static io.switchboard.deploy.SystemDefinition.map;
import static io.switchboard.deploy.SystemDefinition.port;
import static io.switchboard.deploy.SystemDefinition.string;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.yaml.snakeyaml.Yaml;

/**
 * Renders every Kubernetes overlay with {@code kubectl kustomize} and checks it against deploy/system.yaml: every
 * service present with its port, probes, resources, replicas, configuration and secrets as defined, routed by the
 * Ingress, images tagged, and no secret written into the repository.
 */
class KubernetesOverlaysTest {

    static Stream<String> overlays() throws IOException {
        try (Stream<Path> dirs = Files.list(SystemDefinition.load().root().resolve("deploy/k8s/overlays"))) {
            return dirs.map(p -> p.getFileName().toString()).sorted().toList().stream();
        }
    }

    @ParameterizedTest(name = "overlay {0}")
    @MethodSource("overlays")
    void theOverlayMatchesTheSystemDefinition(String overlay) throws Exception {
        SystemDefinition system = SystemDefinition.load();
        List<Map<String, Object>> objects = render(system.root().resolve("deploy/k8s/overlays/" + overlay));
        for (var entry : system.services().entrySet()) {
            String name = entry.getKey();
            Map<String, Object> service = entry.getValue();
            Map<String, Object> deployment = find(objects, "Deployment", "switchboard-" + name);
            Map<String, Object> spec = map(deployment, "spec");
            assertThat(spec.get("replicas")).as(overlay + ": replicas of " + name)
                    .isEqualTo(map(service, "replicas").get(overlay));
            Map<String, Object> pod = map(map(spec, "template"), "spec");
            @SuppressWarnings("unchecked")
            Map<String, Object> container = ((List<Map<String, Object>>) pod.get("containers")).getFirst();
            String image = string(container, "image");
            assertThat(image).as(overlay + ": image of " + name).startsWith(string(service, "image") + ":")
                    .doesNotEndWith(":latest").doesNotEndWith(":");
            assertThat(containerPort(container, "http")).as(overlay + ": port of " + name).isEqualTo(port(service));
            assertThat(probePath(container, "readinessProbe")).isEqualTo(string(service, "readiness"));
            assertThat(probePath(container, "livenessProbe")).isEqualTo(string(service, "health"));
            Map<String, Object> resources = map(container, "resources");
            Map<String, Object> wanted = map(service, "resources");
            assertThat(map(resources, "requests")).as(overlay + ": requests of " + name)
                    .containsEntry("cpu", wanted.get("cpu")).containsEntry("memory", wanted.get("memory"));
            assertThat(map(resources, "limits")).as(overlay + ": limits of " + name)
                    .containsEntry("cpu", wanted.get("cpuLimit")).containsEntry("memory", wanted.get("memoryLimit"));
            checkEnvironment(overlay, name, service, container);
            boolean member = "member".equals(service.get("hazelcast"));
            assertThat(map(map(map(spec, "template"), "metadata"), "labels").get("switchboard.io/hazelcast"))
                    .as(overlay + ": " + name + " is a Hazelcast " + service.get("hazelcast"))
                    .isEqualTo(member ? "member" : null);
            Map<String, Object> svc = find(objects, "Service", "switchboard-" + name);
            @SuppressWarnings("unchecked")
            Map<String, Object> svcPort = ((List<Map<String, Object>>) map(svc, "spec").get("ports")).getFirst();
            assertThat(svcPort.get("port")).isEqualTo(port(service));
            find(objects, "PodDisruptionBudget", "switchboard-" + name);
            for (String path : list(service, "paths")) {
                assertThat(ingressBackend(objects, path)).as(overlay + ": Ingress route of " + path)
                        .isEqualTo("switchboard-" + name + ":" + port(service));
            }
        }
        find(objects, "Service", "switchboard-hazelcast");
        for (Map<String, Object> o : objects) {
            if ("Secret".equals(o.get("kind"))) {
                assertThat(o).as(overlay + ": a Secret with values in the repository").doesNotContainKeys("data", "stringData");
            }
        }
    }

    private static void checkEnvironment(String overlay, String name, Map<String, Object> service, Map<String, Object> container) {
        List<String> allowed = list(service, "config").stream().map(SystemDefinition::envName).toList();
        List<String> secret = list(service, "secrets").stream().map(SystemDefinition::envName).toList();
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> env = (List<Map<String, Object>>) container.get("env");
        List<String> names = new ArrayList<>();
        for (Map<String, Object> var : env) {
            String varName = string(var, "name");
            names.add(varName);
            assertThat(allowed).as(overlay + ": " + name + " sets " + varName + ", which system.yaml does not list").contains(varName);
            if (secret.contains(varName) || varName.contains("SECRET") || varName.contains("PASSWORD")) {
                assertThat(var).as(overlay + ": " + varName + " of " + name + " must come from a Secret").doesNotContainKey("value");
                assertThat(map(map(var, "valueFrom"), "secretKeyRef")).isNotNull();
            }
        }
        assertThat(names).as(overlay + ": secrets of " + name).containsAll(secret);
        assertThat(names).contains(envName("http.port"), envName("hazelcast.mode"), envName("hazelcast.members"));
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
