package io.switchboard.common.auth;

import java.time.Instant;

/**
 * Who is calling, as proven by a verified token. Every read and write is scoped by {@link #tenant()}.
 *
 * @param subject   the token's {@code sub}, or the tenant if absent; for audit trails
 * @param expiresAt the token's {@code exp}; long-lived connections are closed when it passes
 * @param service   the one service a client token may act as (its {@code service} claim), or null for a token of the
 *                  whole tenant
 */
public record Principal(String tenant, Role role, String subject, Instant expiresAt, String service) {

    /** Whether this principal may act as the service: any, for operators and tenant-wide tokens. */
    public boolean mayActAs(String otherService) {
        return role == Role.OPERATOR || service == null || service.equals(otherService);
    }
}
