package io.switchboard.common.auth;

/** A token that is missing, malformed, expired, wrongly signed, lacks a claim, or has the wrong role. */
public final class AuthException extends RuntimeException {
    private final Reason reason;

    public AuthException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }

    /** Why a token was refused; {@link #code()} is the error code documented in docs/protocol.md. */
    public enum Reason {
        MISSING_TOKEN("missing_token", 401),
        MALFORMED_TOKEN("malformed_token", 401),
        BAD_SIGNATURE("bad_signature", 401),
        TOKEN_EXPIRED("token_expired", 401),
        MISSING_CLAIM("missing_claim", 401),
        INVALID_CLAIM("invalid_claim", 401),
        KEYS_UNAVAILABLE("keys_unavailable", 503),
        FORBIDDEN("forbidden", 403);

        private final String code;
        private final int httpStatus;

        Reason(String code, int httpStatus) {
            this.code = code;
            this.httpStatus = httpStatus;
        }

        public String code() {
            return code;
        }

        public int httpStatus() {
            return httpStatus;
        }
    }
}
