package io.switchboard.common.protocol;

/** A frame the server refuses, answered with an {@code error} frame of this code; the connection goes on. */
public final class ProtocolException extends RuntimeException {
    private final String code;
    private final String field;

    public ProtocolException(String code, String message, String field) {
        super(message);
        this.code = code;
        this.field = field;
    }

    public ProtocolException(String code, String message) {
        this(code, message, null);
    }

    public String code() {
        return code;
    }

    public String field() {
        return field;
    }
}
