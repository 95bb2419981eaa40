package io.switchboard.common.config;

import io.switchboard.common.auth.DevTokens;
import io.switchboard.common.auth.JwtTokenVerifier;
import io.switchboard.common.auth.TokenVerifier;
import java.net.URI;
import java.time.Clock;

/**
 * How tokens are verified.
 *
 * @param mode        HS256 with a shared secret, or RS256 with keys from a JWKS URL
 * @param hs256Secret the shared secret (mode hs256)
 * @param jwksUrl     the key set (mode jwks)
 * @param issuer      the required {@code iss}, or null for any
 * @param audience    the required {@code aud}, or null for any
 */
public record AuthConfig(Mode mode, String hs256Secret, URI jwksUrl, String issuer, String audience) {
    public static final int MIN_SECRET_LENGTH = 32;

    public enum Mode { HS256, JWKS }

    public static AuthConfig from(ConfigSource c) {
        Mode mode = c.choice("auth.mode", Mode.class);
        String secret = c.optional("auth.hs256-secret");
        URI jwks = c.url("auth.jwks-url");
        boolean allowDev = c.bool("auth.allow-dev-secret");
        if (mode == Mode.HS256) {
            if (secret == null) {
                throw new ConfigException("invalid configuration: auth.hs256-secret is empty; with auth.mode=hs256 set "
                        + ConfigSource.envName("auth.hs256-secret") + " to a random string of at least "
                        + MIN_SECRET_LENGTH + " characters, or use auth.mode=jwks");
            }
            if (secret.length() < MIN_SECRET_LENGTH) {
                throw c.bad("auth.hs256-secret", "<" + secret.length() + " characters hidden>",
                        "at least " + MIN_SECRET_LENGTH + " characters");
            }
            if (secret.equals(DevTokens.DEV_SECRET) && !allowDev) {
                throw new ConfigException("invalid configuration: auth.hs256-secret is the public development secret; "
                        + "set a secret of your own, or auth.allow-dev-secret=true for local use only");
            }
        } else if (jwks == null) {
            throw new ConfigException("invalid configuration: auth.jwks-url is empty; with auth.mode=jwks set "
                    + ConfigSource.envName("auth.jwks-url") + " to your identity provider's JWKS URL");
        }
        return new AuthConfig(mode, secret, jwks, c.optional("auth.issuer"), c.optional("auth.audience"));
    }

    public TokenVerifier verifier(Clock clock) {
        return mode == Mode.HS256
                ? JwtTokenVerifier.hs256(hs256Secret, issuer, clock)
                : JwtTokenVerifier.jwks(jwksUrl.toString(), issuer, audience, clock);
    }

    @Override
    public String toString() {
        return "AuthConfig[mode=" + mode + ", jwksUrl=" + jwksUrl + ", issuer=" + issuer + ", audience=" + audience + "]";
    }
}
