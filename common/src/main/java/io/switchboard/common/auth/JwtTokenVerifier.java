package io.switchboard.common.auth;

import com.auth0.jwk.JwkProvider;
import com.auth0.jwk.JwkProviderBuilder;
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
import java.util.concurrent.TimeUnit;
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
    private static final long LEEWAY_SECONDS = 5;

    private final JWTVerifier verifier;
    private final boolean mayBlock;

    private JwtTokenVerifier(JWTVerifier verifier, boolean mayBlock) {
        this.verifier = verifier;
        this.mayBlock = mayBlock;
    }

    /** HS256 with a shared secret; {@code issuer} may be null to accept any. */
    public static JwtTokenVerifier hs256(String secret, String issuer, Clock clock) {
        return new JwtTokenVerifier(build(Algorithm.HMAC256(secret), issuer, null, clock), false);
    }

    /** RS256 with public keys fetched (and cached) from a JWKS URL; {@code audience} may be null. */
    public static JwtTokenVerifier jwks(String jwksUrl, String issuer, String audience, Clock clock) {
        JwkProvider jwks;
        try {
            jwks = new JwkProviderBuilder(URI.create(jwksUrl).toURL())
                    .cached(20, 12, TimeUnit.HOURS)
                    .rateLimited(10, 1, TimeUnit.MINUTES)
                    .timeouts(5_000, 5_000)
                    .build();
        } catch (MalformedURLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("not a valid JWKS URL: " + jwksUrl, e);
        }
        RSAKeyProvider keys = new RSAKeyProvider() {
            @Override
            public RSAPublicKey getPublicKeyById(String keyId) {
                try {
                    return (RSAPublicKey) jwks.get(keyId).getPublicKey();
                } catch (com.auth0.jwk.SigningKeyNotFoundException e) {
                    throw new AuthException(AuthException.Reason.BAD_SIGNATURE,
                            "the token was signed with key '" + keyId + "', which the JWKS does not list");
                } catch (com.auth0.jwk.JwkException e) {
                    throw new AuthException(AuthException.Reason.KEYS_UNAVAILABLE,
                            "signing keys could not be fetched from " + jwksUrl + ": " + e.getMessage());
                }
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
        return new JwtTokenVerifier(build(Algorithm.RSA256(keys), issuer, audience, clock), true);
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
        return new Principal(tenant, role, subject, expiresAt);
    }
}
