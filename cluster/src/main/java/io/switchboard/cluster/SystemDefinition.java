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
 * and that deploy-check holds docker-compose.yml and the Kubernetes overlays to.
 *
 * @param root         the repository root (where deploy/ is)
 * @param services     by name, in the file's order
 * @param required     settings a deployment must supply itself because no default works there, some only when
 *                     another setting has a given value (auth.jwks-url when auth.mode is jwks)
 * @param environments by name
 */
public record SystemDefinition(Path root, Map<String, ServiceDefinition> services, List<RequiredSetting> required,
                               Map<String, Environment> environments) {

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
     */
    public record ServiceDefinition(String name, String image, String main, String module, int port, int managementPort,
                                    List<String> paths,
                                    String health, String readiness, String metrics, String hazelcast,
                                    List<String> needs, List<String> config, List<String> secrets,
                                    List<String> required, Map<String, Integer> replicas,
                                    Map<String, String> resources) {
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
     * @param runs    how it runs (standalone, docker-compose, local-cluster, kubernetes)
     * @param overlay the Kubernetes overlay, for kubernetes environments
     * @param fixed   environment variables every service of it gets
     */
    public record Environment(String name, List<String> runs, String overlay, Map<String, String> fixed) {
    }

    /** Loads the definition from the repository that holds the working directory (or a parent of it). */
    public static SystemDefinition load() {
        return load(findRoot(Path.of("").toAbsolutePath()));
    }

    public static SystemDefinition load(Path root) {
        Map<String, Object> system = yaml(root.resolve("deploy/system.yaml"));
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
                Map<String, String> fixed = new LinkedHashMap<>();
                map(e, "fixed").forEach((k, v) -> fixed.put(k, String.valueOf(v)));
                Environment env = new Environment(string(e, "environment"), strings(e, "runs"), (String) e.get("overlay"), fixed);
                environments.put(env.name(), env);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list deploy/environments: " + e.getMessage(), e);
        }
        return new SystemDefinition(root, services, List.copyOf(required), environments);
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
                strings(s, "secrets"), strings(s, "required"), replicas, resources);
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

    private static String string(Map<String, Object> m, String key) {
        Object v = m.get(key);
        if (v == null) {
            throw new IllegalStateException("deploy definition: '" + key + "' is missing in " + m.keySet());
        }
        return String.valueOf(v);
    }
}
