package io.switchboard.client;

import java.util.regex.Pattern;

/**
 * The identity of a span within a trace, as W3C trace context carries it between services in the
 * {@code traceparent} header: {@code 00-<32 hex trace id>-<16 hex span id>-<2 hex flags>}.
 */
public record SpanContext(String traceId, String spanId, boolean sampled) {
    private static final Pattern TRACEPARENT = Pattern.compile("([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?");
    public static final String HEADER = "traceparent";

    /** The header value, version 00. */
    public String traceparent() {
        return "00-" + traceId + "-" + spanId + (sampled ? "-01" : "-00");
    }

    /**
     * Parses a {@code traceparent} from another service (ours or any W3C tracer); null if absent or invalid, as the
     * W3C spec asks (an invalid header starts a new trace rather than failing the request).
     */
    public static SpanContext fromTraceparent(String header) {
        if (header == null) {
            return null;
        }
        var m = TRACEPARENT.matcher(header.trim().toLowerCase(java.util.Locale.ROOT));
        if (!m.matches() || m.group(1).equals("ff") || (m.group(1).equals("00") && m.group(5) != null)
                || m.group(2).chars().allMatch(c -> c == '0') || m.group(3).chars().allMatch(c -> c == '0')) {
            return null;
        }
        return new SpanContext(m.group(2), m.group(3), (Integer.parseInt(m.group(4), 16) & 1) == 1);
    }
}
