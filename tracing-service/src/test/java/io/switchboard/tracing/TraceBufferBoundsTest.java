package io.switchboard.tracing;

import static io.switchboard.tracing.Items.events;
import static io.switchboard.tracing.Items.id;
import static io.switchboard.tracing.Items.log;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.common.buffer.RingSlots;
import io.switchboard.common.model.LogEvent;
import io.switchboard.common.model.TraceItem;
import io.switchboard.common.protocol.ProtocolLimits;
import io.switchboard.testsupport.Buffered;
import io.switchboard.testsupport.TestHazelcast;
import io.switchboard.testsupport.Tokens;
import io.switchboard.testsupport.WsTestClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A tenant that pads, floods or poisons the trace buffer cannot make it hold more bytes than its budget, nor push
 * other tenants' events out: only documented fields are stored, a large item takes several bounded slots, and
 * per-tenant quotas refuse what is over them, naming the quota.
 */
class TraceBufferBoundsTest {
    private static final ProtocolLimits LIMITS = new ProtocolLimits(1 << 20, 4 << 20, Duration.ofSeconds(10), Duration.ofSeconds(30));
    private static final TracingConfig BASE = TracingConfig.DEFAULT.withLimits(1_000, 8, 4).withQuotas(TracingConfig.Quotas.NONE);

    private static String tenant() {
        return "t" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void fieldsTheProtocolDoesNotDefineAreNotStoredSoPaddingAnItemCostsNothing() {
        try (TestHazelcast hz = new TestHazelcast(); TracingReplica r = new TracingReplica(hz, BASE.withSlots(1_000, 1), LIMITS);
             WsTestClient c = r.client(tenant())) {
            String padded = "{\"kind\":\"log\",\"id\":\"" + id() + "\",\"timestamp\":" + Items.now()
                    + ",\"service\":\"orders\",\"level\":\"info\",\"message\":\"small\",\"padding\":\"" + "x".repeat(800_000)
                    + "\",\"more\":{\"deep\":[1,2,3]}}";
            c.send(events(1, 0, List.of(padded)));
            assertThat(c.next("ack").get("accepted").asInt()).isEqualTo(1);
            List<String> slots = Buffered.slots(r.service.rings());
            assertThat(slots).singleElement().satisfies(slot -> {
                assertThat(slot).doesNotContain("padding").doesNotContain("deep").contains("\"message\":\"small\"");
                assertThat(RingSlots.utf8Length(slot)).isLessThan(RingSlots.SLOT_BYTES);
            });
        }
    }

    @Test
    void aLargeItemTakesSeveralSlotsOfBoundedSizeAndIsReadBackWhole() {
        String t = tenant();
        try (TestHazelcast hz = new TestHazelcast(); TracingReplica r = new TracingReplica(hz, BASE.withSlots(1_000, 1), LIMITS);
             WsTestClient c = r.client(t); WsTestClient tail = r.operator(t)) {
            tail.send("{\"type\":\"tail\",\"id\":\"all\",\"from\":\"now\",\"filter\":{\"text\":\"needle\"}}");
            tail.next("tailing");
            String message = "needle " + "stack trace line é€ 😀 | ".repeat(1_200);
            String id = id();
            c.send(events(1, 0, List.of(log(id, "orders", "error", message))));
            assertThat(c.next("ack").get("accepted").asInt()).isEqualTo(1);

            List<String> slots = Buffered.slots(r.service.rings());
            assertThat(slots).hasSizeGreaterThan(30).allMatch(s -> RingSlots.utf8Length(s) <= RingSlots.SLOT_BYTES);
            List<TraceItem> items = Buffered.items(r.service.rings(), t);
            assertThat(items).singleElement().satisfies(i -> assertThat(((LogEvent) i).message()).isEqualTo(message));
            JsonNode streamed = tail.next("events").get("items");
            assertThat(streamed).hasSize(1);
            assertThat(streamed.get(0).get("id").asText()).isEqualTo(id);
            assertThat(streamed.get(0).get("message").asText()).isEqualTo(message);
        }
    }

    @Test
    void theBufferNeverHoldsMoreBytesThanItsSlotsWhateverTheItemsSize() {
        String t = tenant();
        int slotsPerRing = 600;
        try (TestHazelcast hz = new TestHazelcast(); TracingReplica r = new TracingReplica(hz, BASE.withSlots(slotsPerRing, 1), LIMITS);
             WsTestClient c = r.client(t)) {
            // Items of 30,000 characters each: before slots were bounded, 600 of them would have held 18 MB here.
            for (int b = 0; b < 10; b++) {
                List<String> batch = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    batch.add(log(id(), "orders", "info", "m".repeat(30_000)));
                }
                c.send(events(b, 0, batch));
                assertThat(c.next("ack").get("accepted").asInt()).isEqualTo(10);
            }
            List<String> slots = Buffered.slots(r.service.rings());
            assertThat(slots).hasSize(slotsPerRing);
            long bytes = slots.stream().mapToLong(RingSlots::utf8Length).sum();
            assertThat(bytes).isLessThanOrEqualTo((long) slotsPerRing * RingSlots.SLOT_BYTES);
            // Readers see only whole items: the one whose first parts were overwritten is dropped, not half-read.
            assertThat(Buffered.items(r.service.rings(), t)).isNotEmpty()
                    .allMatch(i -> ((LogEvent) i).message().length() == 30_000);
        }
    }

    @Test
    void anItemOverTheStoredSizeLimitIsRejectedWithTheLimitAndTheRestOfTheBatchKept() {
        String t = tenant();
        try (TestHazelcast hz = new TestHazelcast(); TracingReplica r = new TracingReplica(hz, BASE.withSlots(1_000, 1), LIMITS);
             WsTestClient c = r.client(t)) {
            // Within every field limit, yet 3-byte characters make it about 290 KiB as stored.
            StringBuilder attributes = new StringBuilder();
            for (int i = 0; i < 64; i++) {
                attributes.append(i == 0 ? "" : ",").append("\"k").append(i).append("\":\"").append("€".repeat(1_024)).append('"');
            }
            String huge = "{\"kind\":\"log\",\"id\":\"" + id() + "\",\"timestamp\":" + Items.now() + ",\"service\":\"orders\","
                    + "\"level\":\"info\",\"message\":\"" + "€".repeat(30_000) + "\",\"attributes\":{" + attributes + "}}";
            String fine = id();
            c.send(events(1, 0, List.of(huge, log(fine, "orders", "info", "fine"))));
            JsonNode ack = c.next("ack");
            assertThat(ack.get("accepted").asInt()).isEqualTo(1);
            assertThat(ack.get("rejected").get(0).get("reason").asText()).contains("items[0]")
                    .contains("bytes as stored; the limit is " + RingSlots.MAX_ITEM_BYTES);
            assertThat(Buffered.items(r.service.rings(), t)).extracting(TraceItem::id).containsExactly(fine);
        }
    }

    @Test
    void anItemOlderThanTheHistorysRetentionIsRejectedSayingWhy() {
        String t = tenant();
        try (TestHazelcast hz = new TestHazelcast(); TracingReplica r = new TracingReplica(hz, BASE.withSlots(1_000, 1), LIMITS);
             WsTestClient c = r.client(t)) {
            long monthAgo = Items.now() - Duration.ofDays(30).toNanos() / 1_000;
            String old = "{\"kind\":\"log\",\"id\":\"" + id() + "\",\"timestamp\":" + monthAgo
                    + ",\"service\":\"orders\",\"level\":\"info\",\"message\":\"backdated\"}";
            String fresh = id();
            c.send(events(1, 0, List.of(old, log(fresh, "orders", "info", "today"))));
            JsonNode ack = c.next("ack");
            assertThat(ack.get("accepted").asInt()).isEqualTo(1);
            assertThat(ack.get("rejected").get(0).get("reason").asText()).contains("items[0].timestamp")
                    .contains("history keeps 7 days of events");
            assertThat(Buffered.items(r.service.rings(), t)).extracting(TraceItem::id).containsExactly(fresh);
        }
    }

    @Test
    void aTokenBoundToAServiceSendsOnlyThatServicesItemsAndReportsOutcomesOnlyAsThatCaller() {
        String t = tenant();
        try (TestHazelcast hz = new TestHazelcast(); TracingReplica r = new TracingReplica(hz, BASE.withSlots(1_000, 1), LIMITS);
             WsTestClient c = WsTestClient.open(r.harness.vertx(), r.harness.port(), TracingService.PATH, Tokens.client(t, "orders"))) {
            String own = id();
            c.send(events(1, 0, List.of(log(own, "orders", "info", "mine"), log(id(), "payments", "info", "not mine"),
                    Items.outcome(id(), "payments", "inventory", "inventory-1", false))));
            JsonNode ack = c.next("ack");
            assertThat(ack.get("accepted").asInt()).isEqualTo(1);
            assertThat(ack.get("rejected")).hasSize(2).allMatch(x -> x.get("reason").asText()
                    .contains("this token is for service 'orders'"));
            assertThat(Buffered.items(r.service.rings(), t)).extracting(TraceItem::id).containsExactly(own);
        }
    }

    @Test
    void aFloodingTenantIsHeldToItsQuotaAndTheRingKeepsOtherTenantsEvents() {
        String quiet = tenant();
        String noisy = tenant();
        // The ring holds 20,000 slots; at 500 events/s the flood cannot fill it in the time the test takes (it would need
        // half a minute), while the 40,000 items it tries would have overwritten everything twice.
        TracingConfig config = BASE.withSlots(20_000, 1).withQuotas(new TracingConfig.Quotas(500, 0, 0, 0));
        try (TestHazelcast hz = new TestHazelcast(); TracingReplica r = new TracingReplica(hz, config, LIMITS);
             WsTestClient q = r.client(quiet); WsTestClient n = r.client(noisy)) {
            List<String> quietIds = new ArrayList<>();
            List<String> batch = new ArrayList<>();
            for (int i = 0; i < 500; i++) {
                String id = id();
                quietIds.add(id);
                batch.add(log(id, "quiet", "info", "keep me"));
            }
            q.send(events(1, 0, batch));
            q.next("ack");

            // Batches of 250 as fast as the server answers: after the burst (1,000) every other one is refused, and
            // the connection is not read again until the rate allows the next (0.5 s).
            int refused = 0;
            for (int b = 0; b < 20; b++) {
                List<String> flood = new ArrayList<>();
                for (int i = 0; i < 250; i++) {
                    flood.add(log(id(), "noisy", "info", "flood"));
                }
                n.send(events(b, 0, flood));
                JsonNode answer = n.next(f -> "ack".equals(f.path("type").asText()) || "error".equals(f.path("type").asText()));
                if ("error".equals(answer.path("type").asText())) {
                    assertThat(answer.get("code").asText()).isEqualTo("limit_exceeded");
                    assertThat(answer.get("quota").asText()).isEqualTo("quota.events-per-second");
                    assertThat(answer.get("ref").asText()).isEqualTo("seq:" + b);
                    assertThat(answer.get("retryAfterMs").asLong()).isPositive();
                    assertThat(answer.get("message").asText()).contains(noisy).contains("500 events per second");
                    refused++;
                }
            }
            assertThat(refused).as("batches refused over the quota").isGreaterThan(5);
            assertThat(Buffered.items(r.service.rings(), quiet)).extracting(TraceItem::id)
                    .as("the quiet tenant's events, still in the ring").containsExactlyElementsOf(quietIds);
            assertThat(r.harness.registry().get("switchboard.quota.exceeded").tag("tenant", noisy)
                    .tag("quota", "quota.events-per-second").counter().count()).isGreaterThanOrEqualTo(refused * 250.0);
            assertThat(r.harness.registry().find("switchboard.quota.exceeded").tag("tenant", quiet).counter()).isNull();
        }
    }

    /**
     * Refuse before working: a frame over the tenant's byte rate is refused without being read (even a frame that
     * is not valid JSON past its head gets the quota's answer, naming its seq), and the connection is not read again
     * until the rate allows a frame, so what the client sends meanwhile waits in TCP and is then stored.
     */
    @Test
    void overItsByteRateATenantsFramesAreNotReadUntilTheRateAllows() {
        String t = tenant();
        // 100,000 bytes a second; the burst is one largest frame (1 MiB).
        TracingConfig config = BASE.withSlots(1_000, 1).withQuotas(new TracingConfig.Quotas(0, 100_000, 0, 0));
        try (TestHazelcast hz = new TestHazelcast(); TracingReplica r = new TracingReplica(hz, config, LIMITS);
             WsTestClient c = r.client(t)) {
            c.send(events(1, 0, logs(30, 30_000)));
            assertThat(c.next("ack").get("accepted").asInt()).isEqualTo(30);
            // The burst is spent: a 200 KB frame that breaks off into garbage is refused unread, by its seq.
            String broken = events(2, 0, logs(7, 30_000)).replace("]}", ", not json");
            c.send(broken);
            JsonNode refused = c.next("error");
            assertThat(refused.path("code").asText()).isEqualTo("limit_exceeded");
            assertThat(refused.path("quota").asText()).isEqualTo("quota.bytes-per-second");
            assertThat(refused.path("ref").asText()).isEqualTo("seq:2");
            long retryAfter = refused.path("retryAfterMs").asLong();
            assertThat(retryAfter).isPositive();
            // Sent at once: not read until the rate has room for it, then stored (read at once, it would be refused).
            c.send(events(3, 0, logs(5, 30_000)));
            JsonNode answer = c.next(f -> "ack".equals(f.path("type").asText()) || "error".equals(f.path("type").asText()));
            assertThat(answer.path("type").asText()).as(answer.toString()).isEqualTo("ack");
            assertThat(answer.path("seq").asLong()).isEqualTo(3);
        }
    }

    /**
     * Once a batch is refused for the tenant's event rate, the tenant's frames on its other connections are refused
     * unread until that batch would fit (a frame that is not valid JSON past its head gets the quota's answer), and
     * a connection it opens meanwhile is not read until then, so its first batch is stored rather than refused.
     */
    @Test
    void overItsEventRateATenantsFramesOnEveryConnectionAreRefusedUnread() {
        String t = tenant();
        String other = tenant();
        TracingConfig config = BASE.withSlots(5_000, 1).withQuotas(new TracingConfig.Quotas(200, 0, 0, 0));
        try (TestHazelcast hz = new TestHazelcast(); TracingReplica r = new TracingReplica(hz, config, LIMITS);
             WsTestClient first = r.client(t)) {
            JsonNode answer = null;
            for (int b = 1; b <= 20; b++) {
                first.send(events(b, 0, logs(400, 100)));
                answer = first.next(f -> "ack".equals(f.path("type").asText()) || "error".equals(f.path("type").asText()));
                if ("error".equals(answer.path("type").asText())) {
                    break;
                }
            }
            assertThat(answer.path("quota").asText()).as(answer.toString()).isEqualTo("quota.events-per-second");
            assertThat(answer.path("retryAfterMs").asLong()).isGreaterThan(500);
            try (WsTestClient second = r.client(t); WsTestClient calm = r.client(other)) {
                // Opened during the cool-down: read only once it is over, so its batch is stored.
                second.send(events(1, 0, logs(3, 100)));
                JsonNode waited = second.next(f -> "ack".equals(f.path("type").asText()) || "error".equals(f.path("type").asText()));
                assertThat(waited.path("type").asText()).as(waited.toString()).isEqualTo("ack");
                // A batch as big as the burst is refused again: the tenant is in a cool-down once more.
                first.send(events(30, 0, logs(1_000, 100)));
                first.next(f -> "ack".equals(f.path("type").asText()) || "error".equals(f.path("type").asText()));
                second.send(events(2, 0, logs(3, 100)).replace("]}", ", not json"));
                JsonNode refused = second.next("error");
                assertThat(refused.path("code").asText()).isEqualTo("limit_exceeded");
                assertThat(refused.path("quota").asText()).isEqualTo("quota.events-per-second");
                assertThat(refused.path("ref").asText()).isEqualTo("seq:2");
                assertThat(refused.path("message").asText()).contains("nothing of this batch was read");
                // Another tenant is not held to it.
                calm.send(events(1, 0, logs(3, 100)));
                assertThat(calm.next("ack").path("accepted").asInt()).isEqualTo(3);
            }
        }
    }

    /** The same over OTLP/HTTP: over its byte rate a tenant's request is refused with 429 before its body is decoded. */
    @Test
    void overHttpAnOverQuotaRequestIsRefusedBeforeItIsDecoded() {
        String t = tenant();
        TracingConfig config = BASE.withSlots(1_000, 1).withQuotas(new TracingConfig.Quotas(0, 1_000, 0, 0));
        try (TestHazelcast hz = new TestHazelcast(); TracingReplica r = new TracingReplica(hz, config, LIMITS)) {
            String token = Tokens.client(t);
            int status = 200;
            // Spans of about 10 KB until the burst (one largest frame, 1 MiB) is spent.
            for (int i = 0; i < 200 && status == 200; i++) {
                status = r.harness.send("POST", "/v1/traces", token, otlpSpan(i)).statusCode();
            }
            assertThat(status).isEqualTo(429);
            // Not valid JSON at all: refused for the quota (429, with Retry-After), not decoded (which would be 400).
            var refused = r.harness.send("POST", "/v1/traces", token, "{ this is not OTLP " + "x".repeat(30_000));
            assertThat(refused.statusCode()).as(refused.body()).isEqualTo(429);
            assertThat(refused.headers().firstValue("Retry-After")).isPresent();
        }
    }

    private static String otlpSpan(int i) {
        String trace = String.format("%032x", 1_000 + i);
        long start = System.currentTimeMillis() * 1_000_000L;
        return "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":\"orders\"}}]},"
                + "\"scopeSpans\":[{\"spans\":[{\"traceId\":\"" + trace + "\",\"spanId\":\"00f067aa0ba902b7\",\"name\":\"GET /x\","
                + "\"kind\":2,\"startTimeUnixNano\":\"" + start + "\",\"endTimeUnixNano\":\"" + (start + 1_000_000) + "\","
                + "\"attributes\":[" + java.util.stream.IntStream.range(0, 10).mapToObj(k -> "{\"key\":\"a" + k
                + "\",\"value\":{\"stringValue\":\"" + "v".repeat(1_000) + "\"}}").collect(java.util.stream.Collectors.joining(","))
                + "]}]}]}]}";
    }

    private static List<String> logs(int count, int messageLength) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(log(id(), "orders", "info", "m".repeat(messageLength)));
        }
        return out;
    }

    @Test
    void bytesPerSecondAreAQuotaToo() {
        String t = tenant();
        TracingConfig config = BASE.withSlots(1_000, 1).withQuotas(new TracingConfig.Quotas(0, 200_000, 0, 0));
        try (TestHazelcast hz = new TestHazelcast(); TracingReplica r = new TracingReplica(hz, config, LIMITS);
             WsTestClient c = r.client(t)) {
            JsonNode last = null;
            // Frames of about 120 KB: the burst (one largest frame) and a second's rate are soon spent.
            for (int b = 0; b < 60 && (last == null || !"error".equals(last.path("type").asText())); b++) {
                List<String> batch = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    batch.add(log(id(), "orders", "info", "b".repeat(30_000)));
                }
                c.send(events(b, 0, batch));
                last = c.next(f -> "ack".equals(f.path("type").asText()) || "error".equals(f.path("type").asText()));
            }
            assertThat(last.path("code").asText()).isEqualTo("limit_exceeded");
            assertThat(last.path("quota").asText()).isEqualTo("quota.bytes-per-second");
        }
    }

    @Test
    void connectionsAndTailsArePerTenantQuotasAndTailsNeedAnOperator() {
        String t = tenant();
        TracingConfig config = BASE.withSlots(1_000, 1).withQuotas(new TracingConfig.Quotas(0, 0, 2, 1));
        try (TestHazelcast hz = new TestHazelcast(); TracingReplica r = new TracingReplica(hz, config, LIMITS)) {
            WsTestClient a = r.client(t);
            WsTestClient b = r.operator(t);
            var refusal = WsTestClient.refused(r.harness.vertx(), r.harness.port(), TracingService.PATH, Tokens.client(t));
            assertThat(refusal.getStatus()).isEqualTo(429);
            // Another tenant is not held to this one's count.
            try (WsTestClient other = r.client(tenant())) {
                assertThat(other.isClosed()).isFalse();
            }
            a.send("{\"type\":\"tail\",\"id\":\"x\"}");
            JsonNode forbidden = a.next("error");
            assertThat(forbidden.get("code").asText()).isEqualTo("forbidden");
            b.send("{\"type\":\"tail\",\"id\":\"one\"}");
            b.next("tailing");
            b.send("{\"type\":\"tail\",\"id\":\"two\"}");
            JsonNode over = b.next("error");
            assertThat(over.get("code").asText()).isEqualTo("limit_exceeded");
            assertThat(over.get("quota").asText()).isEqualTo("quota.tails");
            b.send("{\"type\":\"untail\",\"id\":\"one\"}");
            b.next("untailed");
            b.send("{\"type\":\"tail\",\"id\":\"two\"}");
            assertThat(b.next("tailing").get("id").asText()).isEqualTo("two");

            a.close();
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() -> {
                try (WsTestClient again = r.client(t)) {
                    assertThat(again.isClosed()).isFalse();
                }
            });
            b.close();
        }
    }
}
