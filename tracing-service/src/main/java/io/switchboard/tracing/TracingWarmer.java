package io.switchboard.tracing;

import com.fasterxml.jackson.databind.JsonNode;
import com.hazelcast.core.HazelcastInstance;
import io.switchboard.common.codec.Json;
import io.switchboard.common.service.WarmUp;
import io.switchboard.common.service.WarmUpItems;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.switchboard.common.service.WarmUpSocket;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Tracing's warm-up load, through its real WebSocket endpoint as the scratch tenant: each round one connection sends
 * {@value #BATCHES} batches of logs, spans and outcomes and waits for their acks, while another holds a filtered tail
 * and waits for every item the filter keeps. That runs the frame parsing and validation, the quotas, the ring writes
 * and the tail's filtered ring reads. The scratch tenant's items go to rings of its own that the history indexer and
 * routing never read ({@link io.switchboard.common.buffer.TraceRings#scratch}), on partitions this member owns once
 * the cluster is safe, destroyed at the end.
 */
final class TracingWarmer implements WarmUp.Warmer {
    static final int BATCHES = 8;
    /** Per batch: 30 logs (a third at warn, which the tail keeps), 10 spans and 10 outcomes (which it keeps too). */
    static final int LOGS = 30;
    static final int SPANS = 10;
    static final int OUTCOMES = 10;
    static final int KEPT_PER_BATCH = LOGS / 3 + SPANS + OUTCOMES;
    private static final long STEP_TIMEOUT_MS = 10_000;

    private final WarmUp.Context context;
    private final HazelcastInstance hazelcast;
    /** The tenant quotas the rounds stay under: items and frame bytes a second (0: none). */
    private final TracingConfig.Quotas quotas;
    /** Whether the service still has a connection of the given tenant (whose tails may still read its rings). */
    private final java.util.function.Predicate<String> connected;
    private WarmUpSocket sender;
    private WarmUpSocket tailer;
    private final AtomicInteger acksLeft = new AtomicInteger();
    private final AtomicInteger keptLeft = new AtomicInteger();
    private volatile Promise<Void> step;
    private Promise<Void> tailing = Promise.promise();
    private long seq;

    TracingWarmer(WarmUp.Context context, HazelcastInstance hazelcast, TracingConfig.Quotas quotas,
                  java.util.function.Predicate<String> connected) {
        this.context = context;
        this.hazelcast = hazelcast;
        this.quotas = quotas;
        this.connected = connected;
    }

    @Override
    public Future<Void> prepare() {
        // After migration: the scratch rings are placed on partitions this member owns when the first connection opens.
        return WarmUp.clusterSafe(context, hazelcast).compose(safe -> connect());
    }

    private Future<Void> connect() {
        Future<WarmUpSocket> s = context.connect(TracingService.PATH, this::onSenderText);
        Future<WarmUpSocket> t = context.connect(TracingService.PATH, this::onTailText);
        return Future.all(s, t).compose(all -> {
            sender = s.result();
            tailer = t.result();
            tailer.send("{\"type\":\"tail\",\"id\":\"warm\",\"from\":\"now\",\"filter\":{\"level\":\"warn\","
                    + "\"environment\":\"" + WarmUpItems.ENVIRONMENT + "\"}}");
            return tailing.future().timeout(STEP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        });
    }

    @Override
    public Future<Void> round(int round) {
        long began = System.nanoTime();
        Promise<Void> done = Promise.promise();
        acksLeft.set(BATCHES);
        keptLeft.set(BATCHES * KEPT_PER_BATCH);
        step = done;
        long bytes = 0;
        for (int b = 0; b < BATCHES; b++) {
            String batch = batch(seq++);
            bytes += batch.length();
            sender.send(batch);
        }
        long items = (long) BATCHES * (LOGS + SPANS + OUTCOMES);
        long frameBytes = bytes;
        return done.future().timeout(STEP_TIMEOUT_MS, TimeUnit.MILLISECONDS)
                .compose(v -> WarmUp.paced(context.vertx(), began, items, quotas.eventsPerSecond()))
                .compose(v -> WarmUp.paced(context.vertx(), began, frameBytes, quotas.bytesPerSecond()));
    }

    private static String batch(long seq) {
        return "{\"type\":\"events\",\"seq\":" + seq + ",\"dropped\":0,\"items\":["
                + String.join(",", WarmUpItems.items(LOGS, SPANS, OUTCOMES)) + "]}";
    }

    private void onSenderText(String text) {
        JsonNode frame = Json.parse(text);
        String type = frame.path("type").asText();
        Promise<Void> s = step;
        if (s == null) {
            return;
        }
        if (type.equals("error")) {
            s.tryFail("the warm-up's batch was refused: " + frame.path("message").asText());
        } else if (type.equals("ack")) {
            if (frame.path("rejected").size() > 0) {
                s.tryFail("the warm-up's items were rejected: " + frame.path("rejected"));
            } else {
                acksLeft.decrementAndGet();
                check(s);
            }
        }
    }

    private void onTailText(String text) {
        JsonNode frame = Json.parse(text);
        String type = frame.path("type").asText();
        if (type.equals("tailing")) {
            tailing.tryComplete();
            return;
        }
        if (type.equals("error")) {
            tailing.tryFail("the warm-up's tail was refused: " + frame.path("message").asText());
            Promise<Void> s = step;
            if (s != null) {
                s.tryFail("the warm-up's tail was refused: " + frame.path("message").asText());
            }
            return;
        }
        if (type.equals("events") && frame.has("tail")) {
            keptLeft.addAndGet(-frame.path("items").size());
            Promise<Void> s = step;
            if (s != null) {
                check(s);
            }
        }
    }

    private void check(Promise<Void> s) {
        if (acksLeft.get() <= 0 && keptLeft.get() <= 0) {
            s.tryComplete();
        }
    }

    @Override
    public Future<Void> finish() {
        // The rings go once the server has closed the connections (a tail reading them would bring them back).
        return WarmUp.removeScratch(context, hazelcast, Arrays.asList(sender, tailer), connected);
    }
}
