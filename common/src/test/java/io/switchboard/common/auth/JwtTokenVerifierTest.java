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

    /** A clock the test moves by hand, so that the JWKS refresh interval passes without waiting for it. */
    private static final class TestClock extends Clock {
        volatile Instant now = Instant.now();

        @Override
        public java.time.ZoneId getZone() {
            return java.time.ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    private static String jwk(String kid, RSAPublicKey pub) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        return "{\"kty\":\"RSA\",\"kid\":\"" + kid + "\",\"use\":\"sig\",\"alg\":\"RS256\",\"n\":\""
                + b64.encodeToString(unsigned(pub.getModulus().toByteArray())) + "\",\"e\":\""
                + b64.encodeToString(unsigned(pub.getPublicExponent().toByteArray())) + "\"}";
    }

    @Test
    void tokensWithMadeUpKeyIdsCostOneFetchPerIntervalAndARotatedKeyIsStillPickedUp() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(2048);
        KeyPair k1 = generator.generateKeyPair();
        KeyPair k2 = generator.generateKeyPair();
        java.util.concurrent.atomic.AtomicReference<String> jwks = new java.util.concurrent.atomic.AtomicReference<>(
                "{\"keys\":[" + jwk("k1", (RSAPublicKey) k1.getPublic()) + "]}");
        java.util.concurrent.atomic.AtomicInteger requests = new java.util.concurrent.atomic.AtomicInteger();
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/jwks", exchange -> {
            requests.incrementAndGet();
            byte[] body = jwks.get().getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
        try {
            TestClock clock = new TestClock();
            JwtTokenVerifier rs = JwtTokenVerifier.jwks("http://127.0.0.1:" + server.getAddress().getPort() + "/jwks",
                    "https://tenant.example/", "switchboard", null, clock, Duration.ofSeconds(30));
            java.util.function.BiFunction<String, KeyPair, String> token = (kid, pair) -> JWT.create().withKeyId(kid)
                    .withIssuer("https://tenant.example/").withAudience("switchboard").withClaim("tenant", "acme")
                    .withClaim("role", "client").withExpiresAt(clock.instant().plusSeconds(3_600))
                    .sign(Algorithm.RSA256((RSAPublicKey) pair.getPublic(), (RSAPrivateKey) pair.getPrivate()));
            assertThat(rs.verify(token.apply("k1", k1)).tenant()).isEqualTo("acme");
            for (int i = 0; i < 500; i++) {
                String forged = token.apply("random-" + i, k2);
                assertThatThrownBy(() -> rs.verify(forged)).isInstanceOf(AuthException.class)
                        .extracting(e -> ((AuthException) e).reason()).isEqualTo(AuthException.Reason.BAD_SIGNATURE);
            }
            assertThat(requests.get()).as("JWKS fetches for 500 unknown key ids").isEqualTo(1);
            assertThat(rs.verify(token.apply("k1", k1)).tenant()).isEqualTo("acme");

            // The identity provider rotates to k2: once the interval has passed, the first k2 token fetches it.
            jwks.set("{\"keys\":[" + jwk("k1", (RSAPublicKey) k1.getPublic()) + "," + jwk("k2", (RSAPublicKey) k2.getPublic()) + "]}");
            clock.now = clock.now.plusSeconds(31);
            assertThat(rs.verify(token.apply("k2", k2)).tenant()).isEqualTo("acme");
            assertThat(requests.get()).isEqualTo(2);
            assertThat(rs.jwksFetches()).isEqualTo(2);
        } finally {
            server.stop(0);
        }
    }

    @Test
    void aLongerLivedTokenThanTheDeploymentAcceptsIsRefused() {
        TokenVerifier bounded = JwtTokenVerifier.hs256(SECRET, null, Duration.ofHours(1), Clock.systemUTC());
        assertThat(bounded.verify(DevTokens.issue(SECRET, "acme", Role.CLIENT, Duration.ofMinutes(30), Instant.now())).tenant())
                .isEqualTo("acme");
        String longLived = DevTokens.issue(SECRET, "acme", Role.CLIENT, Duration.ofDays(30), Instant.now());
        assertThatThrownBy(() -> bounded.verify(longLived)).isInstanceOf(AuthException.class)
                .hasMessageContaining("auth.max-token-lifetime")
                .extracting(e -> ((AuthException) e).reason()).isEqualTo(AuthException.Reason.INVALID_CLAIM);
    }

    @Test
    void aClientTokenMayBeBoundToOneService() {
        Principal bound = verifier.verify(DevTokens.issue(SECRET, "acme", Role.CLIENT, "orders", Duration.ofHours(1), Instant.now()));
        assertThat(bound.service()).isEqualTo("orders");
        assertThat(bound.mayActAs("orders")).isTrue();
        assertThat(bound.mayActAs("payments")).isFalse();
        Principal tenantWide = verifier.verify(DevTokens.issue(SECRET, "acme", Role.CLIENT, Duration.ofHours(1), Instant.now()));
        assertThat(tenantWide.service()).isNull();
        assertThat(tenantWide.mayActAs("payments")).isTrue();
        String bad = JWT.create().withClaim("tenant", "acme").withClaim("role", "client").withClaim("service", "no spaces")
                .withExpiresAt(Instant.now().plusSeconds(60)).sign(Algorithm.HMAC256(SECRET));
        assertRefused(bad, AuthException.Reason.INVALID_CLAIM, "'service' claim");
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
