package io.switchboard.cluster.deploy;

import static io.switchboard.cluster.deploy.Manifests.list;
import static io.switchboard.cluster.deploy.Manifests.map;

import io.switchboard.cluster.SystemDefinition;
import io.switchboard.cluster.SystemDefinition.Autoscale;
import io.switchboard.cluster.SystemDefinition.Environment;
import io.switchboard.cluster.SystemDefinition.Kubernetes;
import io.switchboard.cluster.SystemDefinition.Resource;
import io.switchboard.cluster.SystemDefinition.ServiceDefinition;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * The Kubernetes base (what every environment shares) and one overlay per environment that runs on Kubernetes, as
 * kustomize reads them ({@code kubectl apply -k deploy/k8s/overlays/<env>}).
 *
 * <p>What makes a roll safe is here: every pod template carries the labels its spread constraints select; the
 * per-environment settings are a generated ConfigMap whose name holds a hash of its content, so a change of them
 * rolls the pods and {@code rollout undo} brings the old ones back with the old ConfigMap, and the pod templates
 * carry the same content's checksum as an annotation; an autoscaled Deployment has no replica count of its own (its
 * HorizontalPodAutoscaler owns it); Hazelcast members share one PodDisruptionBudget, so that a drain never takes two
 * of them at once, and leave through a pre-stop hook that waits until the cluster is safe.
 */
final class KubernetesManifests {
    static final String BASE = "deploy/k8s/base/";
    static final String CONFIG_MAP = "switchboard-config";
    static final String SECRET = "switchboard-secrets";
    static final String NAME = "app.kubernetes.io/name";
    static final String PART_OF = "app.kubernetes.io/part-of";
    static final String MEMBER = "switchboard.io/hazelcast";
    static final String CHECKSUM = "switchboard.io/config-checksum";

    private KubernetesManifests() {
    }

    static void base(SystemDefinition system, Map<String, String> files) {
        files.put(BASE + "kustomization.yaml", Manifests.yaml(Manifests.header("What every environment shares; "
                + "overlays/ add the environment's namespace, settings (the ConfigMap " + CONFIG_MAP + "), replicas, "
                + "autoscaling, Ingress and stores."), map(
                "apiVersion", "kustomize.config.k8s.io/v1beta1",
                "kind", "Kustomization",
                // includeTemplates: the pods carry it too, which the spread constraints select on
                "labels", list(map("pairs", map(PART_OF, system.name()), "includeTemplates", true)),
                "resources", list("deployments.yaml", "services.yaml", "pdb.yaml"))));
        List<Object> deployments = new ArrayList<>();
        for (ServiceDefinition s : system.services().values()) {
            deployments.add(deployment(system, s));
        }
        files.put(BASE + "deployments.yaml", Manifests.yaml(Manifests.header("The four services. No replica count: "
                + "each overlay sets it, or leaves it to a HorizontalPodAutoscaler."), deployments));
        List<Object> services = new ArrayList<>();
        for (ServiceDefinition s : system.services().values()) {
            services.add(map("apiVersion", "v1", "kind", "Service",
                    "metadata", map("name", objectName(s), "labels", map(NAME, s.name())),
                    "spec", map("selector", map(NAME, s.name()),
                            "ports", list(map("name", "http", "port", s.port(), "targetPort", "http")))));
        }
        int hazelcastPort = system.resource("hazelcast").port();
        services.add(map("apiVersion", "v1", "kind", "Service",
                "metadata", map("name", "switchboard-hazelcast"),
                "spec", map("clusterIP", "None", "publishNotReadyAddresses", true,
                        "selector", map(MEMBER, "member"),
                        "ports", list(map("name", "hazelcast", "port", hazelcastPort, "targetPort", hazelcastPort)))));
        files.put(BASE + "services.yaml", Manifests.yaml(Manifests.header("A ClusterIP Service per service (the public "
                + "port only: /metrics stays on the management port, which names tenants), and the headless Service "
                + "the Hazelcast members find each other by (not-ready members included, so that they can join)."),
                services));
        List<Object> budgets = new ArrayList<>();
        budgets.add(map("apiVersion", "policy/v1", "kind", "PodDisruptionBudget",
                "metadata", map("name", "switchboard-hazelcast-members"),
                "spec", map("maxUnavailable", 1, "selector", map("matchLabels", map(MEMBER, "member")))));
        for (ServiceDefinition s : system.services().values()) {
            if (!s.member()) {
                budgets.add(map("apiVersion", "policy/v1", "kind", "PodDisruptionBudget",
                        "metadata", map("name", objectName(s)),
                        "spec", map("maxUnavailable", 1, "selector", map("matchLabels", map(NAME, s.name())))));
            }
        }
        files.put(BASE + "pdb.yaml", Manifests.yaml(Manifests.header("Voluntary disruptions (node drains) take one pod "
                + "at a time. Discovery and tracing are members of one Hazelcast cluster, so one budget covers both: a "
                + "drain never takes two members at once (one holding a partition's primary, the other its backup), "
                + "and it waits while a member that came back is not ready, which it is only once the cluster is safe "
                + "(its warm-up waits for that). maxUnavailable rather than minAvailable, so that a single replica "
                + "(dev) never blocks a drain for ever."), budgets));
    }

    private static Map<String, Object> deployment(SystemDefinition system, ServiceDefinition s) {
        Map<String, Object> labels = map(NAME, s.name(), MEMBER, s.member() ? "member" : null);
        List<Object> ports = list(map("name", "http", "containerPort", s.port()),
                map("name", "management", "containerPort", s.managementPort()));
        if (s.member()) {
            ports.add(map("name", "hazelcast", "containerPort", system.resource("hazelcast").port()));
        }
        Map<String, Object> container = map(
                "name", s.name(),
                "image", s.image(),
                "ports", ports,
                "env", env(system, s),
                "resources", map(
                        "requests", map("cpu", s.resources().get("cpu"), "memory", s.resources().get("memory")),
                        "limits", map("cpu", s.resources().get("cpuLimit"), "memory", s.resources().get("memoryLimit"))),
                // /health answers as soon as the process listens; /ready once it is warm (and, for a member, once it
                // found the cluster safe at start-up), never dependent on the other members afterwards
                "startupProbe", probe(s.health(), 5, 30),
                "livenessProbe", probe(s.health(), 10, 3),
                "readinessProbe", probe(s.readiness(), 5, 2),
                "lifecycle", s.preStop() == null ? null
                        : map("preStop", map("httpGet", map("path", s.preStop(), "port", "management"))),
                "securityContext", map("allowPrivilegeEscalation", false, "readOnlyRootFilesystem", true),
                "volumeMounts", list(map("name", "tmp", "mountPath", "/tmp")));
        return map(
                "apiVersion", "apps/v1",
                "kind", "Deployment",
                "metadata", map("name", objectName(s), "labels", labels),
                "spec", map(
                        "selector", map("matchLabels", map(NAME, s.name())),
                        "strategy", map("type", "RollingUpdate",
                                "rollingUpdate", map("maxUnavailable", 0, "maxSurge", 1)),
                        "template", map(
                                "metadata", map(
                                        "labels", map(NAME, s.name(), MEMBER, s.member() ? "member" : null),
                                        "annotations", map("prometheus.io/scrape", "true",
                                                "prometheus.io/port", Integer.toString(s.managementPort()),
                                                "prometheus.io/path", s.metrics())),
                                "spec", map(
                                        "securityContext", map("runAsNonRoot", true, "runAsUser", 10001),
                                        "terminationGracePeriodSeconds", s.gracePeriodSeconds(),
                                        "topologySpreadConstraints", list(map(
                                                "maxSkew", 1,
                                                "topologyKey", "kubernetes.io/hostname",
                                                "whenUnsatisfiable", "ScheduleAnyway",
                                                "labelSelector", map("matchLabels",
                                                        map(NAME, s.name(), PART_OF, system.name())))),
                                        "containers", list(container),
                                        "volumes", list(map("name", "tmp", "emptyDir", map()))))));
    }

    /** A service's environment: its own ports and Hazelcast role, then the environment's settings and the secrets. */
    private static List<Object> env(SystemDefinition system, ServiceDefinition s) {
        List<Object> env = list(
                value("http.port", Integer.toString(s.port())),
                value("http.management-port", Integer.toString(s.managementPort())),
                value("hazelcast.mode", s.hazelcast()),
                value("hazelcast.members", "k8s-dns:switchboard-hazelcast"));
        for (String key : system.perEnvironment()) {
            if (s.config().contains(key) && !s.secrets().contains(key)) {
                env.add(map("name", SystemDefinition.envName(key), "valueFrom", map("configMapKeyRef",
                        map("name", CONFIG_MAP, "key", Settings.objectKey(key)))));
            }
        }
        for (String key : s.secrets()) {
            env.add(map("name", SystemDefinition.envName(key), "valueFrom", map("secretKeyRef", map(
                    "name", SECRET, "key", Settings.objectKey(key),
                    "optional", Settings.alwaysNeeded(system, s, key) ? null : true))));
        }
        return env;
    }

    private static Map<String, Object> value(String key, String value) {
        return map("name", SystemDefinition.envName(key), "value", value);
    }

    private static Map<String, Object> probe(String path, int period, int failures) {
        return map("httpGet", map("path", path, "port", "http"), "periodSeconds", period, "failureThreshold", failures);
    }

    static void overlay(SystemDefinition system, Environment env, Map<String, String> files) {
        Kubernetes k8s = env.kubernetes();
        if (k8s == null || !("k8s/overlays/" + env.name()).equals(env.overlay())) {
            throw new IllegalStateException("deploy/environments/" + env.name() + ".yaml runs on Kubernetes: give it "
                    + "overlay: k8s/overlays/" + env.name() + " and a kubernetes section (namespace, host)");
        }
        if (!env.fixed().isEmpty()) {
            throw new IllegalStateException("deploy/environments/" + env.name() + ".yaml: fixed variables are for the "
                    + "local cluster and docker-compose; on Kubernetes give settings (system.yaml perEnvironment)");
        }
        String dir = "deploy/k8s/overlays/" + env.name() + "/";
        List<Object> resources = list("../../base", "ingress.yaml");
        Map<String, String> settings = Settings.of(system, env);
        List<Object> literals = list();
        settings.forEach((key, value) -> literals.add(Settings.objectKey(key) + "=" + value));
        List<Object> replicas = list();
        List<Object> autoscalers = new ArrayList<>();
        for (ServiceDefinition s : system.services().values()) {
            Autoscale a = k8s.autoscale().get(s.name());
            if (a == null) {
                replicas.add(map("name", objectName(s), "count", s.replicas(env.name())));
            } else if (s.member()) {
                throw new IllegalStateException("deploy/environments/" + env.name() + ".yaml autoscales " + s.name()
                        + ", a Hazelcast member: members keep a fixed count, so that data does not migrate with load");
            } else {
                autoscalers.add(map("apiVersion", "autoscaling/v2", "kind", "HorizontalPodAutoscaler",
                        "metadata", map("name", objectName(s)),
                        "spec", map("scaleTargetRef", map("apiVersion", "apps/v1", "kind", "Deployment", "name", objectName(s)),
                                "minReplicas", s.replicas(env.name()),
                                "maxReplicas", a.max(),
                                "metrics", list(map("type", "Resource", "resource", map("name", "cpu",
                                        "target", map("type", "Utilization", "averageUtilization", a.cpuPercent())))))));
            }
        }
        if (!autoscalers.isEmpty()) {
            resources.add("hpa.yaml");
            files.put(dir + "hpa.yaml", Manifests.yaml(Manifests.header("The autoscaled services of " + env.name()
                    + ": each HorizontalPodAutoscaler owns its Deployment's replica count, from system.yaml's replicas "
                    + "for this environment up to the environment's maximum."), autoscalers));
        }
        List<Object> stores = new ArrayList<>();
        env.stores().forEach((name, how) -> {
            if ("container".equals(how)) {
                stores.addAll(store(system.resource(name)));
            }
        });
        if (!stores.isEmpty()) {
            resources.add("stores.yaml");
            files.put(dir + "stores.yaml", Manifests.yaml(Manifests.header("The stores " + env.name() + " runs in the "
                    + "cluster, one replica each (managed ones elsewhere)."), stores));
        }
        files.put(dir + "ingress.yaml", Manifests.yaml(Manifests.header("The one public host name of " + env.name()
                + ", routed by path as standalone does" + (k8s.tlsSecret() == null ? " (plain HTTP: no TLS here)."
                : ", over TLS with the certificate in the Secret " + k8s.tlsSecret() + ".")), ingress(system, k8s)));
        List<Object> images = list();
        for (ServiceDefinition s : system.services().values()) {
            images.add(map("name", s.image(), "newTag", system.imageTag()));
        }
        files.put(dir + "kustomization.yaml", Manifests.yaml(Manifests.header("Environment " + env.name() + " (deploy/"
                + "environments/" + env.name() + ".yaml): kubectl apply -k deploy/k8s/overlays/" + env.name() + ", after "
                + "creating the Secret " + SECRET + " (docs/deploy.md). deploy/deploy.sh sets the images' tags."), map(
                "apiVersion", "kustomize.config.k8s.io/v1beta1",
                "kind", "Kustomization",
                "namespace", k8s.namespace(),
                "resources", resources,
                "images", images,
                "replicas", replicas,
                // a hash of the content becomes part of the name: a change rolls the pods, and undoing the rollout
                // brings the old ConfigMap back with the old pods
                "configMapGenerator", list(map("name", CONFIG_MAP, "literals", literals)),
                "commonAnnotations", map(CHECKSUM, checksum(settings)))));
    }

    private static Map<String, Object> ingress(SystemDefinition system, Kubernetes k8s) {
        String timeout = Integer.toString(system.gateway().idleTimeoutSeconds());
        List<Object> paths = list();
        for (ServiceDefinition s : system.services().values()) {
            for (String path : s.paths()) {
                paths.add(map("path", path, "pathType", "Prefix", "backend", map("service",
                        map("name", objectName(s), "port", map("number", s.port())))));
            }
        }
        return map(
                "apiVersion", "networking.k8s.io/v1",
                "kind", "Ingress",
                "metadata", map("name", "switchboard", "annotations", map(
                        "nginx.ingress.kubernetes.io/proxy-read-timeout", timeout,
                        "nginx.ingress.kubernetes.io/proxy-send-timeout", timeout,
                        "nginx.ingress.kubernetes.io/proxy-body-size", system.gateway().maxBodySize(),
                        "nginx.ingress.kubernetes.io/proxy-buffering", "off",
                        "cert-manager.io/cluster-issuer", k8s.tlsIssuer())),
                "spec", map(
                        "ingressClassName", "nginx",
                        "tls", k8s.tlsSecret() == null ? null
                                : list(map("hosts", list(k8s.host()), "secretName", k8s.tlsSecret())),
                        "rules", list(map("host", k8s.host(), "http", map("paths", paths)))));
    }

    /** A store in the cluster: a StatefulSet of one with its volume, and its Service (named as the resource). */
    private static List<Object> store(Resource r) {
        Map<String, Object> container;
        String storage;
        switch (r.kind()) {
            case "postgresql" -> {
                container = map("name", r.name(), "image", r.image(),
                        "env", list(map("name", "POSTGRES_DB", "value", r.database()),
                                map("name", "POSTGRES_USER", "value", r.user()),
                                map("name", "POSTGRES_PASSWORD", "valueFrom", map("secretKeyRef",
                                        map("name", SECRET, "key", Settings.objectKey("db.password")))),
                                map("name", "PGDATA", "value", "/var/lib/postgresql/data/pgdata")),
                        "ports", list(map("name", "store", "containerPort", r.port())),
                        "readinessProbe", map("exec", map("command", list("pg_isready", "-U", r.user())), "periodSeconds", 5),
                        "resources", map("requests", map("cpu", "100m", "memory", "256Mi"),
                                "limits", map("cpu", "1", "memory", "512Mi")),
                        "volumeMounts", list(map("name", "data", "mountPath", "/var/lib/postgresql/data")));
                storage = "2Gi";
            }
            case "elasticsearch" -> {
                container = map("name", r.name(), "image", r.image(),
                        "env", list(map("name", "discovery.type", "value", "single-node"),
                                map("name", "xpack.security.enabled", "value", "false"),
                                map("name", "ES_JAVA_OPTS", "value", "-Xms512m -Xmx512m")),
                        "ports", list(map("name", "store", "containerPort", r.port())),
                        "readinessProbe", map("httpGet", map("path", "/_cluster/health", "port", "store"), "periodSeconds", 10),
                        "resources", map("requests", map("cpu", "250m", "memory", "1Gi"),
                                "limits", map("cpu", "1", "memory", "1536Mi")),
                        "volumeMounts", list(map("name", "data", "mountPath", "/usr/share/elasticsearch/data")));
                storage = "5Gi";
            }
            default -> throw new IllegalStateException("no container for a " + r.kind());
        }
        Map<String, Object> set = map("apiVersion", "apps/v1", "kind", "StatefulSet",
                "metadata", map("name", r.name()),
                "spec", map("serviceName", r.name(), "replicas", 1,
                        "selector", map("matchLabels", map(NAME, r.name())),
                        "template", map("metadata", map("labels", map(NAME, r.name())),
                                "spec", map("containers", list(container))),
                        "volumeClaimTemplates", list(map("metadata", map("name", "data"),
                                "spec", map("accessModes", list("ReadWriteOnce"),
                                        "resources", map("requests", map("storage", storage)))))));
        Map<String, Object> service = map("apiVersion", "v1", "kind", "Service",
                "metadata", map("name", r.name()),
                "spec", map("selector", map(NAME, r.name()),
                        "ports", list(map("name", "store", "port", r.port(), "targetPort", "store"))));
        return List.of(set, service);
    }

    static String objectName(ServiceDefinition s) {
        return "switchboard-" + s.name();
    }

    /** SHA-256 of the settings, as the pod templates' annotation (the ConfigMap's name holds kustomize's own hash). */
    static String checksum(Map<String, String> settings) {
        StringBuilder text = new StringBuilder();
        settings.forEach((k, v) -> text.append(k).append('=').append(v).append('\n'));
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(text.toString().getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
