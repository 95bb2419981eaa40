package io.switchboard.cluster;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;
import org.yaml.snakeyaml.Yaml;

/**
 * deploy/system.yaml and deploy/environments/*.yaml: the one definition of the system that the local cluster runs
 * and that docker-compose.yml, the gateway's configuration and the Kubernetes manifests are rendered from
 * ({@link io.switchboard.cluster.deploy.Render}).
 *
 * @param root           the repository root (where deploy/ is)
 * @param name           the system's name (docker-compose's project)
 * @param publicPort     the gateway's one public port
 * @param imageTag       the image tag the committed manifests name (CI deploys each commit's own)
 * @param resources      the abstract resources (hazelcast, postgres, elasticsearch) by name
 * @param gateway        the public entry point's image and limits
 * @param perEnvironment settings whose values differ per environment (from its {@code settings} or its stores)
 * @param services       by name, in the file's order
 * @param required       settings a deployment must supply itself because no default works there, some only when
 *                       another setting has a given value (auth.jwks-url when auth.mode is jwks)
 * @param environments   by name
 */
public record SystemDefinition(Path root, String name, int publicPort, String imageTag, Map<String, Resource> resources,
                               Gateway gateway, List<String> perEnvironment,
                               Map<String, ServiceDefinition> services, List<RequiredSetting> required,
                               Map<String, Environment> environments) {

    /**
     * An abstract resource: {@code kind} cluster (Hazelcast), postgresql or elasticsearch, with what a container of
     * it needs (image, port), for PostgreSQL the database and user, and the configuration keys through which
     * services reach it.
     */
    public record Resource(String name, String kind, String image, int port, String database, String user,
                           List<String> settings) {
    }

    /** The public entry point: nginx's image (docker-compose), the largest request body, the WebSocket idle time-out. */
    public record Gateway(String image, String maxBodySize, int idleTimeoutSeconds) {
    }

    /**
     * How an environment runs on Kubernetes.
     *
     * @param namespace    where its objects go
     * @param host         the Ingress's host name
     * @param tlsSecret    the Secret holding the Ingress's certificate, or null for no TLS (a local cluster)
     * @param tlsIssuer    the cert-manager ClusterIssuer that fills {@code tlsSecret}, or null
     * @param autoscale    services scaled by a HorizontalPodAutoscaler (which then owns their replica count)
     */
    public record Kubernetes(String namespace, String host, String tlsSecret, String tlsIssuer,
                             Map<String, Autoscale> autoscale) {
    }

    /** A HorizontalPodAutoscaler: from the service's replicas in the environment up to {@code max}, on CPU. */
    public record Autoscale(int max, int cpuPercent) {
    }

    /**
     * One service as system.yaml defines it.
     *
     * @param managementPort where /metrics is served, apart from the public port
     * @param hazelcast  member (holds data) or client
     * @param config     the configuration keys it reads from the environment
     * @param secrets    those of them that are secrets (never written as values)
     * @param required   keys every deployment of it must set (besides the system-wide {@link #required})
     * @param replicas   replicas per environment
     * @param resources  cpu, memory, cpuLimit, memoryLimit
     * @param preStop    the management port's route that a replica's pre-stop hook calls (members: it answers once
     *                   the cluster is safe to leave), or null
     * @param gracePeriodSeconds how long a stopping replica may take (pre-stop, then SIGTERM) before it is killed
     */
    public record ServiceDefinition(String name, String image, String main, String module, int port, int managementPort,
                                    List<String> paths,
                                    String health, String readiness, String metrics, String hazelcast,
                                    List<String> needs, List<String> config, List<String> secrets,
                                    List<String> required, Map<String, Integer> replicas,
                                    Map<String, String> resources, String preStop, int gracePeriodSeconds) {
        public boolean member() {
            return "member".equals(hazelcast);
        }

        public int replicas(String environment) {
            Integer n = replicas.get(environment);
            if (n == null) {
                throw new IllegalStateException("deploy/system.yaml gives service " + name + " no replicas for environment "
                        + environment + "; add replicas." + environment);
            }
            return n;
        }
    }

    /** A setting that must be supplied, always ({@code whenKey} null) or when {@code whenKey} has {@code whenValue}. */
    public record RequiredSetting(String key, String whenKey, String whenValue) {
        public boolean appliesWith(Map<String, String> settings) {
            return whenKey == null || whenValue.equals(settings.get(whenKey));
        }

        @Override
        public String toString() {
            return whenKey == null ? key : key + " (when " + whenKey + "=" + whenValue + ")";
        }
    }

    /**
     * One environment of deploy/environments.
     *
     * @param runs       how it runs (standalone, docker-compose, local-cluster, kubernetes)
     * @param overlay    the Kubernetes overlay, for kubernetes environments
     * @param fixed      environment variables every service of it gets
     * @param stores     how each store resource is provided: container or managed
     * @param settings   values of {@link #perEnvironment} settings (a managed store's endpoint, how tokens are verified)
     * @param kubernetes how it runs on Kubernetes, or null
     */
    public record Environment(String name, List<String> runs, String overlay, Map<String, String> fixed,
                              Map<String, String> stores, Map<String, String> settings, Kubernetes kubernetes) {
        public boolean runs(String how) {
            return runs.contains(how);
        }

        /** How the store resource is provided here: container or managed. */
        public String store(String resource) {
            String how = stores.get(resource);
            if (how == null) {
                throw new IllegalStateException("deploy/environments/" + name + ".yaml does not say how " + resource
                        + " is provided; add stores." + resource + " (container or managed)");
            }
            return how;
        }
    }

    /** Loads the definition from the repository that holds the working directory (or a parent of it). */
    public static SystemDefinition load() {
        return load(findRoot(Path.of("").toAbsolutePath()));
    }

    public static SystemDefinition load(Path root) {
        Map<String, Object> system = yaml(root.resolve("deploy/system.yaml"));
        Map<String, Resource> resources = new LinkedHashMap<>();
        map(system, "resources").forEach((name, value) -> {
            Map<String, Object> r = cast(value);
            resources.put(name, new Resource(name, string(r, "kind"), (String) r.get("image"),
                    ((Number) r.getOrDefault("port", 0)).intValue(), (String) r.get("database"), (String) r.get("user"),
                    strings(r, "settings")));
        });
        Map<String, Object> g = map(system, "gateway");
        Gateway gateway = new Gateway(string(g, "image"), string(g, "maxBodySize"),
                ((Number) g.get("idleTimeoutSeconds")).intValue());
        Map<String, ServiceDefinition> services = new LinkedHashMap<>();
        map(system, "services").forEach((name, value) -> services.put(name, service(name, cast(value))));
        List<RequiredSetting> required = new ArrayList<>();
        for (Object r : list(system, "required")) {
            Map<String, Object> m = cast(r);
            String when = (String) m.get("when");
            if (when == null) {
                required.add(new RequiredSetting(string(m, "key"), null, null));
            } else {
                String[] kv = when.split("=", 2);
                required.add(new RequiredSetting(string(m, "key"), kv[0].strip(), kv[1].strip()));
            }
        }
        Map<String, Environment> environments = new LinkedHashMap<>();
        try (Stream<Path> files = Files.list(root.resolve("deploy/environments"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                Map<String, Object> e = yaml(f);
                Environment env = new Environment(string(e, "environment"), strings(e, "runs"), (String) e.get("overlay"),
                        strings(map(e, "fixed")), strings(map(e, "stores")), strings(map(e, "settings")),
                        e.containsKey("kubernetes") ? kubernetes(map(e, "kubernetes")) : null);
                environments.put(env.name(), env);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list deploy/environments: " + e.getMessage(), e);
        }
        return new SystemDefinition(root, string(system, "name"), ((Number) system.get("publicPort")).intValue(), string(system, "imageTag"),
                resources, gateway, strings(system, "perEnvironment"), services, List.copyOf(required), environments);
    }

    private static Kubernetes kubernetes(Map<String, Object> k) {
        Map<String, Object> tls = map(k, "tls");
        Map<String, Autoscale> autoscale = new LinkedHashMap<>();
        map(k, "autoscale").forEach((service, value) -> {
            Map<String, Object> a = cast(value);
            autoscale.put(service, new Autoscale(((Number) a.get("max")).intValue(), ((Number) a.get("cpuPercent")).intValue()));
        });
        return new Kubernetes(string(k, "namespace"), string(k, "host"), (String) tls.get("secret"),
                (String) tls.get("clusterIssuer"), autoscale);
    }

    public Resource resource(String name) {
        return Objects.requireNonNull(resources.get(name), () -> "deploy/system.yaml has no resource " + name);
    }

    public ServiceDefinition service(String name) {
        return Objects.requireNonNull(services.get(name), () -> "deploy/system.yaml has no service " + name);
    }

    public Environment environment(String name) {
        return Objects.requireNonNull(environments.get(name), () -> "deploy/environments has no " + name + ".yaml");
    }

    /** The environment variable that sets a configuration key (as ConfigSource reads it). */
    public static String envName(String key) {
        return "SWITCHBOARD_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /** The directory above {@code from} (or itself) that holds deploy/system.yaml. */
    public static Path findRoot(Path from) {
        for (Path p = from; p != null; p = p.getParent()) {
            if (Files.exists(p.resolve("deploy/system.yaml"))) {
                return p;
            }
        }
        throw new IllegalStateException("deploy/system.yaml not found in " + from + " or above it; run from the "
                + "Switchboard repository");
    }

    private static ServiceDefinition service(String name, Map<String, Object> s) {
        Map<String, Integer> replicas = new LinkedHashMap<>();
        map(s, "replicas").forEach((env, n) -> replicas.put(env, ((Number) n).intValue()));
        Map<String, String> resources = new LinkedHashMap<>();
        map(s, "resources").forEach((k, v) -> resources.put(k, String.valueOf(v)));
        return new ServiceDefinition(name, string(s, "image"), string(s, "main"), string(s, "module"),
                ((Number) s.get("port")).intValue(), ((Number) s.get("managementPort")).intValue(), strings(s, "paths"), string(s, "health"), string(s, "readiness"),
                string(s, "metrics"), string(s, "hazelcast"), strings(s, "needs"), strings(s, "config"),
                strings(s, "secrets"), strings(s, "required"), replicas, resources, (String) s.get("preStop"),
                ((Number) s.get("gracePeriodSeconds")).intValue());
    }

    private static Map<String, Object> yaml(Path file) {
        try (Reader in = Files.newBufferedReader(file)) {
            Map<String, Object> doc = new Yaml().load(in);
            if (doc == null) {
                throw new IllegalStateException(file + " is empty");
            }
            return doc;
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Object o) {
        return (Map<String, Object>) o;
    }

    private static Map<String, Object> map(Map<String, Object> m, String key) {
        Object v = m.get(key);
        return v == null ? Map.of() : cast(v);
    }

    private static List<Object> list(Map<String, Object> m, String key) {
        Object v = m.get(key);
        return v == null ? List.of() : List.copyOf((List<?>) v);
    }

    private static List<String> strings(Map<String, Object> m, String key) {
        return list(m, key).stream().map(String::valueOf).toList();
    }

    private static Map<String, String> strings(Map<String, Object> m) {
        Map<String, String> out = new LinkedHashMap<>();
        m.forEach((k, v) -> out.put(k, String.valueOf(v)));
        return out;
    }

    private static String string(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (v == null) {
            throw new IllegalStateException("deploy definition: '" + key + "' is missing in " + m.keySet());
        }
        return String.valueOf(v);
    }
}
