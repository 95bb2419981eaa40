package io.switchboard.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.client.internal.EnvironmentSpec;
import io.switchboard.client.internal.VersionRange;
import io.switchboard.common.codec.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The test vectors every client runs (clients/vectors, described in docs/client-behaviour.md), so that the Java
 * and the Node clients cannot drift apart.
 */
class SharedVectorsTest {
    private static JsonNode vectors(String name) throws IOException {
        // Tests run in the module's directory; the vectors are the repository's, beside the other clients.
        return Json.parse(Files.readString(Path.of("..", "clients", "vectors", name)));
    }

    @Test
    void versionMatching() throws IOException {
        JsonNode v = vectors("versions.json");
        assertThat(v.path("cases").size()).isPositive();
        for (JsonNode c : v.path("cases")) {
            assertThat(VersionRange.parse(c.path("range").asText()).matches(c.path("version").asText()))
                    .as(c.toString()).isEqualTo(c.path("matches").asBoolean());
        }
        for (JsonNode bad : v.path("invalid")) {
            assertThatThrownBy(() -> VersionRange.parse(bad.asText())).as(bad.asText())
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void environmentSpecs() throws IOException {
        JsonNode v = vectors("environments.json");
        assertThat(v.path("cases").size()).isPositive();
        for (JsonNode c : v.path("cases")) {
            EnvironmentSpec spec = EnvironmentSpec.parse(c.path("spec").asText());
            assertThat(spec.primary()).as(c.toString()).isEqualTo(c.path("primary").asText());
            assertThat(spec.fallback()).as(c.toString()).isEqualTo(c.path("fallback").isNull() ? null : c.path("fallback").asText());
        }
        for (JsonNode bad : v.path("invalid")) {
            assertThatThrownBy(() -> EnvironmentSpec.parse(bad.asText())).as(bad.asText())
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }
}
