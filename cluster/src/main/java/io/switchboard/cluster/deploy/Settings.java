package io.switchboard.cluster.deploy;

import io.switchboard.cluster.SystemDefinition;
import io.switchboard.cluster.SystemDefinition.Environment;
import io.switchboard.cluster.SystemDefinition.Resource;
import io.switchboard.cluster.SystemDefinition.ServiceDefinition;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The values an environment gives the settings that differ between environments (system.yaml's {@code perEnvironment}):
 * its own {@code settings}, then what a store provided as a container implies (its address on the environment's
 * network, where the container is named as the resource), else empty (unset).
 */
final class Settings {
    private Settings() {
    }

    static Map<String, String> of(SystemDefinition system, Environment env) {
        for (String key : env.settings().keySet()) {
            if (!system.perEnvironment().contains(key)) {
                throw new IllegalStateException("deploy/environments/" + env.name() + ".yaml sets " + key + ", which "
                        + "is not one of system.yaml's perEnvironment settings " + system.perEnvironment());
            }
        }
        Map<String, String> implied = new LinkedHashMap<>();
        for (Map.Entry<String, String> store : env.stores().entrySet()) {
            Resource r = system.resource(store.getKey());
            switch (store.getValue()) {
                case "container" -> implied.putAll(containerSettings(r));
                case "managed" -> { } // the environment's settings say where it is
                default -> throw new IllegalStateException("deploy/environments/" + env.name() + ".yaml: stores."
                        + r.name() + " is " + store.getValue() + "; say container or managed");
            }
        }
        Map<String, String> values = new LinkedHashMap<>();
        for (String key : system.perEnvironment()) {
            values.put(key, env.settings().getOrDefault(key, implied.getOrDefault(key, "")));
        }
        return values;
    }

    /** What the services are told of a store that runs as a container named after its resource. */
    private static Map<String, String> containerSettings(Resource r) {
        return switch (r.kind()) {
            case "postgresql" -> Map.of("db.url", "jdbc:postgresql://" + r.name() + ":" + r.port() + "/" + r.database(),
                    "db.user", r.user());
            case "elasticsearch" -> Map.of("elasticsearch.urls", "http://" + r.name() + ":" + r.port());
            default -> throw new IllegalStateException("a " + r.kind() + " (resource " + r.name() + ") cannot run as "
                    + "a container store");
        };
    }

    /**
     * Whether a service in this environment needs the secret {@code key}: it always does ({@link #alwaysNeeded}),
     * the setting that makes it required has the value that does (auth.hs256-secret with auth.mode hs256), or the
     * store it is for is managed (a container store may run without it, as Elasticsearch without security does).
     */
    static boolean needed(SystemDefinition system, Environment env, ServiceDefinition service, String key) {
        if (alwaysNeeded(system, service, key)) {
            return true;
        }
        Map<String, String> values = of(system, env);
        if (system.required().stream().anyMatch(r -> r.key().equals(key) && r.whenKey() != null && r.appliesWith(values))) {
            return true;
        }
        return system.resources().values().stream()
                .anyMatch(r -> r.settings().contains(key) && "managed".equals(env.stores().get(r.name())));
    }

    /** Whether every deployment of the service must have {@code key}, whatever the environment. */
    static boolean alwaysNeeded(SystemDefinition system, ServiceDefinition service, String key) {
        return service.required().contains(key)
                || system.required().stream().anyMatch(r -> r.key().equals(key) && r.whenKey() == null);
    }

    /** The key of a setting in the ConfigMap switchboard-config or the Secret switchboard-secrets (dots as dashes). */
    static String objectKey(String setting) {
        return setting.replace('.', '-');
    }
}
