package io.switchboard.common.auth;

import java.util.Locale;

/** What a token may do: a client library registers and sends events; an operator also reads and changes settings. */
public enum Role {
    CLIENT, OPERATOR;

    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a claim value; null if it is not a known role. */
    public static Role fromClaim(String value) {
        for (Role r : values()) {
            if (r.wireName().equals(value)) {
                return r;
            }
        }
        return null;
    }
}
