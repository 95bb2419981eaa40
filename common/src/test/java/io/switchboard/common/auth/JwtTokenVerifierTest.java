package io.switchboard.common.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.interfaces.RSAPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import org.junit.jupiter.api.Test;

class JwtTokenVerifierTest {
    private static final String SECRET = "a-test-secret-that-is-long-enough-0123456789";
    private final TokenVerifier verifier = JwtTokenVerifier.hs256(SECRET, null, Clock.systemUTC());

    @Test
    void acceptsAValidTokenAndReadsTenantRoleAndExpiry() {
        Instant now = Instant.now();
        Principal p = verifier.verify(DevTokens.issue(SECRET, "acme", Role.OPERATOR, Duration.ofHours(1), now));
        assertThat(p.tenant()).isEqualTo("acme");
        assertThat(p.role()).isEqualTo(Role.OPERATOR);
        assertThat(p.subject()).isEqualTo("acme-operator");
        assertThat(p.expiresAt()).isEqualTo(now.plus(Duration.ofHours(1)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
    }

    @Test
    void refusesAnExpiredToken() {
        String token = DevTokens.issue(SECRET, "acme", Role.CLIENT, Duration.ofMinutes(1), Instant.now().minus(Duration.ofHours(1)));
        assertRefused(token, AuthException.Reason.TOKEN_EXPIRED, "expired");
    }

    @Test
    void refusesATokenSignedWithAnotherSecret() {
        String token = DevTokens.issue("another-secret-that-is-long-enough-987654", "acme", Role.CLIENT, Duration.ofHours(1), Instant.now());
        assertRefused(token, AuthException.Reason.BAD_SIGNATURE, "signature");
    }

    @Test
    void refusesATokenWithoutTenant() {
        String token = JWT.create().withClaim("role", "client").withExpiresAt(Instant.now().plusSeconds(60)).sign(Algorithm.HMAC256(SECRET));
        assertRefused(token, AuthException.Reason.MISSING_CLAIM, "'tenant'");
    }

    @Test
    void refusesATokenWithoutRole() {
        String token = JWT.create().withClaim("tenant", "acme").withExpiresAt(Instant.now().plusSeconds(60)).sign(Algorithm.HMAC256(SECRET));
        assertRefused(token, AuthException.Reason.MISSING_CLAIM, "'role'");
    }

    @Test
    void refusesATokenWithoutExpiry() {
        String token = JWT.create().withClaim("tenant", "acme").withClaim("role", "client").sign(Algorithm.HMAC256(SECRET));
        assertRefused(token, AuthException.Reason.MISSING_CLAIM, "'exp'");
    }

    @Test
    void refusesAnUnknownRole() {
        String token = JWT.create().withClaim("tenant", "acme").withClaim("role", "admin")
                .withExpiresAt(Instant.now().plusSeconds(60)).sign(Algorithm.HMAC256(SECRET));
        assertRefused(token, AuthException.Reason.INVALID_CLAIM, "'admin'");
    }

    @Test
    void refusesATenantThatIsNotAnIdentifier() {
        String token = JWT.create().withClaim("tenant", "../Acme*").withClaim("role", "client")
                .withExpiresAt(Instant.now().plusSeconds(60)).sign(Algorithm.HMAC256(SECRET));
        assertRefused(token, AuthException.Reason.INVALID_CLAIM, "'tenant'");
    }

    @Test
    void refusesGarbageAndMissingTokens() {
        assertRefused("not-a-jwt", AuthException.Reason.MALFORMED_TOKEN, "well-formed");
        assertRefused(null, AuthException.Reason.MISSING_TOKEN, "Bearer");
        assertRefused("", AuthException.Reason.MISSING_TOKEN, "Bearer");
    }

    @Test
    void refusesAnUnsignedToken() {
        String token = JWT.create().withClaim("tenant", "acme").withClaim("role", "operator")
                .withExpiresAt(Instant.now().plusSeconds(60)).sign(Algorithm.none());
        assertRefused(token, AuthException.Reason.BAD_SIGNATURE, "signature");
    }

    @Test
    void checksTheIssuerWhenConfigured() {
        TokenVerifier strict = JwtTokenVerifier.hs256(SECRET, "https://issuer.example/", Clock.systemUTC());
        String token = DevTokens.issue(SECRET, "acme", Role.CLIENT, Duration.ofHours(1), Instant.now());
        assertThatThrownBy(() -> strict.verify(token)).isInstanceOf(AuthException.class)
                .satisfies(e -> assertThat(((AuthException) e).reason()).isIn(AuthException.Reason.INVALID_CLAIM,
                        AuthException.Reason.MISSING_CLAIM, AuthException.Reason.BAD_SIGNATURE));
    }

    @Test
    void verifiesRs256TokensWithKeysFromAJwksUrl() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair keys = generator.generateKeyPair();
        KeyPair otherKeys = generator.generateKeyPair();
        RSAPublicKey pub = (RSAPublicKey) keys.getPublic();
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String jwks = "{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"k1\",\"use\":\"sig\",\"alg\":\"RS256\",\"n\":\""
                + b64.encodeToString(unsigned(pub.getModulus().toByteArray())) + "\",\"e\":\""
                + b64.encodeToString(unsigned(pub.getPublicExponent().toByteArray())) + "\"}]}";
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/.well-known/jwks.json", exchange -> {
            byte[] body = jwks.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/.well-known/jwks.json";
            TokenVerifier rs = JwtTokenVerifier.jwks(url, "https://tenant.example/", "switchboard", Clock.systemUTC());
            assertThat(rs.mayBlock()).isTrue();
            String good = JWT.create().withKeyId("k1").withIssuer("https://tenant.example/").withAudience("switchboard")
                    .withClaim("tenant", "acme").withClaim("role", "client").withExpiresAt(Instant.now().plusSeconds(60))
                    .sign(Algorithm.RSA256(pub, (RSAPrivateKey) keys.getPrivate()));
            assertThat(rs.verify(good).tenant()).isEqualTo("acme");

            String forged = JWT.create().withKeyId("k1").withIssuer("https://tenant.example/").withAudience("switchboard")
                    .withClaim("tenant", "acme").withClaim("role", "client").withExpiresAt(Instant.now().plusSeconds(60))
                    .sign(Algorithm.RSA256((RSAPublicKey) otherKeys.getPublic(), (RSAPrivateKey) otherKeys.getPrivate()));
            assertThatThrownBy(() -> rs.verify(forged)).isInstanceOf(AuthException.class)
                    .extracting(e -> ((AuthException) e).reason()).isEqualTo(AuthException.Reason.BAD_SIGNATURE);

            String unknownKey = JWT.create().withKeyId("k2").withIssuer("https://tenant.example/").withAudience("switchboard")
                    .withClaim("tenant", "acme").withClaim("role", "client").withExpiresAt(Instant.now().plusSeconds(60))
                    .sign(Algorithm.RSA256(pub, (RSAPrivateKey) keys.getPrivate()));
            assertThatThrownBy(() -> rs.verify(unknownKey)).isInstanceOf(AuthException.class)
                    .hasMessageContaining("'k2'");

            String hs = DevTokens.issue(SECRET, "acme", Role.CLIENT, Duration.ofHours(1), Instant.now());
            assertThatThrownBy(() -> rs.verify(hs)).isInstanceOf(AuthException.class)
                    .extracting(e -> ((AuthException) e).reason()).isEqualTo(AuthException.Reason.BAD_SIGNATURE);
        } finally {
            server.stop(0);
        }
    }

    private static byte[] unsigned(byte[] bytes) {
        return bytes.length > 1 && bytes[0] == 0 ? java.util.Arrays.copyOfRange(bytes, 1, bytes.length) : bytes;
    }

    private void assertRefused(String token, AuthException.Reason reason, String messagePart) {
        assertThatThrownBy(() -> verifier.verify(token))
                .isInstanceOf(AuthException.class)
                .hasMessageContaining(messagePart)
                .extracting(e -> ((AuthException) e).reason()).isEqualTo(reason);
    }
}
