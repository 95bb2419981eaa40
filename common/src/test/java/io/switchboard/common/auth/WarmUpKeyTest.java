package io.switchboard.common.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The warm-up's key stands for the scratch tenant only from this machine and only until revoked; no token can. */
class WarmUpKeyTest {
    private static final String SECRET = "warm-up-key-test-secret-0123456789abcdef";

    @Test
    void aKeyIsTheScratchTenantFromLoopbackUntilRevoked() {
        String key = WarmUpKey.issue();
        try {
            Principal p = WarmUpKey.principal(key, true);
            assertThat(p.tenant()).startsWith(WarmUpKey.TENANT).isEqualTo(WarmUpKey.tenant(key));
            assertThat(p.role()).isEqualTo(Role.OPERATOR);
            assertThat(WarmUpKey.principal(key, false)).as("from another machine").isNull();
            assertThat(WarmUpKey.principal(key.substring(0, key.length() - 1) + "x", true)).isNull();
            assertThat(WarmUpKey.principal("warmup.", true)).isNull();
            String other = WarmUpKey.issue();
            assertThat(WarmUpKey.principal(other, true).tenant()).as("each key has a tenant of its own")
                    .isNotEqualTo(p.tenant()).startsWith(WarmUpKey.TENANT);
            WarmUpKey.revoke(other);
            assertThat(WarmUpKey.principal(key, true)).isNotNull();
        } finally {
            WarmUpKey.revoke(key);
        }
        assertThat(WarmUpKey.principal(key, true)).as("after the warm-up").isNull();
    }

    @Test
    void noTokenCanNameTheScratchTenant() {
        TokenVerifier verifier = JwtTokenVerifier.hs256(SECRET, null, Clock.systemUTC());
        String token = DevTokens.issue(SECRET, WarmUpKey.TENANT + "-0a1b2c3d", Role.OPERATOR, Duration.ofHours(1), Instant.now());
        assertThatThrownBy(() -> verifier.verify(token)).isInstanceOf(AuthException.class).hasMessageContaining("tenant");
    }
}
