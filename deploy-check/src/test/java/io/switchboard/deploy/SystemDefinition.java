package io.switchboard.deploy;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.yaml.snakeyaml.Yaml;

/** deploy/system.yaml, read as plain maps: the one definition everything else is checked against. */
record SystemDefinition(Path root, Map<String, Map<String, Object>> services) {

    static SystemDefinition load() throws IOException {
        Path root = Path.of("").toAbsolutePath();
        while (root != null && !Files.exists(root.resolve("deploy/system.yaml"))) {
            root = root.getParent();
        }
        if (root == null) {
            throw new IllegalStateException("deploy/system.yaml not found above " + Path.of("").toAbsolutePath());
        }
        try (Reader in = Files.newBufferedReader(root.resolve("deploy/system.yaml"))) {
            Map<String, Object> system = new Yaml().load(in);
            @SuppressWarnings("unchecked")
            Map<String, Map<String, Object>> services = (Map<String, Map<String, Object>>) system.get("services");
            return new SystemDefinition(root, services);
        }
    }

    static String string(Map<String, Object> service, String key) {
        return String.valueOf(service.get(key));
    }

    static int port(Map<String, Object> service) {
        return ((Number) service.get("port")).intValue();
    }

    @SuppressWarnings("unchecked")
    static List<String> list(Map<String, Object> service, String key) {
        return (List<String>) service.getOrDefault(key, List.of());
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Map<String, Object> service, String key) {
        return (Map<String, Object>) service.get(key);
    }

    /** The environment variable that sets a configuration key (as ConfigSource reads it). */
    static String envName(String key) {
        return "SWITCHBOARD_" + key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }
}
