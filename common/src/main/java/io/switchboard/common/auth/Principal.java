package io.switchboard.common.auth;

import java.time.Instant;

/**
 * Who is calling, as proven by a verified token. Every read and write is scoped by {@link #tenant()}.
 *
 * @param subject   the token's {@code sub}, or the tenant if absent; for audit trails
 * @param expiresAt the token's {@code exp}; long-lived connections are closed when it passes
 */
public record Principal(String tenant, Role role, String subject, Instant expiresAt) {
}
