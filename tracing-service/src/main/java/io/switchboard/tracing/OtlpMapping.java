package io.switchboard.tracing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.logs.v1.LogRecord;
import io.opentelemetry.proto.logs.v1.ResourceLogs;
import io.opentelemetry.proto.logs.v1.ScopeLogs;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.switchboard.common.codec.Json;
import io.switchboard.common.model.EventValidator;
import io.switchboard.common.model.ModelFit;
import io.switchboard.common.model.Level;
import io.switchboard.common.model.Limits;
import io.switchboard.common.model.LogEvent;
import io.switchboard.common.model.Span;
import io.switchboard.tracing.HttpIngest.Candidate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Collectors;

/**
 * OTLP's messages (the official protobuf definitions) mapped to the event model. The resource's
 * {@code service.name} is the service, {@code deployment.environment[.name]} the environment,
 * {@code service.instance.id} (else {@code host.name}) the node; its other attributes, {@code service.version}
 * among them, sit under each item's own. A span keeps its kind, status, events, links and trace state; its event id
 * is derived from its trace and span ids, and a log record's from its content, so an export sent again is stored
 * once.
 */
final class OtlpMapping {
    private static final HexFormat HEX = HexFormat.of();
    private static final Limits LIMITS = Limits.DEFAULT;
    private static final JsonFormat.Parser JSON = JsonFormat.parser().ignoringUnknownFields();

    private OtlpMapping() {
    }

    // ---- decoding ---------------------------------------------------------------------------------------------

    static ExportTraceServiceRequest traces(byte[] body, Interop.Format format) {
        try {
            if (format == Interop.Format.PROTOBUF) {
                return ExportTraceServiceRequest.parseFrom(body);
            }
            ExportTraceServiceRequest.Builder b = ExportTraceServiceRequest.newBuilder();
            JSON.merge(idsToBase64(body, "resourceSpans", "scopeSpans", "spans"), b);
            return b.build();
        } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
            throw undecodable(format, "ExportTraceServiceRequest", e);
        }
    }

    static ExportLogsServiceRequest logs(byte[] body, Interop.Format format) {
        try {
            if (format == Interop.Format.PROTOBUF) {
                return ExportLogsServiceRequest.parseFrom(body);
            }
            ExportLogsServiceRequest.Builder b = ExportLogsServiceRequest.newBuilder();
            JSON.merge(idsToBase64(body, "resourceLogs", "scopeLogs", "logRecords"), b);
            return b.build();
        } catch (InvalidProtocolBufferException | IllegalArgumentException e) {
            throw undecodable(format, "ExportLogsServiceRequest", e);
        }
    }

    private static HttpIngest.Refused undecodable(Interop.Format format, String message, Exception e) {
        String what = format == Interop.Format.PROTOBUF ? "a protobuf " : "OTLP/JSON of ";
        return new HttpIngest.Refused(400, "the body is not " + what + message + " (" + e.getMessage()
                + "); nothing was stored", 0);
    }

    /**
     * OTLP/JSON writes trace and span ids as hex, where protobuf's JSON mapping of bytes is base64: the ids are
     * turned to base64 before the official parser reads the rest. An id that is not hex is made empty, so that its
     * item alone is refused for it.
     */
    private static String idsToBase64(byte[] body, String resources, String scopes, String items) {
        JsonNode root;
        try {
            root = Json.MAPPER.readTree(body);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("not JSON: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("the body must be a JSON object");
        }
        for (JsonNode resource : root.path(resources)) {
            for (JsonNode scope : resource.path(scopes)) {
                for (JsonNode item : scope.path(items)) {
                    if (item instanceof ObjectNode o) {
                        hexToBase64(o, "traceId", "spanId", "parentSpanId");
                        for (JsonNode link : o.path("links")) {
                            if (link instanceof ObjectNode l) {
                                hexToBase64(l, "traceId", "spanId");
                            }
                        }
                    }
                }
            }
        }
        return root.toString();
    }

    private static void hexToBase64(ObjectNode o, String... fields) {
        for (String f : fields) {
            JsonNode v = o.get(f);
            if (v != null && v.isTextual()) {
                byte[] bytes;
                try {
                    bytes = HEX.parseHex(v.asText());
                } catch (IllegalArgumentException e) {
                    bytes = new byte[0];
                }
                o.put(f, Base64.getEncoder().encodeToString(bytes));
            }
        }
    }

    // ---- mapping ----------------------------------------------------------------------------------------------

    /** The item fields a resource gives. */
    private record Origin(String service, String environment, String node, List<KeyValue> attributes) {
        static Origin of(Resource resource) {
            String service = null;
            String environment = null;
            String instance = null;
            String host = null;
            List<KeyValue> rest = new ArrayList<>();
            for (KeyValue kv : resource.getAttributesList()) {
                switch (kv.getKey()) {
                    case "service.name" -> service = string(kv.getValue());
                    case "deployment.environment.name" -> environment = string(kv.getValue());
                    case "deployment.environment" -> environment = environment != null ? environment : string(kv.getValue());
                    case "service.instance.id" -> instance = string(kv.getValue());
                    case "host.name" -> {
                        host = string(kv.getValue());
                        rest.add(kv);
                    }
                    default -> rest.add(kv);
                }
            }
            String name = ModelFit.name(service);
            return new Origin(name == null ? "unknown_service" : name, ModelFit.name(environment),
                    ModelFit.nodeId(instance != null ? instance : host), rest);
        }
    }

    static List<Candidate> spans(ExportTraceServiceRequest request) {
        List<Candidate> out = new ArrayList<>();
        int r = 0;
        for (ResourceSpans rs : request.getResourceSpansList()) {
            Origin origin = Origin.of(rs.getResource());
            int s = 0;
            for (ScopeSpans ss : rs.getScopeSpansList()) {
                int i = 0;
                for (io.opentelemetry.proto.trace.v1.Span span : ss.getSpansList()) {
                    String label = "resourceSpans[" + r + "].scopeSpans[" + s + "].spans[" + i++ + "]";
                    out.add(span(label, origin, ss.getScope(), span));
                }
                s++;
            }
            r++;
        }
        return out;
    }

    private static Candidate span(String label, Origin origin, io.opentelemetry.proto.common.v1.InstrumentationScope scope,
                                  io.opentelemetry.proto.trace.v1.Span span) {
        String traceId = Interop.hexId(span.getTraceId().toByteArray(), 16);
        String spanId = Interop.hexId(span.getSpanId().toByteArray(), 8);
        if (traceId == null) {
            return Candidate.refused(label, "traceId must be 16 bytes (32 hex digits in JSON), not all zero");
        }
        if (spanId == null) {
            return Candidate.refused(label, "spanId must be 8 bytes (16 hex digits in JSON), not all zero");
        }
        String parent = span.getParentSpanId().isEmpty() ? null : Interop.hexId(span.getParentSpanId().toByteArray(), 8);
        if (!span.getParentSpanId().isEmpty() && parent == null) {
            return Candidate.refused(label, "parentSpanId must be 8 bytes (16 hex digits in JSON), or absent for a root span");
        }
        if (span.getStartTimeUnixNano() == 0) {
            return Candidate.refused(label, "startTimeUnixNano is required");
        }
        long start = span.getStartTimeUnixNano() / 1_000;
        long duration = Math.max(0, (span.getEndTimeUnixNano() - span.getStartTimeUnixNano()) / 1_000);
        ModelFit.Attributes attrs = new ModelFit.Attributes();
        origin.attributes().forEach(kv -> attrs.put(kv.getKey(), string(kv.getValue())));
        scopeAttributes(attrs, scope);
        String peer = null;
        for (KeyValue kv : span.getAttributesList()) {
            if (kv.getKey().equals("peer.service")) {
                peer = ModelFit.name(string(kv.getValue()));
            }
            attrs.put(kv.getKey(), string(kv.getValue()));
        }
        attrs.dropped(span.getDroppedAttributesCount());
        if (!span.getStatus().getMessage().isEmpty()) {
            attrs.put("otel.status_description", span.getStatus().getMessage());
        }
        Span.Status status = switch (span.getStatus().getCode()) {
            case STATUS_CODE_OK -> Span.Status.OK;
            case STATUS_CODE_ERROR -> Span.Status.ERROR;
            default -> Span.Status.UNSET;
        };
        Span.SpanKind kind = switch (span.getKind()) {
            case SPAN_KIND_SERVER -> Span.SpanKind.SERVER;
            case SPAN_KIND_CLIENT -> Span.SpanKind.CLIENT;
            case SPAN_KIND_PRODUCER -> Span.SpanKind.PRODUCER;
            case SPAN_KIND_CONSUMER -> Span.SpanKind.CONSUMER;
            default -> Span.SpanKind.INTERNAL;
        };
        List<Span.Event> events = new ArrayList<>();
        for (io.opentelemetry.proto.trace.v1.Span.Event e : span.getEventsList()) {
            if (events.size() == EventValidator.MAX_SPAN_EVENTS) {
                attrs.put("otel.dropped_events_count", Integer.toString(span.getEventsCount() - events.size()));
                break;
            }
            ModelFit.Attributes ea = new ModelFit.Attributes();
            e.getAttributesList().forEach(kv -> ea.put(kv.getKey(), string(kv.getValue())));
            long at = e.getTimeUnixNano() == 0 ? start : e.getTimeUnixNano() / 1_000;
            events.add(new Span.Event(at, ModelFit.label(e.getName(), "event"), ea.dropped(e.getDroppedAttributesCount()).build()));
        }
        List<Span.Link> links = new ArrayList<>();
        for (io.opentelemetry.proto.trace.v1.Span.Link l : span.getLinksList()) {
            String lt = Interop.hexId(l.getTraceId().toByteArray(), 16);
            String ls = Interop.hexId(l.getSpanId().toByteArray(), 8);
            if (lt == null || ls == null || links.size() == EventValidator.MAX_SPAN_EVENTS) {
                continue; // a link to nothing, or beyond the limit
            }
            ModelFit.Attributes la = new ModelFit.Attributes();
            l.getAttributesList().forEach(kv -> la.put(kv.getKey(), string(kv.getValue())));
            links.add(new Span.Link(lt, ls, traceState(l.getTraceState()), la.dropped(l.getDroppedAttributesCount()).build()));
        }
        return Candidate.of(label, new Span(null, traceId.substring(16) + spanId, start, duration, origin.service(),
                origin.node(), origin.environment(), traceId, spanId, parent, ModelFit.label(span.getName(), "unnamed"),
                kind, status, peer, attrs.build(), traceState(span.getTraceState()), events, links));
    }

    private static void scopeAttributes(ModelFit.Attributes attrs, io.opentelemetry.proto.common.v1.InstrumentationScope scope) {
        if (!scope.getName().isEmpty()) {
            attrs.put("otel.scope.name", scope.getName());
        }
        if (!scope.getVersion().isEmpty()) {
            attrs.put("otel.scope.version", scope.getVersion());
        }
    }

    private static String traceState(String s) {
        return s == null || s.isEmpty() || s.length() > EventValidator.MAX_TRACE_STATE ? null : ModelFit.text(s, s.length());
    }

    static List<Candidate> logs(ExportLogsServiceRequest request) {
        List<Candidate> out = new ArrayList<>();
        int r = 0;
        for (ResourceLogs rl : request.getResourceLogsList()) {
            Origin origin = Origin.of(rl.getResource());
            int s = 0;
            for (ScopeLogs sl : rl.getScopeLogsList()) {
                int i = 0;
                for (LogRecord log : sl.getLogRecordsList()) {
                    String label = "resourceLogs[" + r + "].scopeLogs[" + s + "].logRecords[" + i + "]";
                    out.add(log(label, origin, sl.getScope(), log, r + "." + s + "." + i));
                    i++;
                }
                s++;
            }
            r++;
        }
        return out;
    }

    private static Candidate log(String label, Origin origin, io.opentelemetry.proto.common.v1.InstrumentationScope scope,
                                 LogRecord log, String position) {
        long nanos = log.getTimeUnixNano() != 0 ? log.getTimeUnixNano() : log.getObservedTimeUnixNano();
        if (nanos == 0) {
            return Candidate.refused(label, "timeUnixNano or observedTimeUnixNano is required");
        }
        String traceId = Interop.hexId(log.getTraceId().toByteArray(), 16);
        String spanId = traceId == null ? null : Interop.hexId(log.getSpanId().toByteArray(), 8);
        String body = ModelFit.text(string(log.getBody()), LIMITS.maxMessageLength());
        if (body == null || body.isBlank()) {
            body = log.getEventName().isEmpty() ? "(no message)" : ModelFit.text(log.getEventName(), LIMITS.maxMessageLength());
        }
        ModelFit.Attributes attrs = new ModelFit.Attributes();
        origin.attributes().forEach(kv -> attrs.put(kv.getKey(), string(kv.getValue())));
        if (!scope.getVersion().isEmpty()) {
            attrs.put("otel.scope.version", scope.getVersion());
        }
        log.getAttributesList().forEach(kv -> attrs.put(kv.getKey(), string(kv.getValue())));
        attrs.dropped(log.getDroppedAttributesCount());
        if (!log.getEventName().isEmpty()) {
            attrs.put("event.name", log.getEventName());
        }
        String category = scope.getName().isEmpty() ? null : ModelFit.text(scope.getName(), LIMITS.maxNameLength());
        Level level = level(log.getSeverityNumberValue(), log.getSeverityText());
        String id = Interop.digestId(origin.service(), origin.node(), Long.toString(nanos), level.name(), category,
                body, traceId, spanId, position, log.getAttributesList().toString());
        return Candidate.of(label, new LogEvent(null, id, nanos / 1_000, origin.service(), origin.node(),
                origin.environment(), level, category, body, traceId, spanId, attrs.build()));
    }

    /** OTLP's severity numbers 1-24 in six ranges of four; without one, its severity text; else info. */
    static Level level(int number, String text) {
        if (number >= 1 && number <= 24) {
            return Level.values()[(number - 1) / 4];
        }
        if (text != null && !text.isBlank()) {
            try {
                return Level.parse(text.trim().toLowerCase(java.util.Locale.ROOT).replace("warning", "warn")
                        .replace("critical", "fatal"));
            } catch (IllegalArgumentException e) {
                return Level.INFO;
            }
        }
        return Level.INFO;
    }

    /** An attribute value as text: arrays and maps as JSON-like lists, bytes as base64. */
    static String string(AnyValue v) {
        return switch (v.getValueCase()) {
            case STRING_VALUE -> v.getStringValue();
            case BOOL_VALUE -> Boolean.toString(v.getBoolValue());
            case INT_VALUE -> Long.toString(v.getIntValue());
            case DOUBLE_VALUE -> Double.toString(v.getDoubleValue());
            case BYTES_VALUE -> Base64.getEncoder().encodeToString(v.getBytesValue().toByteArray());
            case ARRAY_VALUE -> v.getArrayValue().getValuesList().stream().map(OtlpMapping::string)
                    .collect(Collectors.joining(",", "[", "]"));
            case KVLIST_VALUE -> v.getKvlistValue().getValuesList().stream()
                    .map(kv -> kv.getKey() + "=" + string(kv.getValue())).collect(Collectors.joining(",", "{", "}"));
            default -> null;
        };
    }
}
