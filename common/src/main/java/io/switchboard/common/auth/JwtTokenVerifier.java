package io.switchboard.common.auth;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.exceptions.AlgorithmMismatchException;
import com.auth0.jwt.exceptions.IncorrectClaimException;
import com.auth0.jwt.exceptions.JWTDecodeException;
import com.auth0.jwt.exceptions.JWTVerificationException;
import com.auth0.jwt.exceptions.SignatureVerificationException;
import com.auth0.jwt.exceptions.TokenExpiredException;
import com.auth0.jwt.interfaces.DecodedJWT;
import com.auth0.jwt.interfaces.JWTVerifier;
import com.auth0.jwt.interfaces.RSAKeyProvider;
import java.net.MalformedURLException;
import java.net.URI;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.time.Instant;
import java.util.regex.Pattern;

/**
 * Verifies JWTs: HS256 with a shared secret (development, tests) or RS256 with keys from a JWKS URL
 * (production, such as an Auth0 tenant). Requires the claims {@code tenant}, {@code role} and {@code exp}.
 */
public final class JwtTokenVerifier implements TokenVerifier {
    /** Tenants are identifiers: they end up in index names and map keys, so they are kept simple. */
    public static final Pattern TENANT = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");
    public static final String TENANT_CLAIM = "tenant";
    public static final String ROLE_CLAIM = "role";
    /** Optional on client tokens: the one service the token may act as (register, report as caller, send items of). */
    public static final String SERVICE_CLAIM = "service";
    /** How soon an unknown key id may cause the key set to be fetched again. */
    public static final java.time.Duration JWKS_MIN_REFRESH = java.time.Duration.ofSeconds(30);
    private static final long LEEWAY_SECONDS = 5;

    private final JWTVerifier verifier;
    private final boolean mayBlock;
    private final Clock clock;
    private final java.time.Duration maxLifetime;
    private final JwksKeys jwksKeys;

    private JwtTokenVerifier(JWTVerifier verifier, boolean mayBlock, Clock clock, java.time.Duration maxLifetime,
                             JwksKeys jwksKeys) {
        this.verifier = verifier;
        this.mayBlock = mayBlock;
        this.clock = clock;
        this.maxLifetime = maxLifetime;
        this.jwksKeys = jwksKeys;
    }

    /** HS256 with a shared secret; {@code issuer} may be null to accept any. */
    public static JwtTokenVerifier hs256(String secret, String issuer, Clock clock) {
        return hs256(secret, issuer, null, clock);
    }

    /** As {@link #hs256(String, String, Clock)}, refusing tokens valid for longer than {@code maxLifetime} (if not null). */
    public static JwtTokenVerifier hs256(String secret, String issuer, java.time.Duration maxLifetime, Clock clock) {
        return new JwtTokenVerifier(build(Algorithm.HMAC256(secret), issuer, null, clock), false, clock, maxLifetime, null);
    }

    /** RS256 with public keys fetched (and cached) from a JWKS URL; {@code audience} may be null. */
    public static JwtTokenVerifier jwks(String jwksUrl, String issuer, String audience, Clock clock) {
        return jwks(jwksUrl, issuer, audience, null, clock, JWKS_MIN_REFRESH);
    }

    /**
     * RS256 with keys from a JWKS URL ({@link JwksKeys}: fetched as a set, again at most once per {@code minRefresh}
     * for unknown key ids), refusing tokens valid for longer than {@code maxLifetime} (if not null).
     */
    public static JwtTokenVerifier jwks(String jwksUrl, String issuer, String audience, java.time.Duration maxLifetime,
                                        Clock clock, java.time.Duration minRefresh) {
        JwksKeys jwks;
        try {
            jwks = new JwksKeys(URI.create(jwksUrl).toURL(), clock, minRefresh, java.time.Duration.ofHours(12));
        } catch (MalformedURLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("not a valid JWKS URL: " + jwksUrl, e);
        }
        RSAKeyProvider keys = new RSAKeyProvider() {
            @Override
            public RSAPublicKey getPublicKeyById(String keyId) {
                return jwks.get(keyId);
            }

            @Override
            public RSAPrivateKey getPrivateKey() {
                return null;
            }

            @Override
            public String getPrivateKeyId() {
                return null;
            }
        };
        return new JwtTokenVerifier(build(Algorithm.RSA256(keys), issuer, audience, clock), true, clock, maxLifetime, jwks);
    }

    /** How many times the JWKS was fetched, or 0 for HS256 (for tests and diagnostics). */
    public long jwksFetches() {
        return jwksKeys == null ? 0 : jwksKeys.fetches();
    }

    private static JWTVerifier build(Algorithm algorithm, String issuer, String audience, Clock clock) {
        var builder = (com.auth0.jwt.JWTVerifier.BaseVerification) JWT.require(algorithm).acceptLeeway(LEEWAY_SECONDS);
        if (issuer != null && !issuer.isBlank()) {
            builder.withIssuer(issuer);
        }
        if (audience != null && !audience.isBlank()) {
            builder.withAudience(audience);
        }
        return builder.build(clock);
    }

    @Override
    public boolean mayBlock() {
        return mayBlock;
    }

    @Override
    public Principal verify(String token) {
        if (token == null || token.isBlank()) {
            throw new AuthException(AuthException.Reason.MISSING_TOKEN,
                    "no token: send 'Authorization: Bearer <token>' or ?token=<token>");
        }
        DecodedJWT jwt;
        try {
            jwt = verifier.verify(token);
        } catch (TokenExpiredException e) {
            throw new AuthException(AuthException.Reason.TOKEN_EXPIRED,
                    "the token expired at " + e.getExpiredOn() + "; get a new one");
        } catch (SignatureVerificationException | AlgorithmMismatchException e) {
            throw new AuthException(AuthException.Reason.BAD_SIGNATURE,
                    "the token's signature does not verify: it was not signed with this deployment's key");
        } catch (JWTDecodeException e) {
            throw new AuthException(AuthException.Reason.MALFORMED_TOKEN,
                    "the token is not a well-formed JWT: " + e.getMessage());
        } catch (IncorrectClaimException e) {
            throw new AuthException(AuthException.Reason.INVALID_CLAIM,
                    "the token's '" + e.getClaimName() + "' claim is not accepted here");
        } catch (JWTVerificationException e) {
            if (e.getCause() instanceof AuthException auth) {
                throw auth;
            }
            throw new AuthException(AuthException.Reason.BAD_SIGNATURE, "the token does not verify: " + e.getMessage());
        }
        if (jwt.getExpiresAt() == null) {
            throw new AuthException(AuthException.Reason.MISSING_CLAIM, "the token has no 'exp' claim; tokens must expire");
        }
        String tenant = jwt.getClaim(TENANT_CLAIM).asString();
        if (tenant == null) {
            throw new AuthException(AuthException.Reason.MISSING_CLAIM, "the token has no 'tenant' claim");
        }
        if (!TENANT.matcher(tenant).matches()) {
            throw new AuthException(AuthException.Reason.INVALID_CLAIM,
                    "the token's 'tenant' claim must be 1 to 63 of a-z 0-9 _ -, starting with a letter or digit");
        }
        String roleClaim = jwt.getClaim(ROLE_CLAIM).asString();
        if (roleClaim == null) {
            throw new AuthException(AuthException.Reason.MISSING_CLAIM, "the token has no 'role' claim");
        }
        Role role = Role.fromClaim(roleClaim);
        if (role == null) {
            throw new AuthException(AuthException.Reason.INVALID_CLAIM,
                    "the token's 'role' claim must be 'client' or 'operator', got '" + roleClaim + "'");
        }
        String subject = jwt.getSubject() == null ? tenant : jwt.getSubject();
        Instant expiresAt = jwt.getExpiresAtAsInstant();
        if (maxLifetime != null) {
            Instant from = jwt.getIssuedAtAsInstant() == null ? clock.instant() : jwt.getIssuedAtAsInstant();
            java.time.Duration lifetime = java.time.Duration.between(from, expiresAt);
            if (lifetime.compareTo(maxLifetime.plusSeconds(LEEWAY_SECONDS)) > 0) {
                throw new AuthException(AuthException.Reason.INVALID_CLAIM, "the token is valid for "
                        + lifetime.toMinutes() + " minutes, longer than this deployment accepts ("
                        + maxLifetime.toMinutes() + " minutes, auth.max-token-lifetime); get a shorter-lived one");
            }
        }
        String service = jwt.getClaim(SERVICE_CLAIM).asString();
        if (service != null && !io.switchboard.common.model.EventValidator.isName(service)) {
            throw new AuthException(AuthException.Reason.INVALID_CLAIM,
                    "the token's 'service' claim must be a service name (letters, digits and . _ -)");
        }
        return new Principal(tenant, role, subject, expiresAt, service);
    }
}
