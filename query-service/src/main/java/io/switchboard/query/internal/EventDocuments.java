package io.switchboard.query.internal;

import io.switchboard.common.codec.Json;
import io.switchboard.common.model.LogEvent;
import io.switchboard.common.model.TraceItem;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * How trace items are stored in Elasticsearch: daily indices {@code switchboard-events-YYYY.MM.DD} (by the item's
 * time, UTC), the document id {@code tenant:id} so that a re-indexed item never makes a duplicate, and a few derived
 * fields for queries: {@code @timestamp} in milliseconds, {@code levelNum} for "at least this level", and
 * {@code attrs}, each attribute as {@code key=value}, to search attributes by key and value.
 */
public final class EventDocuments {
    public static final String INDEX_PREFIX = "switchboard-events-";
    public static final String INDEX_PATTERN = INDEX_PREFIX + "*";
    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy.MM.dd").withZone(ZoneOffset.UTC);

    private EventDocuments() {
    }

    public static String index(TraceItem item) {
        return INDEX_PREFIX + DAY.format(Instant.ofEpochMilli(item.timestamp() / 1_000));
    }

    /** The day of a daily index, for retention; null if the name is not one of ours. */
    public static java.time.LocalDate day(String index) {
        if (!index.startsWith(INDEX_PREFIX)) {
            return null;
        }
        try {
            return java.time.LocalDate.parse(index.substring(INDEX_PREFIX.length()), DateTimeFormatter.ofPattern("yyyy.MM.dd"));
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
    }

    public static String id(TraceItem item) {
        return item.tenant() + ":" + item.id();
    }

    @SuppressWarnings("unchecked")
    public static Map<String, Object> document(TraceItem item) {
        Map<String, Object> doc = Json.MAPPER.convertValue(item, Map.class);
        doc.put("@timestamp", item.timestamp() / 1_000);
        if (item instanceof LogEvent log) {
            doc.put("levelNum", log.level().ordinal());
        }
        Object attributes = doc.get("attributes");
        if (attributes instanceof Map<?, ?> attrs && !attrs.isEmpty()) {
            List<String> pairs = new ArrayList<>(attrs.size());
            attrs.forEach((k, v) -> pairs.add(k + "=" + v));
            doc.put("attrs", pairs);
        }
        return doc;
    }

    /**
     * The document of a ring record, built from the stored JSON without binding it to a record first (the indexer's
     * hot path): the record's tenant (never the JSON's), and the derived fields of {@link #document}.
     */
    public static com.fasterxml.jackson.databind.node.ObjectNode document(String tenant, String itemJson) throws java.io.IOException {
        com.fasterxml.jackson.databind.node.ObjectNode doc = (com.fasterxml.jackson.databind.node.ObjectNode) Json.MAPPER.readTree(itemJson);
        doc.put("tenant", tenant);
        doc.put("@timestamp", doc.path("timestamp").asLong() / 1_000);
        if ("log".equals(doc.path("kind").asText())) {
            doc.put("levelNum", io.switchboard.common.model.Level.parse(doc.path("level").asText("info")).ordinal());
        }
        com.fasterxml.jackson.databind.JsonNode attributes = doc.get("attributes");
        if (attributes != null && attributes.isObject() && !attributes.isEmpty()) {
            com.fasterxml.jackson.databind.node.ArrayNode pairs = doc.putArray("attrs");
            attributes.fields().forEachRemaining(e -> pairs.add(e.getKey() + "=" + e.getValue().asText()));
        }
        return doc;
    }

    /** A document ready to index as raw bytes, with the id and time it is filed under. */
    public record RawDocument(String id, long timestampMicros, byte[] json) {
    }

    /** Fields the indexer adds to a stored item: an item that carries one of them itself is rebuilt as a tree. */
    private static final java.util.Set<String> DERIVED = java.util.Set.of("tenant", "@timestamp", "levelNum", "attrs");

    /**
     * The indexer's fast path: the document of a ring record as bytes, made by prefixing the derived fields to the
     * stored JSON, which is read once as a stream and never rebuilt. Returns null when the item needs the general
     * path ({@link #document(String, String)}): a duplicate top-level field, or a field the indexer derives itself.
     */
    public static RawDocument rawDocument(String tenant, String itemJson) throws java.io.IOException {
        String id = null;
        long timestamp = 0;
        String kind = null;
        String level = null;
        java.util.List<String> attrs = null;
        java.util.Set<String> seen = new java.util.HashSet<>();
        try (com.fasterxml.jackson.core.JsonParser p = Json.MAPPER.getFactory().createParser(itemJson)) {
            if (p.nextToken() != com.fasterxml.jackson.core.JsonToken.START_OBJECT) {
                return null;
            }
            while (p.nextToken() == com.fasterxml.jackson.core.JsonToken.FIELD_NAME) {
                String name = p.currentName();
                if (!seen.add(name) || DERIVED.contains(name)) {
                    return null;
                }
                com.fasterxml.jackson.core.JsonToken value = p.nextToken();
                switch (name) {
                    case "id" -> id = p.getValueAsString();
                    case "timestamp" -> timestamp = p.getValueAsLong();
                    case "kind" -> kind = p.getValueAsString();
                    case "level" -> level = p.getValueAsString();
                    case "attributes" -> {
                        if (value == com.fasterxml.jackson.core.JsonToken.START_OBJECT) {
                            attrs = new java.util.ArrayList<>();
                            while (p.nextToken() == com.fasterxml.jackson.core.JsonToken.FIELD_NAME) {
                                String key = p.currentName();
                                p.nextToken();
                                attrs.add(key + "=" + p.getValueAsString(""));
                                p.skipChildren();
                            }
                        } else {
                            p.skipChildren();
                        }
                    }
                    default -> p.skipChildren();
                }
            }
        }
        if (id == null) {
            return null;
        }
        StringBuilder doc = new StringBuilder(itemJson.length() + 96 + (attrs == null ? 0 : attrs.size() * 24));
        doc.append("{\"tenant\":");
        quote(doc, tenant);
        doc.append(",\"@timestamp\":").append(timestamp / 1_000);
        if ("log".equals(kind)) {
            doc.append(",\"levelNum\":").append(io.switchboard.common.model.Level.parse(level == null ? "info" : level).ordinal());
        }
        if (attrs != null && !attrs.isEmpty()) {
            doc.append(",\"attrs\":[");
            for (int i = 0; i < attrs.size(); i++) {
                if (i > 0) {
                    doc.append(',');
                }
                quote(doc, attrs.get(i));
            }
            doc.append(']');
        }
        String body = itemJson.substring(itemJson.indexOf('{') + 1);
        if (body.indexOf('\n') >= 0 || body.indexOf('\r') >= 0) {
            // A client's pretty-printed item: outside strings (which cannot hold them raw) line breaks are only
            // whitespace, and in a bulk request they would end the document's line, refusing the whole request.
            body = body.replace('\n', ' ').replace('\r', ' ');
        }
        if (!seen.isEmpty()) {
            doc.append(',');
        }
        doc.append(body);
        return new RawDocument(id, timestamp, doc.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }

    private static void quote(StringBuilder out, String text) {
        out.append('"');
        com.fasterxml.jackson.core.io.JsonStringEncoder.getInstance().quoteAsString(text, out);
        out.append('"');
    }

    /** The daily index of an item time in microseconds. */
    public static String index(long timestampMicros) {
        return INDEX_PREFIX + DAY.format(Instant.ofEpochMilli(timestampMicros / 1_000));
    }

    /**
     * The composable index template with explicit mappings: only what queries need is indexed. Fields only sorted on
     * (id, timestamp) keep doc values without an index; fields only shown (category, span ids, the level name: filters
     * use levelNum) are kept in the source alone; fields only filtered on (tenant, kind, node, environment, levelNum,
     * attrs) have no doc values; messages are searched and sorted by time, never scored by length, so have no norms.
     */
    public static String template(int replicas) {
        return """
                {"index_patterns": ["%s"],
                 "priority": 100,
                 "template": {
                   "settings": {"number_of_shards": 1, "number_of_replicas": %d, "refresh_interval": "2s"},
                   "mappings": {
                     "dynamic": false,
                     "properties": {
                       "tenant": {"type": "keyword", "doc_values": false}, "kind": {"type": "keyword", "doc_values": false},
                       "id": {"type": "keyword", "index": false},
                       "@timestamp": {"type": "date", "format": "epoch_millis"},
                       "timestamp": {"type": "long", "index": false},
                       "service": {"type": "keyword"}, "node": {"type": "keyword", "doc_values": false},
                       "environment": {"type": "keyword", "doc_values": false},
                       "level": {"type": "keyword", "index": false, "doc_values": false},
                       "levelNum": {"type": "byte", "doc_values": false},
                       "category": {"type": "keyword", "index": false, "doc_values": false},
                       "message": {"type": "text", "norms": false},
                       "traceId": {"type": "keyword"},
                       "spanId": {"type": "keyword", "index": false, "doc_values": false},
                       "parentSpanId": {"type": "keyword", "index": false, "doc_values": false},
                       "operation": {"type": "keyword"}, "spanKind": {"type": "keyword"}, "status": {"type": "keyword"},
                       "peerService": {"type": "keyword"}, "durationMicros": {"type": "long"},
                       "calleeService": {"type": "keyword"}, "calleeNode": {"type": "keyword"},
                       "success": {"type": "boolean"}, "latencyMicros": {"type": "long"},
                       "attrs": {"type": "keyword", "doc_values": false},
                       "attributes": {"type": "object", "enabled": false},
                       "traceState": {"type": "keyword", "index": false, "doc_values": false},
                       "events": {"type": "object", "enabled": false}, "links": {"type": "object", "enabled": false}
                     }
                   }
                 }}
                """.formatted(INDEX_PATTERN, replicas);
    }
}
