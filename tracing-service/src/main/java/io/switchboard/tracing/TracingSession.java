package io.switchboard.tracing;

import static io.switchboard.common.protocol.Fields.invalid;
import static io.switchboard.common.protocol.Fields.text;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.switchboard.common.buffer.RingSlots;
import io.switchboard.common.buffer.TailFilter;
import io.switchboard.common.buffer.TraceRings;
import io.switchboard.common.codec.EventCodec;
import io.switchboard.common.codec.Json;
import io.switchboard.common.model.Level;
import io.switchboard.common.model.CallOutcome;
import io.switchboard.common.model.TraceItem;
import io.switchboard.common.model.ValidationException;
import io.switchboard.common.model.Violation;
import io.switchboard.common.protocol.ErrorCode;
import io.switchboard.common.protocol.ProtocolException;
import io.switchboard.common.protocol.Session;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.HashMap;
import java.util.Map;

/**
 * The tracing state of one connection: its batches on their way into the buffer, and its tails. Runs on the
 * connection's event loop. A batch's items go to their traces' rings, items of no trace to a ring the connection
 * takes in turn ({@link BatchSlots}); batches are stored one after another, so the items of a trace keep their order,
 * and acks follow in order. With {@code maxInFlight} batches unacknowledged the server stops
 * reading the connection, so a fast sender is slowed by TCP rather than by server memory.
 */
final class TracingSession {
    private final Session session;
    private final Vertx vertx;
    private final TraceRings rings;
    /** The ring the next batch's items of no trace go to. */
    private int nextRing;
    private final BufferAdmission admission;
    private final EventCodec codec;
    private final TracingConfig config;
    private final TracingMetrics metrics;
    private final TracingQuotas quotas;
    private final Map<String, Tail> tails = new HashMap<>();
    private Future<?> appended = Future.succeededFuture();
    private int inFlight;
    private boolean paused;
    /** The timer that ends a rate quota's cool-down, or -1. */
    private long coolDown = -1;

    TracingSession(Session session, Vertx vertx, TraceRings rings, EventCodec codec, TracingConfig config,
                   TracingMetrics metrics, TracingQuotas quotas, BufferAdmission admission) {
        this.session = session;
        this.vertx = vertx;
        this.rings = rings;
        this.nextRing = rings.shardFor(session.id());
        this.codec = codec;
        this.config = config;
        this.metrics = metrics;
        this.quotas = quotas;
        this.admission = admission;
        session.onDrain(v -> tails.values().stream().filter(java.util.Objects::nonNull).forEach(Tail::drained));
        // A new connection of a tenant over its event rate is not read until the rate allows, like its others, so
        // that opening connections does not get round the gate.
        long wait = quotas.overEventsFor(session.tenant());
        if (wait > 0) {
            coolDown(wait);
        }
    }

    /**
     * Reads an {@code events} frame straight from its text: each item is copied into a token buffer and bound from
     * there, so that a bad item is rejected alone without building a tree of the whole frame.
     */
    void events(String text) {
        // Refuse before working: a tenant over its byte rate costs no parsing, and its connection is not read again
        // until the rate allows it (the same gate as push-back).
        try {
            quotas.admitBytes(session.tenant(), 1, text.length());
        } catch (io.switchboard.common.quota.QuotaExceeded e) {
            long peeked = peekSeq(text);
            refuse(e, peeked < 0 ? null : "seq:" + peeked);
            return;
        }
        try {
            parseAndStore(text);
        } catch (RuntimeException e) {
            // Not stored: the bytes are not spent.
            quotas.bytes.refund(session.tenant(), text.length());
            throw e;
        }
    }

    private static final java.util.regex.Pattern SEQ = java.util.regex.Pattern.compile("\"seq\"\\s*:\\s*(\\d{1,18})");

    /** The frame's {@code seq} if it comes near the start (as docs/protocol.md asks), without reading the rest; or -1. */
    static long peekSeq(String text) {
        java.util.regex.Matcher m = SEQ.matcher(text);
        m.region(0, Math.min(text.length(), 256));
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }

    /**
     * Answers a refusal by a rate quota and stops reading the connection until the rate allows another batch, so
     * that an over-quota tenant's frames wait in TCP instead of costing the shared event loops.
     */
    private void refuse(io.switchboard.common.quota.QuotaExceeded e, String ref) {
        session.error(e.code(), e.getMessage(), e.field(), ref, e.details());
        if (e.retryAfterMillis() > 0) {
            coolDown(e.retryAfterMillis());
        }
    }

    /** Closes the gate for {@code millis}, unless a cool-down is already running. */
    private void coolDown(long millis) {
        if (coolDown < 0) {
            coolDown = vertx.setTimer(millis, t -> {
                coolDown = -1;
                gate();
            });
            gate();
        }
    }

    /**
     * The one gate on reading this connection: closed while {@code maxInFlight} batches wait for the buffer
     * (push-back) or while the tenant is over a rate quota; open otherwise.
     */
    private void gate() {
        boolean closed = inFlight >= config.maxInFlight() || coolDown >= 0;
        if (closed && !paused) {
            paused = true;
            session.pause();
        } else if (!closed && paused) {
            paused = false;
            session.resume();
        }
    }

    private void parseAndStore(String text) {
        long seq = -1;
        long dropped = 0;
        boolean sawItems = false;
        BatchSlots records = new BatchSlots(rings.shards(), nextRing);
        nextRing = (nextRing + 1) % rings.shards();
        int[] accepted = new int[1];
        ArrayNode rejected = Json.MAPPER.createArrayNode();
        try (JsonParser p = Json.MAPPER.createParser(text)) {
            p.nextToken();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken value = p.nextToken();
                switch (name) {
                    case "seq" -> seq = nonNegative(p, value, "seq");
                    case "dropped" -> dropped = nonNegative(p, value, "dropped");
                    case "items" -> {
                        if (value != JsonToken.START_ARRAY) {
                            throw invalid("items", "must be an array of items");
                        }
                        sawItems = true;
                        readItems(p, records, accepted, rejected);
                    }
                    default -> p.skipChildren();
                }
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ProtocolException(ErrorCode.MALFORMED_FRAME, "the frame is not valid JSON: " + e.getOriginalMessage()
                    + " (nothing was kept)", null);
        } catch (java.io.IOException e) {
            throw new ProtocolException(ErrorCode.MALFORMED_FRAME, "the frame could not be read: " + e.getMessage(), null);
        }
        if (seq < 0) {
            throw invalid("seq", "is required: a whole number, 0 or more");
        }
        if (!sawItems) {
            throw invalid("items", "must be an array of items");
        }
        long batch = seq;
        String ref = "seq:" + batch;
        try {
            quotas.admitItems(session.tenant(), accepted[0], text.length());
        } catch (io.switchboard.common.quota.QuotaExceeded e) {
            refuse(e, ref);
            return;
        }
        ObjectNode ack = session.frame("ack");
        ack.put("seq", batch);
        metrics.rejected.increment(rejected.size());
        metrics.clientDropped(session.tenant(), dropped);
        int stored = accepted[0];
        ack.put("accepted", stored);
        ack.set("rejected", rejected);
        inFlight++;
        gate();
        String tenant = session.tenant();
        int frameBytes = text.length();
        appended = appended.transform(previous -> records.isEmpty() ? Future.<Void>succeededFuture()
                        : records.append(vertx, rings, admission, tenant))
                .onComplete(ar -> {
                    inFlight--;
                    gate();
                    if (ar.succeeded()) {
                        metrics.accepted.increment(stored);
                        session.send(ack);
                    } else if (ar.cause() instanceof io.switchboard.common.quota.QuotaExceeded e) {
                        // The buffer pushed back: nothing was stored, so the tenant's rate is given back too.
                        quotas.refund(tenant, stored, frameBytes);
                        quotas.meter.refused(e.quota(), tenant, stored);
                        session.error(e.code(), e.getMessage(), e.field(), ref, e.details());
                    } else {
                        session.error(ErrorCode.UNAVAILABLE, "batch " + batch + " was not stored (" + ar.cause().getMessage()
                                + "); send it again", null, ref);
                    }
                });
    }

    /**
     * Binds each item straight from the frame's parser. When an item cannot be bound, the parser is moved past it
     * (back to the array's level) and the item is rejected alone, its id read again from its own text; an item that
     * binds but breaks a rule is rejected by its id.
     */
    private void readItems(JsonParser p, BatchSlots records, int[] accepted, ArrayNode rejected) throws java.io.IOException {
        JsonStreamContext array = p.getParsingContext();
        int index = 0;
        JsonToken token;
        while ((token = p.nextToken()) != JsonToken.END_ARRAY) {
            if (index == config.maxItemsPerBatch()) {
                throw new ProtocolException(ErrorCode.LIMIT_EXCEEDED, "the batch has more than "
                        + config.maxItemsPerBatch() + " items, the limit: send smaller batches (nothing was kept)", "items");
            }
            int start = (int) p.currentTokenLocation().getCharOffset();
            String prefix = "items[" + index + "]";
            TraceItem item = null;
            boolean unknownFields = false;
            try {
                Json.clearUnknownFields();
                item = codec.bind(p, session.tenant(), prefix);
                unknownFields = Json.sawUnknownFields();
            } catch (ValidationException e) {
                // Binding stopped inside the item: move past it, back to the array's level.
                if (token == JsonToken.START_OBJECT) {
                    while (p.getParsingContext() != array || p.currentToken() != JsonToken.END_OBJECT) {
                        if (p.nextToken() == null) {
                            throw new com.fasterxml.jackson.core.JsonParseException(p, "the frame ends inside an item");
                        }
                    }
                } else {
                    p.skipChildren();
                }
                int end = (int) p.currentTokenLocation().getCharOffset() + 1;
                rejected.addObject().put("id", idOf(p, start, end)).put("index", index).put("reason", e.getMessage());
            }
            if (item != null) {
                try {
                    codec.validate(item, prefix);
                    if (!session.principal().mayActAs(item.service())) {
                        // Outcomes above all: a token of one service must not report calls as another's caller.
                        rejected.addObject().put("id", item.id()).put("index", index).put("reason", prefix
                                + ".service: this token is for service '" + session.principal().service()
                                + "'; it may send only that service's items");
                        index++;
                        continue;
                    }
                    int end = (int) p.currentLocation().getCharOffset();
                    boolean vouched = true;
                    if (item instanceof CallOutcome outcome) {
                        // Who vouches for the caller is the server's word, never the client's (docs/routing.md).
                        String reporter = session.principal().service() == null ? CallOutcome.TENANT_WIDE : null;
                        vouched = java.util.Objects.equals(outcome.reporter(), reporter);
                        item = outcome.reportedBy(reporter);
                    }
                    String record = record(frameText(p), start, end, item, unknownFields || !vouched);
                    int bytes = record.length() * 3 <= RingSlots.MAX_ITEM_BYTES ? 0 : RingSlots.utf8Length(record);
                    if (bytes > RingSlots.MAX_ITEM_BYTES) {
                        rejected.addObject().put("id", item.id()).put("index", index).put("reason", prefix + ": is "
                                + bytes + " bytes as stored; the limit is " + RingSlots.MAX_ITEM_BYTES
                                + " (limits.maxItemBytes): shorten its message or attributes");
                    } else {
                        records.add(item, record);
                        accepted[0]++;
                    }
                } catch (ValidationException e) {
                    rejected.addObject().put("id", item.id() == null ? "" : item.id()).put("index", index)
                            .put("reason", e.getMessage());
                }
            }
            index++;
        }
    }

    /**
     * The ring record of a valid item: its tenant and the item's own text as the client sent it, which saves writing
     * it again (a fifth of ingest). Readers take the tenant from the record, never from the JSON. An item whose text
     * has fields the protocol does not define (which could pad it to the frame's size), names a tenant anyway, or
     * cannot be cut out of the frame is written afresh from what was bound: its documented fields only.
     */
    private String record(String frame, int start, int end, TraceItem item, boolean unknownFields) {
        if (!unknownFields && frame != null && start >= 0 && end > start && end <= frame.length()) {
            String raw = frame.substring(start, end);
            if (raw.charAt(0) == '{' && raw.charAt(raw.length() - 1) == '}' && !raw.contains("\"tenant\"")) {
                return session.tenant() + "\n" + raw;
            }
        }
        return TraceRings.encode(item);
    }

    private static String frameText(JsonParser p) {
        Object source = p.currentTokenLocation().contentReference().getRawContent();
        return source instanceof String s ? s : null;
    }

    /** The {@code id} of a rejected item, from its own text; empty if it has none. */
    private static String idOf(JsonParser p, int start, int end) {
        try {
            Object source = p.currentTokenLocation().contentReference().getRawContent();
            if (source instanceof String text && start >= 0 && end <= text.length() && start < end) {
                JsonNode item = Json.MAPPER.readTree(text.substring(start, end));
                return item == null ? "" : item.path("id").asText("");
            }
        } catch (java.io.IOException | RuntimeException e) {
            // an item too broken to read has no id to report
        }
        return "";
    }

    private static long nonNegative(JsonParser p, JsonToken value, String field) throws java.io.IOException {
        if (value == JsonToken.VALUE_NULL) {
            return 0;
        }
        if (value != JsonToken.VALUE_NUMBER_INT || p.getLongValue() < 0) {
            p.skipChildren();
            throw invalid(field, "must be a whole number, 0 or more");
        }
        return p.getLongValue();
    }

    void tail(JsonNode frame) {
        if (session.principal().role() != io.switchboard.common.auth.Role.OPERATOR) {
            throw new ProtocolException(ErrorCode.FORBIDDEN, "tails read every service of the tenant, so they need an "
                    + "operator token; this connection's token has role client", "type");
        }
        String id = text(frame, "id", true);
        if (!id.matches("[A-Za-z0-9._:-]{1,64}")) {
            throw invalid("id", "must be 1 to 64 of letters, digits and . _ : -");
        }
        if (tails.containsKey(id)) {
            throw invalid("id", "tail '" + id + "' already exists on this connection; untail it first");
        }
        if (tails.size() >= config.maxTailsPerConnection()) {
            throw new ProtocolException(ErrorCode.LIMIT_EXCEEDED, "this connection already holds " + tails.size()
                    + " tails, the limit", "id");
        }
        TailFilter filter = filter(frame.get("filter"));
        String from = text(frame, "from", false);
        long[] explicit;
        try {
            explicit = from == null || from.equals("now") || from.equals("earliest") ? null : Tail.parseCursor(from, rings.shards());
        } catch (IllegalArgumentException e) {
            throw invalid("from", e.getMessage());
        }
        if (!quotas.tails.tryAcquire(session.tenant())) {
            quotas.meter.refused(quotas.tails.quota(), session.tenant(), 1);
            throw new io.switchboard.common.quota.QuotaExceeded(quotas.tails.quota(), "tenant " + session.tenant()
                    + " already holds " + quotas.tails.limit() + " tails on this replica, its quota (quota.tails); "
                    + "untail one first", "id", 0);
        }
        Future<Tail.Start> start = Tail.start(vertx, rings, from == null ? "now" : from, explicit);
        tails.put(id, null); // starting: its position is being read
        start.onComplete(ar -> {
            if (!tails.containsKey(id)) {
                return; // untailed or closed meanwhile (which gave the quota back)
            }
            if (ar.failed()) {
                tails.remove(id);
                quotas.tails.release(session.tenant());
                session.error(ErrorCode.UNAVAILABLE, "the buffer could not be read: " + ar.cause().getMessage(), "id", null);
                return;
            }
            Tail tail = new Tail(id, filter, session, vertx, rings, metrics, ar.result());
            tails.put(id, tail);
            session.send(session.frame("tailing").put("id", id).put("cursor", tail.cursor()));
            tail.start();
        });
    }

    void untail(JsonNode frame) {
        String id = text(frame, "id", true);
        if (!tails.containsKey(id)) {
            throw invalid("id", "there is no tail '" + id + "' on this connection");
        }
        Tail tail = tails.remove(id);
        quotas.tails.release(session.tenant());
        if (tail != null) {
            tail.stop();
        }
        session.send(session.frame("untailed").put("id", id));
    }

    void closed() {
        if (coolDown >= 0) {
            vertx.cancelTimer(coolDown);
            coolDown = -1;
        }
        tails.values().stream().filter(java.util.Objects::nonNull).forEach(Tail::stop);
        tails.keySet().forEach(id -> quotas.tails.release(session.tenant()));
        tails.clear();
    }

    private TailFilter filter(JsonNode f) {
        if (f != null && !f.isNull() && !f.isObject()) {
            throw invalid("filter", "must be an object");
        }
        JsonNode filter = f == null ? Json.MAPPER.createObjectNode() : f;
        String level = text(filter, "level", false);
        Level minLevel;
        try {
            minLevel = level == null ? null : Level.parse(level);
        } catch (IllegalArgumentException e) {
            throw invalid("filter.level", e.getMessage());
        }
        String traceId = text(filter, "traceId", false);
        if (traceId != null && !traceId.matches("[0-9a-f]{32}")) {
            throw invalid("filter.traceId", "must be 32 lowercase hex digits");
        }
        String textFilter = text(filter, "text", false);
        if (textFilter != null && (textFilter.isEmpty() || textFilter.length() > 200)) {
            throw invalid("filter.text", "must be 1 to 200 characters");
        }
        return new TailFilter(session.tenant(), name(filter, "service"), minLevel, name(filter, "environment"), traceId, textFilter);
    }

    private static String name(JsonNode frame, String field) {
        String v = text(frame, field, false);
        if (v != null && !v.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,99}")) {
            throw invalid("filter." + field, "must be a name of letters, digits and . _ -");
        }
        return v;
    }
}
