package io.switchboard.common.protocol;

/** The {@code code} of an {@code error} frame; docs/protocol.md lists what each means and what to do. */
public final class ErrorCode {
    public static final String MALFORMED_FRAME = "malformed_frame";
    public static final String UNSUPPORTED_FRAME = "unsupported_frame";
    public static final String FRAME_TOO_LARGE = "frame_too_large";
    public static final String MISSING_TYPE = "missing_type";
    public static final String UNKNOWN_TYPE = "unknown_type";
    public static final String NOT_OPEN = "not_open";
    public static final String ALREADY_OPEN = "already_open";
    public static final String UNSUPPORTED_PROTOCOL = "unsupported_protocol";
    public static final String INVALID_FIELD = "invalid_field";
    public static final String LIMIT_EXCEEDED = "limit_exceeded";
    public static final String FORBIDDEN = "forbidden";
    public static final String UNAVAILABLE = "unavailable";
    public static final String INTERNAL = "internal";

    private ErrorCode() {
    }
}
