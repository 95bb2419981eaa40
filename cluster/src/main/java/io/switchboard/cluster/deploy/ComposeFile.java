package io.switchboard.cluster.deploy;

import static io.switchboard.cluster.deploy.Manifests.list;
import static io.switchboard.cluster.deploy.Manifests.map;

import io.switchboard.cluster.SystemDefinition;
import io.switchboard.cluster.SystemDefinition.Environment;
import io.switchboard.cluster.SystemDefinition.Resource;
import io.switchboard.cluster.SystemDefinition.ServiceDefinition;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * docker-compose.yml: the environment that runs on docker-compose (test), one container per service, its stores as
 * containers, the gateway on the public port. Secrets come from the shell or a .env file, never from the file.
 */
final class ComposeFile {
    private ComposeFile() {
    }

    static String render(SystemDefinition system, Environment env) {
        Map<String, Object> services = new LinkedHashMap<>();
        Map<String, Object> volumes = new LinkedHashMap<>();
        for (Map.Entry<String, String> store : env.stores().entrySet()) {
            if (!"container".equals(store.getValue())) {
                throw new IllegalStateException("docker-compose runs every store as a container, but deploy/environments/"
                        + env.name() + ".yaml says " + store.getKey() + " is " + store.getValue());
            }
            Resource r = system.resource(store.getKey());
            services.put(r.name(), store(r));
            volumes.put(r.name() + "-data", map());
        }
        String members = system.services().values().stream().filter(ServiceDefinition::member)
                .map(s -> s.name() + ":" + system.resource("hazelcast").port()).collect(Collectors.joining(","));
        for (ServiceDefinition s : system.services().values()) {
            services.put(s.name(), service(system, env, s, members));
        }
        services.put("gateway", map(
                "image", system.gateway().image(),
                "restart", "unless-stopped",
                "ports", list(system.publicPort() + ":" + system.publicPort()),
                "volumes", list("./deploy/gateway/nginx.conf:/etc/nginx/nginx.conf:ro"),
                "depends_on", list(system.services().keySet().toArray())));
        Map<String, Object> compose = map("name", system.name(), "services", services, "volumes", volumes);
        return Manifests.yaml(Manifests.header("Environment " + env.name() + " in containers on one machine "
                + "(deploy/environments/" + env.name() + ".yaml), one container of each service. Needs a .env (or the "
                + "shell's environment) with the secrets named below (SWITCHBOARD_AUTH_HS256_SECRET, "
                + "SWITCHBOARD_DB_PASSWORD) and SWITCHBOARD_TAG, the tag of the images that ./switchboard deploy images built "
                + "(docker load -i target/images/<service>.tar). See docs/deploy.md."),
                compose);
    }

    private static Map<String, Object> service(SystemDefinition system, Environment env, ServiceDefinition s, String members) {
        Map<String, Object> vars = new LinkedHashMap<>();
        vars.put(SystemDefinition.envName("http.port"), Integer.toString(s.port()));
        vars.put(SystemDefinition.envName("http.management-port"), Integer.toString(s.managementPort()));
        vars.put(SystemDefinition.envName("hazelcast.mode"), s.hazelcast());
        vars.put(SystemDefinition.envName("hazelcast.members"), members);
        Settings.of(system, env).forEach((key, value) -> {
            if (s.config().contains(key) && !value.isEmpty()) {
                vars.put(SystemDefinition.envName(key), value);
            }
        });
        env.fixed().forEach((var, value) -> {
            if (s.config().stream().map(SystemDefinition::envName).anyMatch(var::equals)) {
                vars.put(var, value);
            }
        });
        for (String secret : s.secrets()) {
            if (Settings.needed(system, env, s, secret)) {
                vars.put(SystemDefinition.envName(secret), fromOutside(SystemDefinition.envName(secret)));
            }
        }
        Map<String, Object> dependsOn = new LinkedHashMap<>();
        for (String need : s.needs()) {
            if (env.stores().containsKey(need)) {
                dependsOn.put(need, map("condition", "service_healthy"));
            }
        }
        if (!s.member()) {
            system.services().values().stream().filter(ServiceDefinition::member)
                    .forEach(m -> dependsOn.put(m.name(), map("condition", "service_started")));
        }
        return map(
                // The images ./switchboard deploy images builds (docker load -i target/images/<service>.tar).
                "image", s.image() + ":${SWITCHBOARD_TAG:?set SWITCHBOARD_TAG to the tag ./switchboard deploy images "
                        + "printed, after docker load of its tars}",
                "restart", "unless-stopped",
                "stop_grace_period", s.gracePeriodSeconds() + "s",
                "environment", vars,
                "depends_on", dependsOn.isEmpty() ? null : dependsOn,
                "healthcheck", map("test", list("CMD-SHELL", "curl -fsS http://localhost:" + s.port() + s.readiness()
                        + " || exit 1"), "interval", "10s"));
    }

    private static Map<String, Object> store(Resource r) {
        return switch (r.kind()) {
            case "postgresql" -> map(
                    "image", r.image(),
                    "restart", "unless-stopped",
                    "environment", map("POSTGRES_DB", r.database(), "POSTGRES_USER", r.user(),
                            "POSTGRES_PASSWORD", fromOutside(SystemDefinition.envName("db.password"))),
                    "volumes", list(r.name() + "-data:/var/lib/postgresql/data"),
                    "healthcheck", map("test", list("CMD-SHELL", "pg_isready -U " + r.user() + " -d " + r.database()),
                            "interval", "5s"));
            case "elasticsearch" -> map(
                    "image", r.image(),
                    "restart", "unless-stopped",
                    "environment", map("discovery.type", "single-node", "xpack.security.enabled", "false",
                            "ES_JAVA_OPTS", "-Xms512m -Xmx512m"),
                    "volumes", list(r.name() + "-data:/usr/share/elasticsearch/data"),
                    "healthcheck", map("test", list("CMD-SHELL", "curl -fsS http://localhost:" + r.port()
                            + "/_cluster/health || exit 1"), "interval", "10s"));
            default -> throw new IllegalStateException("no container for a " + r.kind());
        };
    }

    /** A variable docker-compose must be given (by the shell or .env): it stops with this message otherwise. */
    private static String fromOutside(String var) {
        return "${" + var + ":?set " + var + " in .env or the environment}";
    }
}
