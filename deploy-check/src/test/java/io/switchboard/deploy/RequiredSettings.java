package io.switchboard.deploy;

import io.switchboard.cluster.SystemDefinition;
import io.switchboard.cluster.SystemDefinition.RequiredSetting;
import io.switchboard.cluster.SystemDefinition.ServiceDefinition;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;

/**
 * The settings of system.yaml's {@code required} that a deployment of a service leaves unset: a service started
 * without one refuses to start (or, worse, starts against a default that is wrong there), so a pod would
 * crash-loop. The deployment's environment is given as variable name to value, where an empty {@code Optional}
 * means "supplied from elsewhere" (a Secret, the shell's environment), which counts as set.
 */
final class RequiredSettings {
    private RequiredSettings() {
    }

    static List<String> missing(SystemDefinition system, ServiceDefinition service, Map<String, Optional<String>> env) {
        Map<String, String> effective = new HashMap<>();
        defaults(system, service).forEach((k, v) -> effective.put(k, v));
        for (String key : service.config()) {
            Optional<String> v = env.get(SystemDefinition.envName(key));
            if (v != null && v.isPresent()) {
                effective.put(key, v.get());
            }
        }
        List<RequiredSetting> rules = new ArrayList<>();
        system.required().stream().filter(r -> service.config().contains(r.key())).forEach(rules::add);
        service.required().forEach(k -> rules.add(new RequiredSetting(k, null, null)));
        List<String> problems = new ArrayList<>();
        for (RequiredSetting rule : rules) {
            if (!rule.appliesWith(effective)) {
                continue;
            }
            Optional<String> v = env.get(SystemDefinition.envName(rule.key()));
            if (v == null || v.isPresent() && v.get().isBlank()) {
                problems.add(service.name() + ": " + rule + " must be set, but " + SystemDefinition.envName(rule.key())
                        + (v == null ? " is not set" : " is empty"));
            }
        }
        return problems;
    }

    /** The service's defaults file (MODULE/src/main/resources/NAME.properties). */
    static Map<String, String> defaults(SystemDefinition system, ServiceDefinition service) {
        Path file = system.root().resolve(service.module()).resolve("src/main/resources/" + service.name() + ".properties");
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(file)) {
            p.load(in);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read the defaults of " + service.name() + " (" + file + ")", e);
        }
        Map<String, String> out = new HashMap<>();
        p.stringPropertyNames().forEach(k -> out.put(k, p.getProperty(k).strip()));
        return out;
    }
}
