package io.switchboard.testsupport;

import io.switchboard.common.auth.DevTokens;
import io.switchboard.common.auth.JwtTokenVerifier;
import io.switchboard.common.auth.Role;
import io.switchboard.common.auth.TokenVerifier;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/** Tokens for tests, signed with a test secret that only tests use. */
public final class Tokens {
    public static final String SECRET = "switchboard-test-secret-0123456789abcdef";

    private Tokens() {
    }

    public static TokenVerifier verifier() {
        return JwtTokenVerifier.hs256(SECRET, null, Clock.systemUTC());
    }

    public static String client(String tenant) {
        return DevTokens.issue(SECRET, tenant, Role.CLIENT, Duration.ofHours(1), Instant.now());
    }

    /** A client token bound to one service (its {@code service} claim). */
    public static String client(String tenant, String service) {
        return DevTokens.issue(SECRET, tenant, Role.CLIENT, service, Duration.ofHours(1), Instant.now());
    }

    public static String operator(String tenant) {
        return DevTokens.issue(SECRET, tenant, Role.OPERATOR, Duration.ofHours(1), Instant.now());
    }

    public static String expiringIn(String tenant, Role role, Duration ttl) {
        return DevTokens.issue(SECRET, tenant, role, ttl, Instant.now());
    }
}
