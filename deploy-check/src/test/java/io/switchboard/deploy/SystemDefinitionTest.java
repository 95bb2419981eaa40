package io.switchboard.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.cluster.SystemDefinition;
import io.switchboard.cluster.SystemDefinition.ServiceDefinition;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** system.yaml names only configuration keys its services have: a renamed key cannot linger in deployments. */
class SystemDefinitionTest {

    @Test
    void everyConfigurationKeyIsOneTheServiceReads() {
        SystemDefinition system = SystemDefinition.load();
        List<String> unknown = new ArrayList<>();
        for (ServiceDefinition service : system.services().values()) {
            var keys = RequiredSettings.defaults(system, service).keySet();
            for (String key : service.config()) {
                if (!keys.contains(key)) {
                    unknown.add(service.name() + ": " + key);
                }
            }
            for (String key : service.required()) {
                assertThat(service.config()).as(service.name() + " requires " + key).contains(key);
            }
        }
        system.environments().values().forEach(env -> env.fixed().keySet().forEach(var -> {
            boolean read = system.services().values().stream().anyMatch(s -> s.config().stream()
                    .map(SystemDefinition::envName).anyMatch(var::equals));
            if (!read) {
                unknown.add("environment " + env.name() + ": " + var);
            }
        }));
        assertThat(unknown).as("keys in deploy/ that no service's defaults file has").isEmpty();
    }
}
