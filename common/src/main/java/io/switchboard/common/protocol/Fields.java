package io.switchboard.common.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.common.model.ValidationException;
import io.switchboard.common.model.Violation;
import java.util.List;

/** Reading a frame's plain fields with errors that name the field, for message handlers. */
public final class Fields {
    private Fields() {
    }

    /** A string field; null if absent and not required. */
    public static String text(JsonNode frame, String field, boolean required) {
        JsonNode v = frame.get(field);
        if (v == null || v.isNull()) {
            if (required) {
                throw invalid(field, "is required");
            }
            return null;
        }
        if (!v.isTextual()) {
            throw invalid(field, "must be a string");
        }
        return v.asText();
    }

    /** The frame's {@code ref}, if it is a string short enough to echo. */
    public static String ref(JsonNode frame) {
        JsonNode ref = frame.get("ref");
        return ref != null && ref.isTextual() && ref.asText().length() <= 64 ? ref.asText() : null;
    }

    public static ValidationException invalid(String field, String message) {
        return new ValidationException(List.of(new Violation(field, message)));
    }

    /** A value short enough to quote in an error message. */
    public static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }
}
