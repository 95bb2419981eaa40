package io.switchboard.tracing;

import static io.switchboard.tracing.Items.TRACE;
import static io.switchboard.tracing.Items.events;
import static io.switchboard.tracing.Items.id;
import static io.switchboard.tracing.Items.log;
import static io.switchboard.tracing.Items.outcome;
import static io.switchboard.tracing.Items.span;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.hazelcast.ringbuffer.Ringbuffer;
import io.switchboard.common.buffer.TraceRings;
import io.switchboard.common.model.TraceItem;
import io.switchboard.testsupport.Buffered;
import io.switchboard.testsupport.RealStores;
import io.switchboard.testsupport.TestHazelcast;
import io.switchboard.testsupport.WsTestClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Ingest and tail on one tracing replica with a real Hazelcast member, over real WebSockets. */
@ExtendWith(RealStores.class)
class TracingTest {
    static TracingReplica replica;

    @BeforeAll
    static void start(TestHazelcast cluster) {
        replica = new TracingReplica(cluster, TracingConfig.DEFAULT.withSlots(1_000, 4).withLimits(100, 8, 4).withQuotas(TracingConfig.Quotas.NONE));
    }

    @AfterAll
    static void stop() {
        replica.close();
    }

    static String tenant() {
        return "t" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** Every item of the tenant in the buffer, in ring order. */
    static List<TraceItem> buffered(String tenant) {
        return Buffered.items(replica.service.rings(), tenant);
    }

    @Test
    void validItemsAreKeptAndAcknowledgedAndInvalidOnesRejectedByIdWithTheReason() {
        String t = tenant();
        try (WsTestClient c = replica.client(t)) {
            String good1 = id();
            String good2 = id();
            String bad = id();
            c.send(events(1, 0, List.of(log(good1, "orders", "info", "placed"),
                    span(good2, "orders", "POST /orders", TRACE, "00f067aa0ba902b7"),
                    span(bad, "orders", "GET /x", "NOT-A-TRACE-ID", "00f067aa0ba902b7"))));
            JsonNode ack = c.next("ack");
            assertThat(ack.get("seq").asLong()).isEqualTo(1);
            assertThat(ack.get("accepted").asInt()).isEqualTo(2);
            assertThat(ack.get("rejected")).hasSize(1);
            assertThat(ack.at("/rejected/0/id").asText()).isEqualTo(bad);
            assertThat(ack.at("/rejected/0/index").asInt()).isEqualTo(2);
            assertThat(ack.at("/rejected/0/reason").asText()).contains("items[2].traceId");
            assertThat(buffered(t)).extracting(TraceItem::id).containsExactlyInAnyOrder(good1, good2);
            assertThat(buffered(t)).allMatch(i -> i.tenant().equals(t));
        }
    }

    @Test
    void itemsOfOneTraceKeepTheirOrderAndABusyConnectionSpreadsOverEveryRing() throws InterruptedException {
        String t = tenant();
        List<String> traces = List.of(id(), id(), id());
        try (WsTestClient c = replica.client(t)) {
            java.util.Map<String, List<String>> sentByTrace = new java.util.HashMap<>();
            for (int b = 0; b < 20; b++) {
                List<String> batch = new ArrayList<>();
                for (int i = 0; i < 50; i++) {
                    String id = id();
                    String trace = i % 2 == 0 ? traces.get(i % 3) : null;
                    sentByTrace.computeIfAbsent(String.valueOf(trace), k -> new ArrayList<>()).add(id);
                    batch.add(log(id, "orders", "info", "n" + (b * 50 + i), "prod", trace));
                }
                c.sendNoWait(events(b, 0, batch));
            }
            for (int b = 0; b < 20; b++) {
                assertThat(c.next("ack").get("seq").asLong()).as("acks in order").isEqualTo(b);
            }
            List<TraceItem> stored = buffered(t);
            for (String trace : traces) {
                assertThat(stored).filteredOn(i -> trace.equals(i.traceId())).extracting(TraceItem::id)
                        .as("trace %s in the order sent", trace).containsExactlyElementsOf(sentByTrace.get(trace));
            }
            assertThat(stored).filteredOn(i -> i.traceId() == null).extracting(TraceItem::id)
                    .containsExactlyInAnyOrderElementsOf(sentByTrace.get("null"));
            for (Ringbuffer<String> ring : replica.service.rings().rings()) {
                long mine = 0;
                for (long s = ring.headSequence(); s <= ring.tailSequence(); s++) {
                    mine += TraceRings.belongsTo(ring.readOne(s), t) ? 1 : 0;
                }
                assertThat(mine).as("every ring took some of the connection's items").isPositive();
            }
        }
    }

    @Test
    void everyBadInputGetsAPreciseErrorAndValidItemsInTheBatchAreKept() {
        String t = tenant();
        try (WsTestClient c = replica.client(t)) {
            expectError(c, "{\"type\":\"events\",\"items\":[]}", "invalid_field", "seq");
            expectError(c, "{\"type\":\"events\",\"seq\":-1,\"items\":[]}", "invalid_field", "seq");
            expectError(c, "{\"type\":\"events\",\"seq\":1,\"items\":{}}", "invalid_field", "items");
            List<String> tooMany = new ArrayList<>();
            for (int i = 0; i < 101; i++) {
                tooMany.add(log(id(), "orders", "info", "x"));
            }
            expectError(c, events(2, 0, tooMany), "limit_exceeded", "items");
            String future = "{\"kind\":\"log\",\"id\":\"" + id() + "\",\"timestamp\":" + (Items.now() + 3_600_000_000L)
                    + ",\"service\":\"orders\",\"level\":\"info\",\"message\":\"from the future\"}";
            String good = id();
            c.send(events(3, 0, List.of(future, "{\"kind\":\"metric\",\"id\":\"x\"}", "42",
                    span(id(), "orders", "op", TRACE, "123"), log(good, "orders", "info", "kept"))));
            JsonNode ack = c.next("ack");
            assertThat(ack.get("accepted").asInt()).isEqualTo(1);
            assertThat(ack.get("rejected")).extracting(r -> r.get("reason").asText()).satisfiesExactly(
                    r -> assertThat(r).contains("items[0].timestamp").contains("ahead"),
                    r -> assertThat(r).contains("items[1]").contains("unknown kind"),
                    r -> assertThat(r).contains("items[2]").contains("object"),
                    r -> assertThat(r).contains("items[3].spanId"));
            expectError(c, "{\"type\":\"tail\",\"id\":\"t\"}", "forbidden", "type");
            try (WsTestClient op = replica.operator(t)) {
                expectError(op, "{\"type\":\"tail\",\"id\":\"t\",\"filter\":{\"level\":\"loud\"}}", "invalid_field", "filter.level");
                expectError(op, "{\"type\":\"tail\",\"id\":\"t\",\"filter\":{\"traceId\":\"xyz\"}}", "invalid_field", "filter.traceId");
                expectError(op, "{\"type\":\"tail\",\"id\":\"t\",\"from\":\"yesterday\"}", "invalid_field", "from");
                expectError(op, "{\"type\":\"untail\",\"id\":\"nope\"}", "invalid_field", "id");
            }
            c.send(events(4, 0, List.of(log(id(), "orders", "info", "still here"))));
            assertThat(c.next("ack").get("accepted").asInt()).isEqualTo(1);
        }
    }

    @Test
    void aTailStreamsOnlyItsTenantsMatchingItems() {
        String t = tenant();
        String other = tenant();
        try (WsTestClient tail = replica.operator(t); WsTestClient sender = replica.client(t); WsTestClient stranger = replica.operator(other)) {
            tail.send("{\"type\":\"tail\",\"id\":\"warn-orders\",\"filter\":{\"service\":\"orders\",\"level\":\"warn\",\"environment\":\"prod\",\"text\":\"TIMEOUT\"}}");
            assertThat(tail.next("tailing").get("id").asText()).isEqualTo("warn-orders");
            String match = id();
            stranger.send(events(1, 0, List.of(log(id(), "orders", "error", "timeout calling payments"))));
            stranger.next("ack");
            sender.send(events(1, 0, List.of(
                    log(id(), "orders", "info", "timeout but only info"),
                    log(id(), "payments", "error", "timeout in another service"),
                    log(id(), "orders", "error", "timeout in staging", "staging", null),
                    log(id(), "orders", "error", "no match in text"),
                    log(match, "orders", "error", "Timeout calling payments"))));
            sender.next("ack");
            JsonNode events = tail.next("events");
            assertThat(events.get("tail").asText()).isEqualTo("warn-orders");
            assertThat(events.get("items")).extracting(i -> i.get("id").asText()).containsExactly(match);
            assertThat(events.get("cursor").asText()).matches("(\\d+:\\d+,){3}\\d+:\\d+");
        }
    }

    /**
     * Who vouches for an outcome's caller is the server's word: nothing for a token bound to the caller, the
     * tenant-wide identity for any other token, whatever the client wrote (docs/routing.md).
     */
    @Test
    void theReporterOfAnOutcomeIsSetFromTheTokenNeverTheClient() {
        String t = tenant();
        try (WsTestClient bound = replica.open(io.switchboard.testsupport.Tokens.client(t, "orders"));
             WsTestClient wide = replica.client(t)) {
            String fromBound = id();
            String fromWide = id();
            bound.send(events(1, 0, List.of(outcome(fromBound, "orders", "payments", "pay-1", false)
                    .replace("{\"kind\"", "{\"reporter\":\"*\",\"kind\""))));
            assertThat(bound.next("ack").get("accepted").asInt()).isEqualTo(1);
            wide.send(events(1, 0, List.of(outcome(fromWide, "orders", "payments", "pay-1", false)
                    .replace("{\"kind\"", "{\"reporter\":\"orders\",\"kind\""))));
            assertThat(wide.next("ack").get("accepted").asInt()).isEqualTo(1);
            var stored = buffered(t).stream().collect(java.util.stream.Collectors.toMap(TraceItem::id,
                    i -> (io.switchboard.common.model.CallOutcome) i));
            assertThat(stored.get(fromBound).reporter()).isNull();
            assertThat(stored.get(fromBound).identity()).isEqualTo("orders");
            assertThat(stored.get(fromWide).reporter()).isEqualTo("*");
            assertThat(stored.get(fromWide).identity()).isEqualTo("*");
        }
    }

    @Test
    void aTenantNamedInsideAnItemIsIgnored() {
        String t = tenant();
        String victim = tenant();
        try (WsTestClient victimTail = replica.operator(victim); WsTestClient sender = replica.client(t)) {
            victimTail.send("{\"type\":\"tail\",\"id\":\"all\"}");
            victimTail.next("tailing");
            String id = id();
            String spoofed = log(id, "orders", "info", "pretending").replace("{\"kind\":\"log\",", "{\"kind\":\"log\",\"tenant\":\"" + victim + "\",");
            sender.send(events(1, 0, List.of(spoofed)));
            assertThat(sender.next("ack").get("accepted").asInt()).isEqualTo(1);
            assertThat(buffered(t)).extracting(TraceItem::id).containsExactly(id);
            assertThat(buffered(t)).allMatch(i -> i.tenant().equals(t));
            assertThat(buffered(victim)).isEmpty();
            // The victim's tail stays silent: a marker item of its own proves it was listening all along.
            String marker = id();
            try (WsTestClient victimSender = replica.client(victim)) {
                victimSender.send(events(1, 0, List.of(log(marker, "orders", "info", "own item"))));
                victimSender.next("ack");
            }
            assertThat(victimTail.next("events").get("items")).extracting(i -> i.get("id").asText()).containsExactly(marker);
        }
    }

    @Test
    void aTailByTraceIdSeesTheWholeTrace() {
        String t = tenant();
        try (WsTestClient tail = replica.operator(t); WsTestClient sender = replica.client(t)) {
            tail.send("{\"type\":\"tail\",\"id\":\"trace\",\"filter\":{\"traceId\":\"" + TRACE + "\"}}");
            tail.next("tailing");
            sender.send(events(1, 0, List.of(span(id(), "orders", "POST", TRACE, "00f067aa0ba902b7"),
                    span(id(), "orders", "GET", "11111111111111111111111111111111", "00f067aa0ba902b7"),
                    log(id(), "orders", "info", "in the trace", "prod", TRACE),
                    outcome(id(), "orders", "payments", "pay-1", true))));
            sender.next("ack");
            List<String> kinds = new ArrayList<>();
            while (kinds.size() < 2) {
                tail.next("events").get("items").forEach(i -> kinds.add(i.get("kind").asText()));
            }
            assertThat(kinds).containsExactlyInAnyOrder("span", "log");
        }
    }

    @Test
    void aTailFromAPositionTheRingHasOverwrittenIsToldHowMuchItMissedAndGoesOnFromThePresent() {
        // A cluster of its own: the ring configuration is cluster-wide, and this test wants one small ring.
        try (TestHazelcast own = new TestHazelcast(); TracingReplica small = new TracingReplica(own, TracingConfig.DEFAULT.withSlots(300, 1).withLimits(100, 8, 4).withQuotas(TracingConfig.Quotas.NONE))) {
            String t = tenant();
            try (WsTestClient sender = small.client(t); WsTestClient tail = small.operator(t)) {
                long capacity = small.service.rings().ring(0).capacity();
                int total = (int) capacity + 150;
                for (int b = 0; b * 100 < total; b++) {
                    List<String> batch = new ArrayList<>();
                    for (int i = 0; i < 100 && b * 100 + i < total; i++) {
                        batch.add(log(id(), "orders", "info", "n"));
                    }
                    sender.send(events(b, 0, batch));
                    sender.next("ack");
                }
                Ringbuffer<String> ring = small.service.rings().ring(0);
                assertThat(ring.headSequence()).as("the ring has wrapped").isPositive();
                tail.send("{\"type\":\"tail\",\"id\":\"old\",\"from\":\"0:0\"}");
                JsonNode lagged = tail.next("lagged");
                assertThat(lagged.get("tail").asText()).isEqualTo("old");
                assertThat(lagged.get("missed").asLong()).isEqualTo(ring.tailSequence() + 1);
                String fresh = id();
                sender.send(events(99, 0, List.of(log(fresh, "orders", "info", "after the lag"))));
                sender.next("ack");
                assertThat(tail.next("events").get("items")).extracting(i -> i.get("id").asText()).containsExactly(fresh);
            }
        }
    }

    private static void expectError(WsTestClient c, String frame, String code, String field) {
        c.send(frame);
        JsonNode error = c.next("error");
        assertThat(error.get("code").asText()).as(error.toString()).isEqualTo(code);
        assertThat(error.get("field").asText()).as(error.toString()).isEqualTo(field);
    }
}
