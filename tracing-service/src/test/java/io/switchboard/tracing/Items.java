package io.switchboard.tracing;

import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;

/** Builds trace items and events frames as a client would send them. */
final class Items {
    static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";

    private Items() {
    }

    static String id() {
        return UUID.randomUUID().toString().replace("-", "");
    }

    static long now() {
        return System.currentTimeMillis() * 1_000;
    }

    static String log(String id, String service, String level, String message) {
        return log(id, service, level, message, "prod", null);
    }

    static String log(String id, String service, String level, String message, String env, String traceId) {
        return "{\"kind\":\"log\",\"id\":\"" + id + "\",\"timestamp\":" + now() + ",\"service\":\"" + service
                + "\",\"environment\":\"" + env + "\",\"level\":\"" + level + "\",\"message\":\"" + message + "\""
                + (traceId == null ? "" : ",\"traceId\":\"" + traceId + "\"") + "}";
    }

    static String span(String id, String service, String operation, String traceId, String spanId) {
        return "{\"kind\":\"span\",\"id\":\"" + id + "\",\"timestamp\":" + now() + ",\"durationMicros\":1200,\"service\":\""
                + service + "\",\"environment\":\"prod\",\"traceId\":\"" + traceId + "\",\"spanId\":\"" + spanId
                + "\",\"operation\":\"" + operation + "\",\"spanKind\":\"server\",\"status\":\"ok\"}";
    }

    static String outcome(String id, String service, String callee, String calleeNode, boolean success) {
        return "{\"kind\":\"outcome\",\"id\":\"" + id + "\",\"timestamp\":" + now() + ",\"service\":\"" + service
                + "\",\"calleeService\":\"" + callee + "\",\"calleeNode\":\"" + calleeNode + "\",\"success\":" + success
                + ",\"latencyMicros\":900}";
    }

    static String events(long seq, long dropped, List<String> items) {
        return "{\"type\":\"events\",\"seq\":" + seq + ",\"dropped\":" + dropped + ",\"items\":["
                + items.stream().collect(Collectors.joining(",")) + "]}";
    }
}
