package io.switchboard.client.internal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectWriter;
import io.switchboard.client.ActiveSpan;
import io.switchboard.client.Scope;
import io.switchboard.client.SpanContext;
import io.switchboard.client.SwitchboardOptions;
import io.switchboard.client.Tracing;
import io.switchboard.common.codec.Json;
import io.switchboard.common.model.CallOutcome;
import io.switchboard.common.model.Level;
import io.switchboard.common.model.Limits;
import io.switchboard.common.model.LogEvent;
import io.switchboard.common.model.Node;
import io.switchboard.common.model.Span;
import io.switchboard.common.model.TraceItem;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The tracing half of the client. Application threads only build an item and put it in the {@link EventBuffer};
 * the client's executor takes batches out, sends them, and keeps each until the server acknowledges it, re-sending
 * the unacknowledged ones after a reconnect (at least once; item ids make that safe downstream).
 */
public final class TracingClient implements Tracing, ManagedConnection.Handler {
    private static final ObjectWriter ITEM = Json.MAPPER.writerFor(TraceItem.class);
    private static final int BATCH = 1_000;

    private final SwitchboardOptions options;
    private final ScheduledExecutorService executor;
    private final EventBuffer buffer;
    private final ThreadLocal<SpanContext> current = new ThreadLocal<>();
    private final AtomicBoolean flushQueued = new AtomicBoolean();
    private ManagedConnection connection;
    private volatile boolean connected;

    // Executor thread only.
    private final LinkedHashMap<Long, String> unacked = new LinkedHashMap<>();
    private final List<CompletableFuture<Void>> flushWaiters = new ArrayList<>();
    private long nextSeq = 1;
    private int maxInFlight = 8;
    private int maxItems = 1_000;
    private int maxFrameBytes = 1 << 20;

    public TracingClient(SwitchboardOptions options, ScheduledExecutorService executor) {
        this.options = options;
        this.executor = executor;
        this.buffer = new EventBuffer(options.bufferSize());
        long interval = options.batchInterval().toMillis();
        executor.scheduleAtFixedRate(this::sendBatches, interval, interval, TimeUnit.MILLISECONDS);
    }

    public void attach(ManagedConnection connection) {
        this.connection = connection;
    }

    String service() {
        return options.service();
    }

    String environment() {
        return options.environment();
    }

    String nodeId() {
        return options.nodeId();
    }

    @Override
    public void log(Level level, String category, String message, Map<String, String> attributes) {
        SpanContext ctx = current.get();
        record(new LogEvent(null, Ids.id128(), Ids.nowMicros(), options.service(), options.nodeId(),
                options.environment(), level, category, truncate(message, Limits.DEFAULT.maxMessageLength()),
                ctx == null ? null : ctx.traceId(), ctx == null ? null : ctx.spanId(), attributes));
    }

    @Override
    public ActiveSpan startSpan(String operation, Span.SpanKind kind, SpanContext parent) {
        SpanContext p = parent != null ? parent : current.get();
        SpanContext ctx = p == null ? new SpanContext(Ids.id128(), Ids.id64(), true) : p.child(Ids.id64());
        return new SpanImpl(this, ctx, p == null ? null : p.spanId(), operation, kind);
    }

    @Override
    public void recordSpan(Span span) {
        if (span == null) {
            return;
        }
        record((TraceItem) new Span(null, span.id() != null ? span.id() : Ids.id128(), span.timestamp(), span.durationMicros(),
                span.service() != null ? span.service() : options.service(),
                span.node() != null ? span.node() : options.nodeId(),
                span.environment() != null ? span.environment() : options.environment(), span.traceId(), span.spanId(),
                span.parentSpanId(), span.operation(), span.spanKind(), span.status(), span.peerService(),
                span.attributes(), span.traceState(), span.events(), span.links()));
    }

    @Override
    public SpanContext current() {
        return current.get();
    }

    Scope makeCurrent(SpanContext ctx) {
        SpanContext previous = current.get();
        current.set(ctx);
        return () -> current.set(previous);
    }

    @Override
    public void outcome(Node callee, boolean success, Duration latency) {
        SpanContext ctx = current.get();
        // The callee's version and environment let routing count each version's health (canaries).
        record(new CallOutcome(null, Ids.id128(), Ids.nowMicros(), options.service(), options.nodeId(),
                options.environment(), callee.service(), callee.id(), success, latency.toNanos() / 1_000,
                ctx == null ? null : ctx.traceId()).ofCallee(callee.version(), callee.environment()));
    }

    @Override
    public long dropped() {
        return buffer.droppedTotal();
    }

    /**
     * Puts an item in the buffer; a full batch wakes the sender early, but only while connected (waking a thread
     * costs microseconds, and while disconnected there is nothing it could do). Never blocks, never throws.
     */
    void record(TraceItem item) {
        if (buffer.add(item) >= BATCH && connected && flushQueued.compareAndSet(false, true)) {
            executor.execute(this::sendBatches);
        }
    }

    @Override
    public CompletableFuture<Void> flush(Duration deadline) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        executor.execute(() -> {
            sendBatches();
            if (unacked.isEmpty() && buffer.size() == 0) {
                done.complete(null);
            } else {
                flushWaiters.add(done);
            }
        });
        return done.orTimeout(deadline.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void sendBatches() {
        flushQueued.set(false);
        if (connection == null || !connection.isOpen()) {
            return;
        }
        while (unacked.size() < maxInFlight && buffer.size() > 0) {
            String text = nextBatch(nextSeq);
            if (text == null) {
                break;
            }
            unacked.put(nextSeq++, text);
            connection.send(text);
        }
    }

    /** The next batch as a frame within the server's item and byte limits, or null if nothing could be taken. */
    private String nextBatch(long seq) {
        StringBuilder frame = new StringBuilder(16_384);
        frame.append("{\"type\":\"events\",\"seq\":").append(seq).append(",\"dropped\":").append(buffer.takeDropped())
                .append(",\"items\":[");
        int budget = maxFrameBytes - 64;
        int count = 0;
        TraceItem item;
        while (count < Math.min(BATCH, maxItems) && (item = buffer.poll()) != null) {
            String json;
            try {
                json = ITEM.writeValueAsString(item);
            } catch (Exception e) {
                continue; // an item that cannot be encoded is skipped rather than blocking the rest
            }
            // Characters bound UTF-8 bytes from below; a batch is cut with room to spare for multi-byte text.
            if (count > 0 && frame.length() + json.length() * 3 > budget) {
                buffer.putBack(item);
                break;
            }
            if (count > 0) {
                frame.append(',');
            }
            frame.append(json);
            count++;
        }
        return count == 0 ? null : frame.append("]}").toString();
    }

    @Override
    public void lost(int code) {
        connected = false;
    }

    @Override
    public void opened(JsonNode open) {
        connected = true;
        maxInFlight = open.at("/limits/maxInFlight").asInt(8);
        maxItems = open.at("/limits/maxItemsPerBatch").asInt(1_000);
        maxFrameBytes = open.at("/limits/maxFrameBytes").asInt(1 << 20);
        // What was sent on the last connection and not acknowledged goes again, in order.
        unacked.values().forEach(connection::send);
        sendBatches();
    }

    @Override
    public void frame(JsonNode frame) {
        switch (frame.path("type").asText()) {
            case "ack" -> {
                unacked.remove(frame.path("seq").asLong());
                sendBatches();
                if (unacked.isEmpty() && buffer.size() == 0) {
                    flushWaiters.forEach(f -> f.complete(null));
                    flushWaiters.clear();
                }
            }
            case "error" -> {
                // A batch the server could not store (unavailable, or the tenant over a quota) stays unacknowledged
                // and goes again after the pause the server asks for (retryAfterMs), or a second.
                String ref = frame.path("ref").asText("");
                if (ref.startsWith("seq:")) {
                    String text = unacked.get(Long.parseLong(ref.substring(4)));
                    if (text != null) {
                        long pause = Math.max(1, Math.min(frame.path("retryAfterMs").asLong(1_000), 60_000));
                        executor.schedule(() -> connection.send(text), pause, TimeUnit.MILLISECONDS);
                    }
                }
            }
            default -> { }
        }
    }

    private static String truncate(String s, int max) {
        return s == null || s.length() <= max ? s : s.substring(0, max);
    }
}
