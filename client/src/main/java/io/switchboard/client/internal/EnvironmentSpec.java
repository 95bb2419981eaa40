package io.switchboard.client.internal;

import java.util.regex.Pattern;

/** {@code "prod"} or {@code "prod,fallback:staging"}: a primary environment and an optional fallback. */
public record EnvironmentSpec(String primary, String fallback) {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,99}");

    public static EnvironmentSpec parse(String text) {
        if (text == null) {
            throw new IllegalArgumentException("environment is required, such as \"prod\" or \"prod,fallback:staging\"");
        }
        String[] parts = text.split(",", -1);
        String primary = parts[0].trim();
        String fallback = null;
        if (parts.length == 2 && parts[1].trim().startsWith("fallback:")) {
            fallback = parts[1].trim().substring("fallback:".length());
        } else if (parts.length > 1) {
            throw new IllegalArgumentException("environment must be \"ENV\" or \"ENV,fallback:OTHER\", got '" + text + "'");
        }
        if (!NAME.matcher(primary).matches() || fallback != null && !NAME.matcher(fallback).matches()) {
            throw new IllegalArgumentException("environment names are letters, digits and . _ -, got '" + text + "'");
        }
        return new EnvironmentSpec(primary, fallback);
    }

    @Override
    public String toString() {
        return fallback == null ? "'" + primary + "'" : "'" + primary + "' (fallback '" + fallback + "')";
    }
}
