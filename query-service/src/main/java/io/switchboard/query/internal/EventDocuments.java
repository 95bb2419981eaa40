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

    /** The daily index of an item time in microseconds. */
    public static String index(long timestampMicros) {
        return INDEX_PREFIX + DAY.format(Instant.ofEpochMilli(timestampMicros / 1_000));
    }

    /** The composable index template with explicit mappings: only what queries need is indexed. */
    public static String template(int replicas) {
        return """
                {"index_patterns": ["%s"],
                 "priority": 100,
                 "template": {
                   "settings": {"number_of_shards": 1, "number_of_replicas": %d, "refresh_interval": "5s"},
                   "mappings": {
                     "dynamic": false,
                     "properties": {
                       "tenant": {"type": "keyword"}, "kind": {"type": "keyword"}, "id": {"type": "keyword"},
                       "@timestamp": {"type": "date", "format": "epoch_millis"}, "timestamp": {"type": "long"},
                       "service": {"type": "keyword"}, "node": {"type": "keyword"}, "environment": {"type": "keyword"},
                       "level": {"type": "keyword"}, "levelNum": {"type": "byte"}, "category": {"type": "keyword"},
                       "message": {"type": "text"},
                       "traceId": {"type": "keyword"}, "spanId": {"type": "keyword"}, "parentSpanId": {"type": "keyword"},
                       "operation": {"type": "keyword"}, "spanKind": {"type": "keyword"}, "status": {"type": "keyword"},
                       "peerService": {"type": "keyword"}, "durationMicros": {"type": "long"},
                       "calleeService": {"type": "keyword"}, "calleeNode": {"type": "keyword"},
                       "success": {"type": "boolean"}, "latencyMicros": {"type": "long"},
                       "attrs": {"type": "keyword"},
                       "attributes": {"type": "object", "enabled": false}
                     }
                   }
                 }}
                """.formatted(INDEX_PATTERN, replicas);
    }
}
