package io.switchboard.tracing;

import static io.switchboard.tracing.Items.events;
import static io.switchboard.tracing.Items.id;
import static io.switchboard.tracing.Items.log;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.hazelcast.ringbuffer.Ringbuffer;
import io.switchboard.common.buffer.TraceRings;
import io.switchboard.testsupport.Buffered;
import io.switchboard.testsupport.TestHazelcast;
import io.switchboard.testsupport.WsTestClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Push-back instead of overwriting: while the buffer's readers (the history indexer, the outcome aggregation) are
 * alive, tracing appends only what leaves their unread slots within the ring, and acks wait or the batch is refused.
 * The readers are the positions they publish in Hazelcast, set here by the test as they would set them.
 */
class PushBackTest {
    /** One ring of 600 slots: 37 of headroom, so 563 may be unread; each item here takes one slot. */
    private static final TracingConfig BASE = TracingConfig.DEFAULT.withSlots(600, 1).withLimits(100, 8, 4)
            .withQuotas(TracingConfig.Quotas.NONE);
    private static final String RING = TraceRings.PREFIX + 0;

    private static String tenant() {
        return "t" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static TracingConfig with(Duration grace, Duration wait, int tenantShare) {
        return BASE.withPushBack(new TracingConfig.PushBack(grace, wait, tenantShare));
    }

    /** Sends batches seq from..to-1 of 100 logs each without waiting; returns the ids sent. */
    private static List<String> send(WsTestClient c, int from, int to) {
        List<String> ids = new ArrayList<>();
        List<String> frames = new ArrayList<>();
        for (int b = from; b < to; b++) {
            List<String> batch = new ArrayList<>();
            for (int i = 0; i < 100; i++) {
                String id = id();
                ids.add(id);
                batch.add(log(id, "orders", "info", "batch " + b));
            }
            frames.add(events(b, 0, batch));
        }
        c.sendAllNoWait(frames);
        return ids;
    }

    /** A replica started once a reader has published that it has read nothing yet, as a running reader has. */
    private static TracingReplica reading(TestHazelcast hz, TracingConfig config, String readerMap) {
        return new TracingReplica(hz, config, io.switchboard.testsupport.ServiceHarness.LIMITS,
                member -> member.getMap(readerMap).put(RING, -1L));
    }

    private static double waiting(TracingReplica r) {
        return r.harness.registry().get("switchboard.tracing.buffer.waiting").gauge().value();
    }

    @Test
    void whileTheIndexerHasNotReadTheRingAcksWaitAndNothingUnreadIsOverwritten() {
        String t = tenant();
        try (TestHazelcast hz = new TestHazelcast();
             TracingReplica r = reading(hz, with(Duration.ofMinutes(2), Duration.ofSeconds(30), 100), TraceRings.CHECKPOINTS)) {
            Ringbuffer<String> ring = r.service.rings().ring(0);
            try (WsTestClient c = r.client(t)) {
                List<String> ids = send(c, 0, 8);
                for (int b = 0; b < 5; b++) {
                    assertThat(c.next("ack").get("seq").asInt()).isEqualTo(b);
                }
                // The sixth would leave 600 unread of 563 allowed: it waits, and the two after it wait behind it.
                await().atMost(Duration.ofSeconds(10)).until(() -> waiting(r) == 1.0);
                assertThat(c.pending()).noneMatch(f -> f.path("type").asText().equals("ack"));
                assertThat(ring.tailSequence()).isEqualTo(499);
                assertThat(ring.headSequence()).isZero();

                r.member.getMap(TraceRings.CHECKPOINTS).put(RING, 499L); // the indexer read the first five
                for (int b = 5; b < 8; b++) {
                    assertThat(c.next("ack").get("seq").asInt()).isEqualTo(b);
                }
                // 800 slots in a ring of 600: only slots the indexer had read were overwritten.
                assertThat(ring.tailSequence()).isEqualTo(799);
                assertThat(ring.headSequence()).isLessThanOrEqualTo(500);
                Set<String> unread = Buffered.items(r.service.rings(), t).stream().map(i -> i.id()).collect(Collectors.toSet());
                assertThat(unread).containsAll(ids.subList(500, 800));
            }
            assertThat(r.harness.registry().find("switchboard.tracing.lost").counters()).isEmpty();
        }
    }

    @Test
    void aBatchThatWaitsLongerThanThePushBackWaitIsRefusedNamingTheBufferAndStoresNothing() {
        String t = tenant();
        try (TestHazelcast hz = new TestHazelcast();
             TracingReplica r = reading(hz, with(Duration.ofMinutes(2), Duration.ofMillis(300), 100), TraceRings.CHECKPOINTS)) {
            Ringbuffer<String> ring = r.service.rings().ring(0);
            try (WsTestClient c = r.client(t)) {
                send(c, 0, 6);
                for (int b = 0; b < 5; b++) {
                    c.next("ack");
                }
                JsonNode refused = c.next("error");
                assertThat(refused.get("code").asText()).isEqualTo("limit_exceeded");
                assertThat(refused.get("quota").asText()).isEqualTo(BufferAdmission.QUOTA);
                assertThat(refused.get("ref").asText()).isEqualTo("seq:5");
                assertThat(refused.get("retryAfterMs").asLong()).isPositive();
                assertThat(refused.get("message").asText()).contains("history indexer").contains("send it again");
                assertThat(ring.tailSequence()).isEqualTo(499);

                // Once the indexer moves, the same batch sent again is stored.
                r.member.getMap(TraceRings.CHECKPOINTS).put(RING, 499L);
                send(c, 5, 6);
                assertThat(c.next("ack").get("seq").asInt()).isEqualTo(5);
                assertThat(ring.tailSequence()).isEqualTo(599);
            }
        }
    }

    @Test
    void theOutcomeAggregationHoldsTheRingTooAndTheSlowestReaderDecides() {
        String t = tenant();
        try (TestHazelcast hz = new TestHazelcast();
             TracingReplica r = reading(hz, with(Duration.ofMinutes(2), Duration.ofSeconds(30), 100), TraceRings.OUTCOME_CHECKPOINTS)) {
            try (WsTestClient c = r.client(t)) {
                send(c, 0, 6);
                for (int b = 0; b < 5; b++) {
                    c.next("ack");
                }
                await().atMost(Duration.ofSeconds(10)).until(() -> waiting(r) == 1.0);
                // The indexer has read everything, but the aggregation has not: still waiting.
                r.member.getMap(TraceRings.CHECKPOINTS).put(RING, 499L);
                await().pollDelay(Duration.ofMillis(3 * BufferAdmission.REFRESH_MILLIS)).atMost(Duration.ofSeconds(10))
                        .until(() -> waiting(r) == 1.0);
                assertThat(c.pending()).noneMatch(f -> f.path("type").asText().equals("ack"));
                r.member.getMap(TraceRings.OUTCOME_CHECKPOINTS).put(RING, 499L);
                assertThat(c.next("ack").get("seq").asInt()).isEqualTo(5);
            }
        }
    }

    @Test
    void aFloodingTenantFillsOnlyItsShareAndAnotherTenantStillGetsIn() {
        String flood = tenant();
        String other = tenant();
        try (TestHazelcast hz = new TestHazelcast();
             TracingReplica r = reading(hz, with(Duration.ofMinutes(2), Duration.ofSeconds(30), 50), TraceRings.CHECKPOINTS)) {
            try (WsTestClient f = r.client(flood); WsTestClient o = r.client(other)) {
                // Half of 563 is 281: two batches of the flooding tenant fit, the third waits.
                send(f, 0, 4);
                f.next("ack");
                f.next("ack");
                await().atMost(Duration.ofSeconds(10)).until(() -> waiting(r) == 1.0);
                send(o, 0, 2);
                assertThat(o.next("ack").get("seq").asInt()).isZero();
                assertThat(o.next("ack").get("seq").asInt()).isEqualTo(1);
                assertThat(f.pending()).noneMatch(x -> x.path("type").asText().equals("ack"));
                r.member.getMap(TraceRings.CHECKPOINTS).put(RING, 399L);
                assertThat(f.next("ack").get("seq").asInt()).isEqualTo(2);
            }
        }
    }

    @Test
    void aReaderStandingStillLongerThanTheGraceIsNoLongerWaitedForAndWhatItMissesIsCountedForItsTenant() {
        String t = tenant();
        try (TestHazelcast hz = new TestHazelcast();
             TracingReplica r = reading(hz, with(Duration.ofSeconds(1), Duration.ofSeconds(30), 100), TraceRings.CHECKPOINTS)) {
            Ringbuffer<String> ring = r.service.rings().ring(0);
            try (WsTestClient c = r.client(t)) {
                send(c, 0, 8);
                // Five go in at once; the rest only once the indexer has stood still for a second.
                for (int b = 0; b < 8; b++) {
                    assertThat(c.next("ack").get("seq").asInt()).isEqualTo(b);
                }
            }
            assertThat(ring.headSequence()).isEqualTo(200);
            await().atMost(Duration.ofSeconds(10)).until(() -> r.harness.registry().find("switchboard.tracing.lost")
                    .tag("tenant", t).counters().stream().mapToDouble(x -> x.count()).sum() == 200.0);
            // Operators of that tenant see it (through the query service's GET /api/v1/losses, which reads this).
            io.switchboard.common.buffer.BufferLosses.Loss loss = new io.switchboard.common.buffer.BufferLosses(r.member).of(t);
            assertThat(loss.slots()).isEqualTo(200);
            assertThat(loss.lastAt()).isNotNull();
            assertThat(new io.switchboard.common.buffer.BufferLosses(r.member).of("someone-else").slots()).isZero();
            assertThat(r.harness.registry().get("switchboard.tracing.buffer.unindexed.overwritten").tag("ring", RING)
                    .gauge().value()).isEqualTo(200.0);
            assertThat(r.harness.registry().get("switchboard.tracing.buffer.fill").tag("ring", RING).gauge().value())
                    .isEqualTo(1.0);
        }
    }
}
