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
 * @param maxTokenLifetime the longest a token may be valid for (exp - iat), or null for any
 */
public record AuthConfig(Mode mode, String hs256Secret, URI jwksUrl, String issuer, String audience,
                         java.time.Duration maxTokenLifetime) {
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
        } else {
            if (jwks == null) {
                throw new ConfigException("invalid configuration: auth.jwks-url is empty; with auth.mode=jwks set "
                        + ConfigSource.envName("auth.jwks-url") + " to your identity provider's JWKS URL");
            }
            // An identity provider signs tokens for many applications: without these, any of its tokens with a
            // tenant claim would do.
            for (String key : java.util.List.of("auth.issuer", "auth.audience")) {
                if (c.optional(key) == null) {
                    throw new ConfigException("invalid configuration: " + key + " is empty; with auth.mode=jwks set "
                            + ConfigSource.envName(key) + " to the " + (key.endsWith("issuer") ? "issuer (iss)"
                            : "audience (aud)") + " your identity provider puts in Switchboard's tokens");
                }
            }
        }
        java.time.Duration maxLifetime = c.optional("auth.max-token-lifetime") == null ? null
                : c.duration("auth.max-token-lifetime", java.time.Duration.ofMinutes(1), java.time.Duration.ofDays(365));
        return new AuthConfig(mode, secret, jwks, c.optional("auth.issuer"), c.optional("auth.audience"), maxLifetime);
    }

    public TokenVerifier verifier(Clock clock) {
        return mode == Mode.HS256
                ? JwtTokenVerifier.hs256(hs256Secret, issuer, maxTokenLifetime, clock)
                : JwtTokenVerifier.jwks(jwksUrl.toString(), issuer, audience, maxTokenLifetime, clock,
                        JwtTokenVerifier.JWKS_MIN_REFRESH);
    }

    @Override
    public String toString() {
        return "AuthConfig[mode=" + mode + ", jwksUrl=" + jwksUrl + ", issuer=" + issuer + ", audience=" + audience
                + ", maxTokenLifetime=" + maxTokenLifetime + "]";
    }
}
