package io.switchboard.common.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/** Severity of a log event, lowest first; a filter by minimum level keeps this level and those after it. */
public enum Level {
    TRACE, DEBUG, INFO, WARN, ERROR, FATAL;

    @JsonValue
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a level case-insensitively; returns null for an unknown name so that validation can name the field. */
    @JsonCreator
    public static Level parse(String name) {
        if (name == null) {
            return null;
        }
        try {
            return valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown level '" + name + "'; expected one of trace, debug, info, warn, error, fatal");
        }
    }
}
