package io.switchboard.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.cluster.SystemDefinition;
import io.switchboard.cluster.SystemDefinition.Environment;
import io.switchboard.cluster.SystemDefinition.ServiceDefinition;
import io.switchboard.common.hazelcast.HazelcastConnector;
import io.switchboard.common.service.HttpHostVerticle;
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
 * Renders every Kubernetes overlay with {@code kubectl kustomize} (what {@code kubectl apply -k} applies) and checks
 * the result against deploy/system.yaml and the environment: every service present with its ports, probes,
 * resources, replicas (or its autoscaler), configuration values and secrets as defined, every required setting
 * supplied, selectors matching the labels they are meant to, members stopping safely, routed by the Ingress (over
 * TLS where the environment says), images tagged, the settings' checksum on every pod template, and no secret
 * written into the repository.
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
        Environment env = SYSTEM.environment(overlay);
        for (ServiceDefinition service : SYSTEM.services().values()) {
            String name = service.name();
            Map<String, Object> deployment = find(objects, "Deployment", "switchboard-" + name);
            Map<String, Object> spec = map(deployment, "spec");
            Optional<Map<String, Object>> hpa = optional(objects, "HorizontalPodAutoscaler", "switchboard-" + name);
            if (env.kubernetes().autoscale().containsKey(name)) {
                // Its HorizontalPodAutoscaler owns the count: a replicas field would reset it on every apply.
                assertThat(spec).as(overlay + ": " + name + " is autoscaled, so its Deployment sets no replicas")
                        .doesNotContainKey("replicas");
                assertThat(hpa).as(overlay + ": the autoscaler of " + name).isPresent();
                assertThat(map(hpa.get(), "spec")).containsEntry("minReplicas", service.replicas(overlay))
                        .containsEntry("maxReplicas", env.kubernetes().autoscale().get(name).max());
                assertThat(map(map(hpa.get(), "spec"), "scaleTargetRef"))
                        .containsEntry("kind", "Deployment").containsEntry("name", "switchboard-" + name);
            } else {
                assertThat(spec.get("replicas")).as(overlay + ": replicas of " + name).isEqualTo(service.replicas(overlay));
                assertThat(hpa).as(overlay + ": " + name + " keeps a fixed count").isEmpty();
            }
            Map<String, Object> template = map(spec, "template");
            Map<String, Object> pod = map(template, "spec");
            Map<String, Object> container = container(pod);
            String image = string(container, "image");
            assertThat(image).as(overlay + ": image of " + name).startsWith(service.image() + ":")
                    .doesNotEndWith(":latest").doesNotEndWith(":");
            assertThat(containerPort(container, "http")).as(overlay + ": port of " + name).isEqualTo(service.port());
            // Metrics name tenants: scraped on the management port, which the Service (and so the Ingress) never exposes.
            assertThat(containerPort(container, "management")).as(overlay + ": management port of " + name)
                    .isEqualTo(service.managementPort());
            assertThat(map(map(template, "metadata"), "annotations"))
                    .containsEntry("prometheus.io/port", Integer.toString(service.managementPort()));
            assertThat(probePath(container, "readinessProbe")).isEqualTo(service.readiness());
            assertThat(probePath(container, "livenessProbe")).isEqualTo(service.health());
            assertThat(probePath(container, "startupProbe")).isEqualTo(service.health());
            for (String probe : List.of("readinessProbe", "livenessProbe", "startupProbe")) {
                assertThat(string(map(map(container, probe), "httpGet"), "port")).as(overlay + ": " + probe + " of " + name)
                        .isEqualTo("http");
            }
            Map<String, Object> resources = map(container, "resources");
            assertThat(map(resources, "requests")).as(overlay + ": requests of " + name)
                    .containsEntry("cpu", service.resources().get("cpu")).containsEntry("memory", service.resources().get("memory"));
            assertThat(map(resources, "limits")).as(overlay + ": limits of " + name)
                    .containsEntry("cpu", service.resources().get("cpuLimit"))
                    .containsEntry("memory", service.resources().get("memoryLimit"));
            checkEnvironment(overlay, service, container);
            checkValues(objects, env, service, container);
            assertThat(map(map(template, "metadata"), "labels").get("switchboard.io/hazelcast"))
                    .as(overlay + ": " + name + " is a Hazelcast " + service.hazelcast())
                    .isEqualTo(service.member() ? "member" : null);
            checkStopping(overlay, service, pod, container);
            Map<String, Object> svc = find(objects, "Service", "switchboard-" + name);
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> svcPorts = (List<Map<String, Object>>) map(svc, "spec").get("ports");
            assertThat(svcPorts.getFirst().get("port")).isEqualTo(service.port());
            assertThat(svcPorts).as(overlay + ": ports of Service switchboard-" + name)
                    .noneMatch(p -> Integer.valueOf(service.managementPort()).equals(p.get("port"))
                            || Integer.valueOf(service.managementPort()).equals(p.get("targetPort"))
                            || "management".equals(p.get("targetPort")));
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
        assertThat(Selectors.problems(objects)).as(overlay + ": selectors against labels").isEmpty();
        checkIngress(overlay, env, objects);
        checkConfigChecksum(overlay, objects);
    }

    /**
     * The values a pod gets: its own ports and role as system.yaml says, each setting the environment gives (through
     * the ConfigMap, whatever name kustomize gave it), and for a managed store everything the service reads of it.
     */
    private static void checkValues(List<Map<String, Object>> objects, Environment env, ServiceDefinition service,
                                    Map<String, Object> container) {
        Map<String, Optional<String>> values = resolve(objects, container);
        String where = env.name() + ": " + service.name() + " ";
        assertThat(values.get(SystemDefinition.envName("http.port"))).as(where + "http.port").contains(Integer.toString(service.port()));
        assertThat(values.get(SystemDefinition.envName("http.management-port"))).as(where + "http.management-port")
                .contains(Integer.toString(service.managementPort()));
        assertThat(values.get(SystemDefinition.envName("hazelcast.mode"))).as(where + "hazelcast.mode").contains(service.hazelcast());
        env.settings().forEach((key, value) -> {
            if (service.config().contains(key)) {
                assertThat(values.get(SystemDefinition.envName(key))).as(where + key + " (deploy/environments/"
                        + env.name() + ".yaml)").isNotNull().contains(value);
            }
        });
        for (String store : service.needs()) {
            if (!"managed".equals(env.stores().get(store))) {
                continue;
            }
            for (String key : SYSTEM.resource(store).settings()) {
                if (!service.config().contains(key)) {
                    continue;
                }
                Optional<String> v = values.get(SystemDefinition.envName(key));
                // a managed store's user name matters as much as its password: without it no credentials are sent
                assertThat(v).as(where + "reaches the managed " + store + " with " + key).isNotNull();
                v.ifPresent(text -> assertThat(text).as(where + key).isNotBlank());
            }
        }
    }

    /**
     * How a replica stops: a member through its pre-stop hook (the management port's route that waits until the
     * cluster is safe to leave), with a grace period long enough for that wait, the migration of its partitions
     * and closing; every service within its own grace period.
     */
    private static void checkStopping(String overlay, ServiceDefinition service, Map<String, Object> pod,
                                      Map<String, Object> container) {
        assertThat(pod.get("terminationGracePeriodSeconds")).as(overlay + ": grace period of " + service.name())
                .isEqualTo(service.gracePeriodSeconds());
        if (!service.member()) {
            return;
        }
        assertThat(service.preStop()).as(service.name() + ": a member's pre-stop route").isEqualTo(HttpHostVerticle.PRE_STOP_PATH);
        Map<String, Object> hook = map(map(map(container, "lifecycle"), "preStop"), "httpGet");
        assertThat(hook).as(overlay + ": pre-stop hook of " + service.name()).containsEntry("path", service.preStop())
                .containsEntry("port", "management");
        long needed = HazelcastConnector.PRE_STOP_WAIT.toSeconds() + HazelcastConnector.GRACEFUL_SHUTDOWN.toSeconds() + 20;
        assertThat((long) service.gracePeriodSeconds()).as(service.name() + ": grace period against pre-stop wait, "
                + "migration and closing").isGreaterThanOrEqualTo(needed);
    }

    private static void checkIngress(String overlay, Environment env, List<Map<String, Object>> objects) {
        Map<String, Object> ingress = objects.stream().filter(o -> "Ingress".equals(o.get("kind"))).findFirst().orElseThrow();
        @SuppressWarnings("unchecked")
        List<Map<String, Object>> rules = (List<Map<String, Object>>) map(ingress, "spec").get("rules");
        assertThat(rules).as(overlay + ": Ingress hosts").extracting(r -> r.get("host")).containsExactly(env.kubernetes().host());
        Object tls = map(ingress, "spec").get("tls");
        if (env.kubernetes().tlsSecret() == null) {
            assertThat(tls).as(overlay + ": TLS").isNull();
            return;
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> first = ((List<Map<String, Object>>) tls).getFirst();
        assertThat(first).as(overlay + ": TLS of the Ingress").containsEntry("secretName", env.kubernetes().tlsSecret());
        assertThat(String.valueOf(first.get("hosts"))).contains(env.kubernetes().host());
        if (env.kubernetes().tlsIssuer() != null) {
            assertThat(map(map(ingress, "metadata"), "annotations"))
                    .containsEntry("cert-manager.io/cluster-issuer", env.kubernetes().tlsIssuer());
        }
    }

    /** Pod templates carry the checksum of the settings their ConfigMap holds, so a change of them is a new rollout. */
    private static void checkConfigChecksum(String overlay, List<Map<String, Object>> objects) throws Exception {
        List<Map<String, Object>> maps = objects.stream().filter(o -> "ConfigMap".equals(o.get("kind"))).toList();
        assertThat(maps).as(overlay + ": one ConfigMap of settings").hasSize(1);
        assertThat(string(map(maps.getFirst(), "metadata"), "name")).as(overlay + ": its name carries a hash of its content")
                .matches("switchboard-config-[a-z0-9]{10}");
        Map<String, Object> data = map(maps.getFirst(), "data");
        StringBuilder text = new StringBuilder();
        for (String key : SYSTEM.perEnvironment()) {
            text.append(key).append('=').append(data.getOrDefault(key.replace('.', '-'), "")).append('\n');
        }
        String sum = java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256")
                .digest(text.toString().getBytes(StandardCharsets.UTF_8)));
        for (Map<String, Object> o : objects) {
            if ("Deployment".equals(o.get("kind"))) {
                assertThat(map(map(map(map(o, "spec"), "template"), "metadata"), "annotations"))
                        .as(overlay + ": checksum of " + map(o, "metadata").get("name"))
                        .containsEntry("switchboard.io/config-checksum", sum);
            }
        }
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
                  - target: {kind: ConfigMap, name: switchboard-config.*}
                    patch: |-
                      - {op: replace, path: /data/auth-jwks-url, value: ""}
                """.formatted(prod));
        assertThat(missingSettings(render(dir))).isNotEmpty()
                .allMatch(p -> p.contains("auth.jwks-url (when auth.mode=jwks) must be set") && p.contains("empty"))
                .hasSize(SYSTEM.services().size());

        Files.writeString(dir.resolve("kustomization.yaml"), """
                resources: [%s]
                patches:
                  - target: {kind: ConfigMap, name: switchboard-config.*}
                    patch: |-
                      - {op: remove, path: /data/db-url}
                """.formatted(prod));
        assertThat(missingSettings(render(dir)))
                .hasSize(2)
                .satisfiesExactly(
                        p -> assertThat(p).matches("routing: SWITCHBOARD_DB_URL refers to key db-url of ConfigMap "
                                + "switchboard-config-[a-z0-9]+, which has no such key"),
                        p -> assertThat(p).isEqualTo("routing: db.url must be set, but SWITCHBOARD_DB_URL is not set"));
    }

    /** The selector check catches labels a spread constraint or a budget does not find, and a pod under two budgets. */
    @Test
    void selectorsThatMissTheirPodsOrOverlapFailTheCheck(@TempDir Path dir) throws Exception {
        Path prod = dir.toRealPath().relativize(SYSTEM.root().resolve("deploy/k8s/overlays/prod").toRealPath());
        Files.writeString(dir.resolve("extra-budget.yaml"), """
                apiVersion: policy/v1
                kind: PodDisruptionBudget
                metadata: {name: discovery-only}
                spec: {maxUnavailable: 1, selector: {matchLabels: {app.kubernetes.io/name: discovery}}}
                """);
        Files.writeString(dir.resolve("kustomization.yaml"), """
                resources: [%s, extra-budget.yaml]
                patches:
                  - target: {kind: Deployment, name: switchboard-query}
                    patch: |-
                      - {op: remove, path: /spec/template/metadata/labels/app.kubernetes.io~1part-of}
                """.formatted(prod));
        assertThat(Selectors.problems(render(dir))).hasSize(2).anySatisfy(p -> assertThat(p)
                .startsWith("Deployment switchboard-query: its spread constraint selects")
                .contains("spreads nothing")).anySatisfy(p -> assertThat(p)
                .startsWith("Deployment switchboard-discovery: its pods fall under 2 disruption budgets"));
    }

    /** Every required setting each Deployment leaves unset, or refers to a ConfigMap key that is not there. */
    private static List<String> missingSettings(List<Map<String, Object>> objects) {
        List<String> problems = new ArrayList<>();
        for (ServiceDefinition service : SYSTEM.services().values()) {
            Map<String, Object> container = container(map(map(map(find(objects, "Deployment", "switchboard-" + service.name()),
                    "spec"), "template"), "spec"));
            Map<String, Optional<String>> env = resolve(objects, container);
            for (Map<String, Object> var : envList(container)) {
                if (!env.containsKey(string(var, "name"))) {
                    Map<String, Object> ref = map(map(var, "valueFrom"), "configMapKeyRef");
                    problems.add(service.name() + ": " + var.get("name") + " refers to key " + ref.get("key") + " of ConfigMap "
                            + ref.get("name") + ", which has no such key");
                }
            }
            problems.addAll(RequiredSettings.missing(SYSTEM, service, env));
        }
        return problems;
    }

    /**
     * A container's environment as the pod sees it: literal values, ConfigMap keys looked up in the rendered
     * ConfigMap (a variable whose key is missing is left out), and an empty value for what a Secret supplies (made
     * outside the repository).
     */
    private static Map<String, Optional<String>> resolve(List<Map<String, Object>> objects, Map<String, Object> container) {
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
                Optional<Map<String, Object>> cm = optional(objects, "ConfigMap", string(ref, "name"));
                Map<String, Object> data = cm.map(c -> map(c, "data")).orElse(null);
                if (data != null && data.containsKey(string(ref, "key"))) {
                    env.put(name, Optional.of(String.valueOf(data.get(string(ref, "key")))));
                }
            } else {
                env.put(name, Optional.empty()); // from a Secret, created outside the repository
            }
        }
        return env;
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
        return optional(objects, kind, name)
                .orElseThrow(() -> new AssertionError("no " + kind + " named " + name + " in the rendered overlay"));
    }

    private static Optional<Map<String, Object>> optional(List<Map<String, Object>> objects, String kind, String name) {
        return objects.stream().filter(o -> kind.equals(o.get("kind")) && name.equals(map(o, "metadata").get("name")))
                .findFirst();
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
