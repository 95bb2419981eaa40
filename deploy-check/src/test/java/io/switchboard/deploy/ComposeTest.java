package io.switchboard.deploy;

import static io.switchboard.deploy.KubernetesOverlaysTest.map;
import static io.switchboard.deploy.KubernetesOverlaysTest.string;
import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.cluster.SystemDefinition;
import io.switchboard.cluster.SystemDefinition.Environment;
import io.switchboard.cluster.SystemDefinition.ServiceDefinition;
import java.io.Reader;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * docker-compose.yml and its gateway against deploy/system.yaml and the environment that runs on docker-compose (no
 * Docker engine is needed to check them).
 */
class ComposeTest {

    @Test
    @SuppressWarnings("unchecked")
    void everyServiceIsThereAsDefinedWithNoSecretInPlainText() throws Exception {
        SystemDefinition system = SystemDefinition.load();
        Environment environment = system.environments().values().stream().filter(e -> e.runs("docker-compose"))
                .findFirst().orElseThrow();
        Map<String, Object> compose;
        try (Reader in = Files.newBufferedReader(system.root().resolve("docker-compose.yml"))) {
            compose = new Yaml().load(in);
        }
        Map<String, Object> services = (Map<String, Object>) compose.get("services");
        String nginx = Files.readString(system.root().resolve("deploy/gateway/nginx.conf"));
        List<String> missing = new ArrayList<>();
        for (ServiceDefinition wanted : system.services().values()) {
            String name = wanted.name();
            Map<String, Object> service = (Map<String, Object>) services.get(name);
            assertThat(service).as("docker-compose service " + name).isNotNull();
            assertThat(string(service, "image")).as("image of " + name)
                    .startsWith(wanted.image() + ":${SWITCHBOARD_TAG");
            // Built by ./switchboard deploy images (Jib), never by docker-compose from a Dockerfile.
            assertThat(service).as("docker-compose service " + name).doesNotContainKey("build");
            Map<String, Object> env = map(service, "environment");
            List<String> allowed = wanted.config().stream().map(SystemDefinition::envName).toList();
            assertThat(allowed).as("environment of " + name + " (keys system.yaml lists)").containsAll(env.keySet());
            assertThat(env).containsEntry("SWITCHBOARD_HTTP_PORT", Integer.toString(wanted.port()))
                    .containsEntry("SWITCHBOARD_HAZELCAST_MODE", wanted.hazelcast());
            for (String secret : wanted.secrets()) {
                String var = SystemDefinition.envName(secret);
                if (env.containsKey(var)) {
                    assertThat(String.valueOf(env.get(var))).as(var + " of " + name + " must come from the environment, not the file")
                            .startsWith("${");
                }
            }
            List<String> health = (List<String>) map(service, "healthcheck").get("test");
            assertThat(String.join(" ", health)).contains(":" + wanted.port() + wanted.readiness());
            for (String path : wanted.paths()) {
                assertThat(gatewayTarget(nginx, path)).as("gateway route of " + path).isEqualTo(name + ":" + wanted.port());
            }
            assertThat(service).as("stop grace period of " + name).containsEntry("stop_grace_period", wanted.gracePeriodSeconds() + "s");
            // the environment docker-compose runs: its settings and fixed variables, as the local cluster gets them
            environment.settings().forEach((key, value) -> {
                if (wanted.config().contains(key)) {
                    assertThat(env).as(name + ": " + key + " of environment " + environment.name())
                            .containsEntry(SystemDefinition.envName(key), value);
                }
            });
            environment.fixed().forEach((var, value) -> {
                if (allowed.contains(var)) {
                    assertThat(env).as(name + ": fixed " + var + " of environment " + environment.name()).containsEntry(var, value);
                }
            });
            assertThat(List.of(String.valueOf(env.get("SWITCHBOARD_HAZELCAST_MEMBERS")).split(","))).as(name + ": members")
                    .containsExactlyElementsOf(system.services().values().stream().filter(ServiceDefinition::member)
                            .map(m -> m.name() + ":" + system.resource("hazelcast").port()).toList());
            missing.addAll(RequiredSettings.missing(system, wanted, supplied(env)));
        }
        assertThat(missing).as("required settings in docker-compose.yml").isEmpty();
        for (Object o : services.values()) {
            Object env = ((Map<String, Object>) o).get("environment");
            if (env instanceof Map<?, ?> vars) {
                vars.forEach((k, v) -> {
                    if (k.toString().contains("PASSWORD") || k.toString().contains("SECRET")) {
                        assertThat(String.valueOf(v)).as(k + " must not be written in docker-compose.yml").startsWith("${");
                    }
                });
            }
        }
    }

    /**
     * What docker-compose gives a variable: {@code ${VAR:?message}} and {@code ${VAR}} come from the shell or .env
     * (supplied from outside), {@code ${VAR:-default}} is the default unless set, anything else is the value.
     */
    private static Map<String, Optional<String>> supplied(Map<String, Object> env) {
        Map<String, Optional<String>> out = new LinkedHashMap<>();
        env.forEach((k, v) -> {
            String value = String.valueOf(v);
            Matcher m = Pattern.compile("\\$\\{[A-Z0-9_]+:-(.*)}").matcher(value);
            out.put(k, m.matches() ? Optional.of(m.group(1)) : value.startsWith("${") ? Optional.empty() : Optional.of(value));
        });
        return out;
    }

    /** The upstream nginx sends a path to: the longest matching location prefix. */
    private static String gatewayTarget(String nginx, String path) {
        Matcher m = Pattern.compile("location\\s+(\\S+)\\s*\\{\\s*proxy_pass http://([^;/]+);").matcher(nginx);
        String best = null;
        int bestLength = -1;
        while (m.find()) {
            String prefix = m.group(1);
            if (path.startsWith(prefix) && prefix.length() > bestLength) {
                best = m.group(2);
                bestLength = prefix.length();
            }
        }
        return best;
    }
}
