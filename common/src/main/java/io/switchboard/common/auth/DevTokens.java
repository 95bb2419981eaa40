package io.switchboard.common.auth;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;

/**
 * Issues HS256 tokens for development, tests and standalone mode. Production tokens come from an identity
 * provider (see docs/architecture.md, "Authentication").
 *
 * <p>Run as {@code ./switchboard token --tenant T --role client|operator [--service S] [--ttl 24h] [--secret S]}.
 */
public final class DevTokens {
    /**
     * The secret standalone mode uses unless configured otherwise. It is public, so tokens signed with it prove
     * nothing: the service mains refuse to start with it.
     */
    public static final String DEV_SECRET = "switchboard-dev-secret-do-not-use-in-production";

    private DevTokens() {
    }

    public static String issue(String secret, String tenant, Role role, Duration ttl, Instant now) {
        return issue(secret, tenant, role, null, ttl, now);
    }

    /** A token bound to one service ({@code service} claim), or of the whole tenant if {@code service} is null. */
    public static String issue(String secret, String tenant, Role role, String service, Duration ttl, Instant now) {
        var builder = JWT.create()
                .withSubject(tenant + "-" + (service == null ? role.wireName() : service))
                .withClaim(JwtTokenVerifier.TENANT_CLAIM, tenant)
                .withClaim(JwtTokenVerifier.ROLE_CLAIM, role.wireName())
                .withIssuedAt(now)
                .withExpiresAt(now.plus(ttl));
        if (service != null) {
            builder.withClaim(JwtTokenVerifier.SERVICE_CLAIM, service);
        }
        return builder.sign(Algorithm.HMAC256(secret));
    }

    /** Parses durations such as 30s, 15m, 24h or 7d. */
    public static Duration parseDuration(String text) {
        Duration d = text == null ? null : io.switchboard.common.config.ConfigSource.parseDuration(text);
        if (d == null || d.isZero()) {
            throw new IllegalArgumentException("'" + text + "' is not a duration; write a number and a unit: 30s, 15m, 24h, 7d");
        }
        return d;
    }

    public static void main(String[] args) {
        String tenant = null;
        String role = null;
        String ttl = "24h";
        String service = null;
        String secret = System.getenv().getOrDefault("SWITCHBOARD_AUTH_HS256_SECRET", DEV_SECRET);
        for (int i = 0; i < args.length; i++) {
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (args[i]) {
                case "--tenant" -> { tenant = value; i++; }
                case "--role" -> { role = value; i++; }
                case "--ttl" -> { ttl = value; i++; }
                case "--service" -> { service = value; i++; }
                case "--secret" -> { secret = value; i++; }
                default -> fail("unknown option '" + args[i] + "'");
            }
        }
        if (tenant == null || !JwtTokenVerifier.TENANT.matcher(tenant).matches()) {
            fail("--tenant is required: 1 to 63 of a-z 0-9 _ -, such as --tenant acme");
        }
        Role parsed = role == null ? null : Role.fromClaim(role.toLowerCase(Locale.ROOT));
        if (parsed == null) {
            fail("--role must be client or operator");
        }
        Duration duration;
        try {
            duration = parseDuration(ttl);
        } catch (IllegalArgumentException e) {
            fail("--ttl: " + e.getMessage());
            return;
        }
        if (service != null && !io.switchboard.common.model.EventValidator.isName(service)) {
            fail("--service must be a service name (letters, digits and . _ -), such as --service orders");
        }
        System.out.println(issue(secret, tenant, parsed, service, duration, Instant.now()));
    }

    private static void fail(String message) {
        System.err.println("switchboard token: " + message);
        System.err.println("usage: ./switchboard token --tenant T --role client|operator [--service S] [--ttl 24h]");
        System.exit(2);
    }
}
