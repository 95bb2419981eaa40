package io.switchboard.common.protocol;

/** A frame the server refuses, answered with an {@code error} frame of this code; the connection goes on. */
public class ProtocolException extends RuntimeException {
    private final String code;
    private final String field;

    public ProtocolException(String code, String message, String field) {
        super(message);
        this.code = code;
        this.field = field;
    }

    /** More fields for the error frame (such as the quota and when to retry); empty by default. */
    public java.util.Map<String, Object> details() {
        return java.util.Map.of();
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
