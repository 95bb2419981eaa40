package io.switchboard.common.model;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Values of other models (OpenTelemetry, Zipkin) fitted to the rules of the event model: names of letters, digits and
 * {@code . _ -}, at most {@link Limits#maxEntries()} attributes of bounded length, text without control characters.
 * An item is kept with its values cut rather than refused over a long tag or an odd character. Used by the tracing
 * service's OTLP and Zipkin receivers and by the Java client's OpenTelemetry exporter, so both fit alike.
 */
public final class ModelFit {
    private static final Limits LIMITS = Limits.DEFAULT;

    private ModelFit() {
    }

    /**
     * A name fit for service or environment: letters, digits and . _ -, starting with a letter or digit, at most
     * the name length; other characters become '_' ({@code unknown_service:java} becomes
     * {@code unknown_service_java}). Null if nothing is left.
     */
    public static String name(String value) {
        return fit(value, "._-", LIMITS.maxNameLength());
    }

    /** A node id: letters, digits and . _ : -; null if nothing is left. */
    public static String nodeId(String value) {
        return fit(value, "._:-", LIMITS.maxIdLength());
    }

    private static String fit(String value, String punctuation, int max) {
        if (value == null) {
            return null;
        }
        StringBuilder b = new StringBuilder(Math.min(value.length(), max));
        for (int i = 0; i < value.length() && b.length() < max; i++) {
            char c = value.charAt(i);
            boolean alnum = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9';
            if (b.isEmpty() && !alnum) {
                continue;
            }
            b.append(alnum || punctuation.indexOf(c) >= 0 ? c : '_');
        }
        return b.isEmpty() ? null : b.toString();
    }

    /** Text cut to {@code max} characters, control characters other than tab and newlines made spaces. */
    public static String text(String value, int max) {
        if (value == null) {
            return null;
        }
        String cut = value.length() > max ? value.substring(0, max) : value;
        StringBuilder b = null;
        for (int i = 0; i < cut.length(); i++) {
            char c = cut.charAt(i);
            if (c < 0x20 && c != '\n' && c != '\t' && c != '\r') {
                if (b == null) {
                    b = new StringBuilder(cut);
                }
                b.setCharAt(i, ' ');
            }
        }
        return b == null ? cut : b.toString();
    }

    /** An operation or event name: cut to the name length; {@code fallback} when empty. */
    public static String label(String value, String fallback) {
        String t = text(value, LIMITS.maxNameLength());
        return t == null || t.isBlank() ? fallback : t;
    }

    /**
     * Attributes in the event model's bounds: keys fit to letters, digits and . _ : / -; values cut to the value
     * length; at most {@link Limits#maxEntries()} entries, the last slot then counting what did not fit
     * ({@value #DROPPED}). A key put again replaces the earlier value (a span's own over its resource's).
     */
    public static final class Attributes {
        public static final String DROPPED = "switchboard.dropped_attributes";
        private final Map<String, String> map = new LinkedHashMap<>();
        private int dropped;

        public Attributes put(String key, String value) {
            String k = fit(key, "._:/-", LIMITS.maxKeyLength());
            if (k == null || value == null) {
                return this;
            }
            // The model has no empty values: an empty one is kept as the two characters "".
            String v = value.isEmpty() ? "\"\"" : text(value, LIMITS.maxValueLength());
            if (map.containsKey(k) || map.size() < LIMITS.maxEntries() - 1) {
                map.put(k, v);
            } else {
                dropped++;
            }
            return this;
        }

        public Attributes dropped(int n) {
            dropped += Math.max(0, n);
            return this;
        }

        public Map<String, String> build() {
            if (dropped > 0) {
                map.put(DROPPED, Integer.toString(dropped));
            }
            return map;
        }
    }
}
