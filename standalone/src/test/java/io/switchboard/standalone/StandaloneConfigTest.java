package io.switchboard.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.common.config.ConfigException;
import io.switchboard.common.config.ConfigSource;
import io.switchboard.common.config.LauncherOptions;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Standalone trusts the public dev secret only while no other machine can reach it. */
class StandaloneConfigTest {
    private static StandaloneConfig config(Map<String, String> env) {
        return StandaloneConfig.from(ConfigSource.load("standalone.properties", null, env), new LauncherOptions(null, null));
    }

    @Test
    void theDevSecretIsRefusedBeyondLoopbackAndAnOwnSecretIsNot() {
        assertThat(config(Map.of()).http().host()).isEqualTo("127.0.0.1");
        assertThatThrownBy(() -> config(Map.of("SWITCHBOARD_HTTP_HOST", "0.0.0.0")))
                .isInstanceOf(ConfigException.class).hasMessageContaining("public development secret")
                .hasMessageContaining("SWITCHBOARD_AUTH_HS256_SECRET");
        assertThat(config(Map.of("SWITCHBOARD_HTTP_HOST", "0.0.0.0",
                "SWITCHBOARD_AUTH_HS256_SECRET", "a-secret-of-our-own-0123456789abcdef")).http().host()).isEqualTo("0.0.0.0");
        assertThat(config(Map.of("SWITCHBOARD_HTTP_HOST", "localhost")).http().host()).isEqualTo("localhost");
    }
}
