package io.switchboard.common.service;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Trace items as clients send them (protocol section 5), for the warm-up loads of the services that take them in
 * (tracing) and index them (query): logs at info and warn, a trace's spans, call outcomes, all in environment
 * {@value #ENVIRONMENT}.
 */
public final class WarmUpItems {
    public static final String ENVIRONMENT = "warm";

    private WarmUpItems() {
    }

    /** Logs (every third at warn, the rest info), spans of one trace, and outcomes (every fifth failed), as JSON. */
    public static List<String> items(int logs, int spans, int outcomes) {
        long now = System.currentTimeMillis() * 1_000;
        String traceId = hex(16);
        String root = hex(8);
        List<String> out = new ArrayList<>(logs + spans + outcomes);
        for (int i = 0; i < logs; i++) {
            out.add("{\"kind\":\"log\",\"id\":\"" + hex(16) + "\",\"timestamp\":" + (now + i) + ",\"service\":\"warm"
                    + i % 4 + "\",\"node\":\"warm-1\",\"environment\":\"" + ENVIRONMENT + "\",\"level\":\""
                    + (i % 3 == 0 ? "warn" : "info") + "\",\"category\":\"warm.up\",\"message\":\"warm-up log " + i
                    + " of a batch\",\"traceId\":\"" + traceId + "\",\"spanId\":\"" + root
                    + "\",\"attributes\":{\"order\":\"" + i + "\"}}");
        }
        for (int i = 0; i < spans; i++) {
            out.add("{\"kind\":\"span\",\"id\":\"" + hex(16) + "\",\"timestamp\":" + (now + i) + ",\"service\":\"warm"
                    + i % 4 + "\",\"node\":\"warm-1\",\"environment\":\"" + ENVIRONMENT + "\",\"traceId\":\"" + traceId
                    + "\",\"spanId\":\"" + (i == 0 ? root + "\"" : hex(8) + "\",\"parentSpanId\":\"" + root + "\"")
                    + ",\"operation\":\"GET /warm\",\"durationMicros\":" + (100 + i)
                    + ",\"spanKind\":\"server\",\"status\":\"ok\",\"attributes\":{\"http.status_code\":\"200\"}}");
        }
        for (int i = 0; i < outcomes; i++) {
            out.add("{\"kind\":\"outcome\",\"id\":\"" + hex(16) + "\",\"timestamp\":" + (now + i)
                    + ",\"service\":\"warm0\",\"environment\":\"" + ENVIRONMENT + "\",\"calleeService\":\"warm1\","
                    + "\"calleeNode\":\"warm-2\",\"calleeVersion\":\"1.0.0\",\"calleeEnvironment\":\"" + ENVIRONMENT
                    + "\",\"success\":" + (i % 5 != 0) + ",\"latencyMicros\":" + (500 + i) + ",\"traceId\":\""
                    + traceId + "\"}");
        }
        return out;
    }

    /** Random lowercase hex of the given bytes, never all zero. */
    private static String hex(int bytes) {
        byte[] b = new byte[bytes];
        ThreadLocalRandom.current().nextBytes(b);
        b[0] |= 1;
        return HexFormat.of().formatHex(b);
    }
}
