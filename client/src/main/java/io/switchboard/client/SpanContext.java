package io.switchboard.client;

import java.util.regex.Pattern;

/**
 * The identity of a span within a trace, as W3C trace context carries it between services: the
 * {@code traceparent} header ({@code 00-<32 hex trace id>-<16 hex span id>-<2 hex flags>}) and, with it, the
 * {@code tracestate} header (vendors' entries, passed on unchanged; null when there is none).
 */
public record SpanContext(String traceId, String spanId, boolean sampled, String traceState) {
    private static final Pattern TRACEPARENT = Pattern.compile("([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?");
    public static final String HEADER = "traceparent";
    public static final String STATE_HEADER = "tracestate";
    /** W3C allows 32 entries; longer values are cut there, and a header over this is dropped. */
    public static final int MAX_TRACE_STATE = 512;

    public SpanContext {
        traceState = validTraceState(traceState);
    }

    /** A context without trace state. */
    public SpanContext(String traceId, String spanId, boolean sampled) {
        this(traceId, spanId, sampled, null);
    }

    /** The {@code traceparent} header value, version 00. */
    public String traceparent() {
        return "00-" + traceId + "-" + spanId + (sampled ? "-01" : "-00");
    }

    /** The same trace position for a new span of this trace: its id, this trace state. */
    public SpanContext child(String childSpanId) {
        return new SpanContext(traceId, childSpanId, sampled, traceState);
    }

    /**
     * Parses a {@code traceparent} from another service (ours or any W3C tracer); null if absent or invalid, as the
     * W3C spec asks (an invalid header starts a new trace rather than failing the request).
     */
    public static SpanContext fromTraceparent(String header) {
        return fromHeaders(header, null);
    }

    /**
     * Parses {@code traceparent} and {@code tracestate}; null if the traceparent is absent or invalid. An invalid
     * tracestate is dropped and the traceparent kept, as the W3C spec asks.
     */
    public static SpanContext fromHeaders(String traceparent, String tracestate) {
        if (traceparent == null) {
            return null;
        }
        var m = TRACEPARENT.matcher(traceparent.trim().toLowerCase(java.util.Locale.ROOT));
        if (!m.matches() || m.group(1).equals("ff") || (m.group(1).equals("00") && m.group(5) != null)
                || m.group(2).chars().allMatch(c -> c == '0') || m.group(3).chars().allMatch(c -> c == '0')) {
            return null;
        }
        return new SpanContext(m.group(2), m.group(3), (Integer.parseInt(m.group(4), 16) & 1) == 1, tracestate);
    }

    /** The trace state if it is one W3C allows in size and characters (printable ASCII list members), else null. */
    private static String validTraceState(String s) {
        if (s == null) {
            return null;
        }
        String t = s.trim();
        if (t.isEmpty() || t.length() > MAX_TRACE_STATE) {
            return null;
        }
        int members = 0;
        for (String member : t.split(",", -1)) {
            String m = member.trim();
            if (m.isEmpty()) {
                continue; // empty list members are allowed and ignored
            }
            int eq = m.indexOf('=');
            if (eq <= 0 || eq == m.length() - 1 || ++members > 32) {
                return null;
            }
            for (int i = 0; i < m.length(); i++) {
                char c = m.charAt(i);
                if (c < 0x20 || c > 0x7e) {
                    return null;
                }
            }
        }
        return members == 0 ? null : t;
    }
}
