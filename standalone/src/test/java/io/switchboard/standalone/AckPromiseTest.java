package io.switchboard.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.tracing.TracingConfig;
import io.switchboard.testsupport.RealStores;
import io.switchboard.testsupport.TestElasticsearch;
import io.switchboard.testsupport.TestHazelcast;
import io.switchboard.testsupport.WsTestClient;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * An ack is a promise: tracing and the history indexer with real Hazelcast and a real Elasticsearch node, fed over a
 * real WebSocket by a client written from docs/protocol.md alone (batches in flight, each batch refused with
 * {@code limit_exceeded} sent again after {@code retryAfterMs}). However fast it sends, and through an Elasticsearch
 * outage, every event the server acknowledged becomes searchable, and none is counted lost.
 */
@ExtendWith(RealStores.class)
class AckPromiseTest {
    /** 8 rings of 2,000 slots: a few seconds of indexing, so the sender meets push-back. */
    private static final TracingConfig TRACING = TracingConfig.DEFAULT.withSlots(2_000, 8).withLimits(1_000, 8, 4)
            .withQuotas(TracingConfig.Quotas.NONE)
            .withPushBack(new TracingConfig.PushBack(Duration.ofMinutes(2), Duration.ofSeconds(2), 100));

    /** A client from docs/protocol.md: up to 8 batches in flight; a refused batch goes again after retryAfterMs. */
    private static final class Sender {
        private final WsTestClient ws;
        private final Map<Long, String> unacked = new HashMap<>();
        private final ArrayDeque<long[]> again = new ArrayDeque<>(); // {seq, due millis}
        long acked;
        long refusals;
        long nextSeq;

        Sender(WsTestClient ws) {
            this.ws = ws;
        }

        /** Sends {@code batches} batches of {@code size} logs, until every one is acknowledged; runs {@code meanwhile}. */
        void send(int batches, int size, Runnable meanwhile) throws InterruptedException {
            long deadline = java.lang.System.nanoTime() + TimeUnit.MINUTES.toNanos(4);
            while (acked < (long) batches * size) {
                assertThat(java.lang.System.nanoTime()).as("everything acknowledged within 4 minutes").isLessThan(deadline);
                meanwhile.run();
                while (unacked.size() < 8 && nextSeq < batches) {
                    String frame = batch(nextSeq, size);
                    unacked.put(nextSeq, frame);
                    ws.sendNoWait(frame);
                    nextSeq++;
                }
                long now = java.lang.System.currentTimeMillis();
                while (!again.isEmpty() && again.peekFirst()[1] <= now) {
                    ws.sendNoWait(unacked.get(again.pollFirst()[0]));
                }
                JsonNode frame = ws.pending().poll(50, TimeUnit.MILLISECONDS);
                if (frame == null) {
                    continue;
                }
                switch (frame.path("type").asText()) {
                    case "ack" -> {
                        assertThat(frame.path("rejected")).isEmpty();
                        acked += frame.path("accepted").asLong();
                        unacked.remove(frame.path("seq").asLong());
                    }
                    case "error" -> {
                        // Pushed back (limit_exceeded: the buffer), or not stored (unavailable: say a backup did not
                        // confirm in time on a loaded machine): either way the batch goes again, as protocol.md says.
                        String code = frame.path("code").asText();
                        assertThat(code).as(frame.toString()).isIn("limit_exceeded", "unavailable");
                        if (code.equals("limit_exceeded")) {
                            assertThat(frame.path("quota").asText()).isEqualTo("tracing.buffer");
                            refusals++;
                        }
                        long seq = Long.parseLong(frame.path("ref").asText().substring(4));
                        again.addLast(new long[] {seq, now + frame.path("retryAfterMs").asLong(1_000)});
                    }
                    default -> { }
                }
            }
        }

        private static String batch(long seq, int size) {
            StringBuilder b = new StringBuilder(size * 260).append("{\"type\":\"events\",\"seq\":").append(seq)
                    .append(",\"dropped\":0,\"items\":[");
            long ts = java.lang.System.currentTimeMillis() * 1_000;
            for (int i = 0; i < size; i++) {
                b.append(i == 0 ? "" : ",").append("{\"kind\":\"log\",\"id\":\"").append(UUID.randomUUID().toString().replace("-", ""))
                        .append("\",\"timestamp\":").append(ts).append(",\"service\":\"orders\",\"environment\":\"prod\","
                                + "\"level\":\"info\",\"message\":\"batch ").append(seq).append(" item ").append(i)
                        .append(" of a load that is larger than the buffer can hold at once\"}");
            }
            return b.append("]}").toString();
        }
    }

    @Test
    void oneConnectionSends100000EventsAsFastAsTheServerLetsItAndEveryOneIsSearchable(TestElasticsearch es) throws Exception {
        String tenant = "flood" + UUID.randomUUID().toString().substring(0, 6);
        try (TestHazelcast cluster = new TestHazelcast(); IngestStack system = IngestStack.start(cluster, es, TRACING);
             WsTestClient ws = system.client(tenant)) {
            Sender sender = new Sender(ws);
            sender.send(200, 500, () -> { });
            assertThat(sender.acked).isEqualTo(100_000);
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1)).until(() -> system.searchable(tenant) == 100_000);
            assertThat(system.counter("switchboard.history.lost")).isZero();
            assertThat(system.counter("switchboard.tracing.lost")).isZero();
        }
    }

    @Test
    void anElasticsearchOutageOfThirtySecondsDuringIngestLosesNothingAcknowledgedAndClientsArePushedBack(
            TestElasticsearch es) throws Exception {
        String tenant = "outage" + UUID.randomUUID().toString().substring(0, 6);
        try (TestHazelcast cluster = new TestHazelcast(); IngestStack system = IngestStack.start(cluster, es, TRACING);
             WsTestClient ws = system.client(tenant)) {
            Sender sender = new Sender(ws);
            long[] cutAt = {0};
            long[] refusalsAtRestore = {-1};
            sender.send(80, 500, () -> {
                long now = java.lang.System.currentTimeMillis();
                if (cutAt[0] == 0 && sender.acked >= 5_000) {
                    system.proxy().cut(); // Elasticsearch unreachable for the indexer, ingest going on
                    cutAt[0] = now;
                } else if (cutAt[0] > 0 && refusalsAtRestore[0] < 0 && now - cutAt[0] >= 30_000) {
                    refusalsAtRestore[0] = sender.refusals;
                    system.proxy().restore();
                }
            });
            assertThat(cutAt[0]).as("the outage happened during ingest").isPositive();
            assertThat(refusalsAtRestore[0]).as("the sender was pushed back during the outage, not dropped")
                    .isPositive();
            assertThat(sender.acked).isEqualTo(40_000);
            await().atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofSeconds(1)).until(() -> system.searchable(tenant) == 40_000);
            assertThat(system.counter("switchboard.history.lost")).isZero();
            assertThat(system.counter("switchboard.tracing.lost")).isZero();
        }
    }
}
