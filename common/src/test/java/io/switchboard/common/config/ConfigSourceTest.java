package io.switchboard.common.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.common.auth.DevTokens;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigSourceTest {
    private static final String DEFAULTS = "test-service.properties";
    private static final String SECRET = "0123456789abcdef0123456789abcdef";

    @TempDir
    Path dir;

    private static ConfigSource env(Map<String, String> env) {
        return ConfigSource.load(DEFAULTS, null, env);
    }

    @Test
    void defaultsApplyWhenNothingOverridesThem() {
        ServiceConfig c = ServiceConfig.from(env(Map.of("SWITCHBOARD_AUTH_HS256_SECRET", SECRET)));
        assertThat(c.http().port()).isEqualTo(7701);
        assertThat(c.ws().openTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.hazelcast().mode()).isEqualTo(HazelcastConfig.Mode.MEMBER);
        assertThat(c.hazelcast().members()).containsExactly("127.0.0.1");
    }

    @Test
    void environmentVariablesOverrideEveryKey() {
        ServiceConfig c = ServiceConfig.from(env(Map.of(
                "SWITCHBOARD_AUTH_HS256_SECRET", SECRET,
                "SWITCHBOARD_HTTP_PORT", "9000",
                "SWITCHBOARD_WS_OPEN_TIMEOUT", "2500ms",
                "SWITCHBOARD_HAZELCAST_MODE", "client",
                "SWITCHBOARD_HAZELCAST_MEMBERS", "10.0.0.1:5701, 10.0.0.2:5701")));
        assertThat(c.http().port()).isEqualTo(9000);
        assertThat(c.ws().openTimeout()).isEqualTo(Duration.ofMillis(2500));
        assertThat(c.hazelcast().mode()).isEqualTo(HazelcastConfig.Mode.CLIENT);
        assertThat(c.hazelcast().members()).containsExactly("10.0.0.1:5701", "10.0.0.2:5701");
    }

    @Test
    void aFileOverridesDefaultsAndTheEnvironmentOverridesTheFile() throws Exception {
        Path file = dir.resolve("service.properties");
        Files.writeString(file, "http.port=8100\nhttp.host=127.0.0.1\n");
        ConfigSource c = ConfigSource.load(DEFAULTS, file, Map.of("SWITCHBOARD_HTTP_PORT", "8200"));
        assertThat(c.port("http.port")).isEqualTo(8200);
        assertThat(c.string("http.host")).isEqualTo("127.0.0.1");
    }

    @Test
    void anUnknownKeyInTheFileIsRefusedByName() throws Exception {
        Path file = dir.resolve("service.properties");
        Files.writeString(file, "http.prot=8100\n");
        assertThatThrownBy(() -> ConfigSource.load(DEFAULTS, file, Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("unknown key 'http.prot'");
    }

    @Test
    void aBadIntegerNamesTheKeyTheValueItsOriginAndTheRange() {
        assertThatThrownBy(() -> HttpConfig.from(env(Map.of("SWITCHBOARD_HTTP_PORT", "seventy"))))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("http.port='seventy'")
                .hasMessageContaining("environment variable SWITCHBOARD_HTTP_PORT")
                .hasMessageContaining("from 0 to 65535");
        assertThatThrownBy(() -> HttpConfig.from(env(Map.of("SWITCHBOARD_HTTP_PORT", "70000"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("http.port='70000'");
    }

    @Test
    void aBadDurationOrChoiceIsRefusedByName() {
        assertThatThrownBy(() -> ServiceConfig.from(env(Map.of("SWITCHBOARD_AUTH_HS256_SECRET", SECRET,
                "SWITCHBOARD_WS_OPEN_TIMEOUT", "ten seconds"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("ws.open-timeout='ten seconds'");
        assertThatThrownBy(() -> ServiceConfig.from(env(Map.of("SWITCHBOARD_AUTH_HS256_SECRET", SECRET,
                "SWITCHBOARD_HAZELCAST_MODE", "peer"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("hazelcast.mode='peer'")
                .hasMessageContaining("member").hasMessageContaining("client");
    }

    @Test
    void hs256NeedsALongEnoughSecretThatIsNotTheDevSecret() {
        assertThatThrownBy(() -> AuthConfig.from(env(Map.of())))
                .isInstanceOf(ConfigException.class).hasMessageContaining("auth.hs256-secret is empty");
        assertThatThrownBy(() -> AuthConfig.from(env(Map.of("SWITCHBOARD_AUTH_HS256_SECRET", "short"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("at least 32 characters")
                .hasMessageNotContaining("short'");
        assertThatThrownBy(() -> AuthConfig.from(env(Map.of("SWITCHBOARD_AUTH_HS256_SECRET", DevTokens.DEV_SECRET))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("public development secret");
        AuthConfig dev = AuthConfig.from(env(Map.of("SWITCHBOARD_AUTH_HS256_SECRET", DevTokens.DEV_SECRET,
                "SWITCHBOARD_AUTH_ALLOW_DEV_SECRET", "true")));
        assertThat(dev.mode()).isEqualTo(AuthConfig.Mode.HS256);
        assertThat(dev.toString()).doesNotContain(DevTokens.DEV_SECRET);
    }

    @Test
    void jwksNeedsAnHttpUrl() {
        assertThatThrownBy(() -> AuthConfig.from(env(Map.of("SWITCHBOARD_AUTH_MODE", "jwks"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("auth.jwks-url is empty");
        assertThatThrownBy(() -> AuthConfig.from(env(Map.of("SWITCHBOARD_AUTH_MODE", "jwks",
                "SWITCHBOARD_AUTH_JWKS_URL", "ftp://keys"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("auth.jwks-url='ftp://keys'");
        // An identity provider's tokens are for many applications: issuer and audience are required with jwks.
        assertThatThrownBy(() -> AuthConfig.from(env(Map.of("SWITCHBOARD_AUTH_MODE", "jwks",
                "SWITCHBOARD_AUTH_JWKS_URL", "https://tenant.example/.well-known/jwks.json"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("auth.issuer is empty");
        assertThatThrownBy(() -> AuthConfig.from(env(Map.of("SWITCHBOARD_AUTH_MODE", "jwks",
                "SWITCHBOARD_AUTH_JWKS_URL", "https://tenant.example/.well-known/jwks.json",
                "SWITCHBOARD_AUTH_ISSUER", "https://tenant.example/"))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("auth.audience is empty");
        AuthConfig ok = AuthConfig.from(env(Map.of("SWITCHBOARD_AUTH_MODE", "jwks",
                "SWITCHBOARD_AUTH_JWKS_URL", "https://tenant.example/.well-known/jwks.json",
                "SWITCHBOARD_AUTH_ISSUER", "https://tenant.example/", "SWITCHBOARD_AUTH_AUDIENCE", "switchboard",
                "SWITCHBOARD_AUTH_MAX_TOKEN_LIFETIME", "24h")));
        assertThat(ok.jwksUrl().getHost()).isEqualTo("tenant.example");
        assertThat(ok.maxTokenLifetime()).isEqualTo(java.time.Duration.ofHours(24));
    }

    @Test
    void emptyMemberListIsRefused() {
        assertThatThrownBy(() -> HazelcastConfig.from(env(Map.of("SWITCHBOARD_HAZELCAST_MEMBERS", " , "))))
                .isInstanceOf(ConfigException.class).hasMessageContaining("hazelcast.members");
    }

    @Test
    void environmentNamesFollowTheDocumentedRule() {
        assertThat(ConfigSource.envName("auth.hs256-secret")).isEqualTo("SWITCHBOARD_AUTH_HS256_SECRET");
        assertThat(ConfigSource.envName("http.max-body-bytes")).isEqualTo("SWITCHBOARD_HTTP_MAX_BODY_BYTES");
    }
}
