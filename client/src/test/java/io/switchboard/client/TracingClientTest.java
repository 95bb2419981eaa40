package io.switchboard.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.switchboard.common.model.CallOutcome;
import io.switchboard.common.model.Level;
import io.switchboard.common.model.LogEvent;
import io.switchboard.common.model.Node;
import io.switchboard.common.model.Span;
import io.switchboard.common.model.TraceItem;
import io.switchboard.testsupport.RealStores;
import io.switchboard.tracing.TracingConfig;
import io.switchboard.testsupport.TestHazelcast;
import io.switchboard.testsupport.Tokens;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The client's logging, spans and outcomes against a real tracing replica. */
@ExtendWith(RealStores.class)
class TracingClientTest {
    static SwitchboardOptions options(String service, String node) {
        return SwitchboardOptions.defaults().withIdentity(service, "prod", node)
                .withReconnect(Duration.ofMillis(200), Duration.ofSeconds(1));
    }

    static List<TraceItem> awaitItems(ControlPlane cp, String tenant, int count) {
        await().atMost(Duration.ofSeconds(15)).until(() -> cp.buffered(tenant).size() >= count);
        return cp.buffered(tenant);
    }

    @Test
    void logsSpansAndOutcomesArriveCarryingTheirTraceContext(TestHazelcast cluster) throws Exception {
        try (ControlPlane cp = new ControlPlane(cluster, 0);
             Switchboard sb = Switchboard.connect(cp.base(), Tokens.client("acme"), options("orders", "orders-1"))) {
            ActiveSpan span = sb.tracing().startSpan("POST /orders", Span.SpanKind.SERVER, null).attribute("http.method", "POST");
            try (Scope ignored = span.makeCurrent()) {
                sb.tracing().log(Level.WARN, "com.example.Orders", "stock is low", Map.of("sku", "A-1"));
                ActiveSpan child = sb.tracing().startSpan("SELECT stock");
                child.status(true).end();
                sb.tracing().outcome(new Node(null, "pay-1", "payments", "1.0.0", "h:1", "prod", Map.of()), false, Duration.ofMillis(3));
            }
            span.status(false).end();
            sb.tracing().log(Level.INFO, "com.example.Orders", "outside any span");
            sb.tracing().flush(Duration.ofSeconds(10)).get(15, TimeUnit.SECONDS);

            List<TraceItem> items = awaitItems(cp, "acme", 5);
            String traceId = span.context().traceId();
            LogEvent warn = find(items, LogEvent.class, l -> l.message().equals("stock is low"));
            assertThat(warn.traceId()).isEqualTo(traceId);
            assertThat(warn.spanId()).isEqualTo(span.context().spanId());
            assertThat(warn.attributes()).containsEntry("sku", "A-1");
            assertThat(warn.service()).isEqualTo("orders");
            assertThat(warn.node()).isEqualTo("orders-1");
            Span root = find(items, Span.class, s -> s.operation().equals("POST /orders"));
            Span child = find(items, Span.class, s -> s.operation().equals("SELECT stock"));
            assertThat(root.parentSpanId()).isNull();
            assertThat(root.status()).isEqualTo(Span.Status.ERROR);
            assertThat(root.attributes()).containsEntry("http.method", "POST");
            assertThat(child.traceId()).isEqualTo(traceId);
            assertThat(child.parentSpanId()).isEqualTo(root.spanId());
            CallOutcome outcome = find(items, CallOutcome.class, o -> true);
            assertThat(outcome.calleeNode()).isEqualTo("pay-1");
            assertThat(outcome.success()).isFalse();
            assertThat(outcome.traceId()).isEqualTo(traceId);
            assertThat(find(items, LogEvent.class, l -> l.message().equals("outside any span")).traceId()).isNull();
        }
    }

    @Test
    void traceparentCarriesATraceAcrossServicesAndFromOtherTracers(TestHazelcast cluster) throws Exception {
        try (ControlPlane cp = new ControlPlane(cluster, 0);
             Switchboard gateway = Switchboard.connect(cp.base(), Tokens.client("acme"), options("gateway", "gw-1"));
             Switchboard orders = Switchboard.connect(cp.base(), Tokens.client("acme"), options("orders", "orders-1"))) {
            ActiveSpan outgoing = gateway.tracing().startSpan("call orders", Span.SpanKind.CLIENT, null).attribute("peer.service", "orders");
            Map<String, String> headers;
            try (Scope ignored = outgoing.makeCurrent()) {
                headers = gateway.tracing().inject(new HashMap<>());
            }
            assertThat(headers.get("traceparent")).isEqualTo("00-" + outgoing.context().traceId() + "-" + outgoing.context().spanId() + "-01");
            // The "request" reaches orders, which continues the trace from the header.
            SpanContext incoming = SpanContext.fromTraceparent(headers.get("traceparent"));
            ActiveSpan server = orders.tracing().startSpan("handle", Span.SpanKind.SERVER, incoming);
            server.end();
            outgoing.end();
            // A traceparent from another tracer joins its trace; a broken one starts a new trace.
            SpanContext foreign = SpanContext.fromTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
            assertThat(foreign).isEqualTo(new SpanContext("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7", true));
            assertThat(SpanContext.fromTraceparent("00-00000000000000000000000000000000-00f067aa0ba902b7-01")).isNull();
            assertThat(SpanContext.fromTraceparent("garbage")).isNull();
            orders.tracing().startSpan("from foreign", Span.SpanKind.SERVER, foreign).end();
            gateway.tracing().flush(Duration.ofSeconds(10)).get(15, TimeUnit.SECONDS);
            orders.tracing().flush(Duration.ofSeconds(10)).get(15, TimeUnit.SECONDS);

            List<TraceItem> items = awaitItems(cp, "acme", 3);
            Span client = find(items, Span.class, s -> s.operation().equals("call orders"));
            Span handled = find(items, Span.class, s -> s.operation().equals("handle"));
            assertThat(handled.traceId()).isEqualTo(client.traceId());
            assertThat(handled.parentSpanId()).isEqualTo(client.spanId());
            assertThat(handled.service()).isEqualTo("orders");
            assertThat(client.peerService()).isEqualTo("orders");
            Span joined = find(items, Span.class, s -> s.operation().equals("from foreign"));
            assertThat(joined.traceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
            assertThat(joined.parentSpanId()).isEqualTo("00f067aa0ba902b7");
        }
    }

    @Test
    void tracestateTravelsWithTraceparentAndAnInvalidOneIsDroppedWhileTheTraceIsKept(TestHazelcast cluster) throws Exception {
        try (ControlPlane cp = new ControlPlane(cluster, 0);
             Switchboard orders = Switchboard.connect(cp.base(), Tokens.client("state"), options("orders", "orders-1"))) {
            // An incoming request from another vendor's tracer: header names in any case.
            Map<String, String> incoming = Map.of("TraceParent", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                    "TraceState", "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7");
            SpanContext parent = orders.tracing().extract(incoming);
            assertThat(parent.traceState()).isEqualTo("congo=t61rcWkgMzE,rojo=00f067aa0ba902b7");
            ActiveSpan server = orders.tracing().startSpan("handle", Span.SpanKind.SERVER, parent);
            Map<String, String> outgoing;
            try (Scope ignored = server.makeCurrent()) {
                outgoing = orders.tracing().inject(new HashMap<>());
            }
            server.end();
            assertThat(outgoing).containsEntry("tracestate", "congo=t61rcWkgMzE,rojo=00f067aa0ba902b7")
                    .containsEntry("traceparent", "00-4bf92f3577b34da6a3ce929d0e0e4736-" + server.context().spanId() + "-01");
            // A broken tracestate is dropped; the traceparent still joins the trace.
            SpanContext broken = orders.tracing().extract(Map.of("traceparent",
                    "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "tracestate", "no equals sign"));
            assertThat(broken.traceId()).isEqualTo("4bf92f3577b34da6a3ce929d0e0e4736");
            assertThat(broken.traceState()).isNull();
            assertThat(orders.tracing().extract(Map.of("tracestate", "a=b"))).as("no traceparent, no context").isNull();
            orders.tracing().flush(Duration.ofSeconds(10)).get(15, TimeUnit.SECONDS);
            Span stored = find(awaitItems(cp, "state", 1), Span.class, s -> s.operation().equals("handle"));
            assertThat(stored.traceState()).isEqualTo("congo=t61rcWkgMzE,rojo=00f067aa0ba902b7");
        }
    }

    @Test
    void theClientCanBeTheOpenTelemetrySdksSpanExporter(TestHazelcast cluster) throws Exception {
        try (ControlPlane cp = new ControlPlane(cluster, 0);
             Switchboard sb = Switchboard.connect(cp.base(), Tokens.client("otel"), options("checkout", "checkout-1"))) {
            io.switchboard.client.otel.SwitchboardSpanExporter exporter =
                    io.switchboard.client.otel.SwitchboardSpanExporter.create(sb.tracing());
            String traceId;
            try (var provider = io.opentelemetry.sdk.trace.SdkTracerProvider.builder()
                    .addSpanProcessor(io.opentelemetry.sdk.trace.export.SimpleSpanProcessor.create(exporter)).build()) {
                var tracer = provider.get("io.example.checkout");
                var root = tracer.spanBuilder("GET /cart").setSpanKind(io.opentelemetry.api.trace.SpanKind.SERVER).startSpan();
                traceId = root.getSpanContext().getTraceId();
                try (var ignored = root.makeCurrent()) {
                    var call = tracer.spanBuilder("POST /payments").setSpanKind(io.opentelemetry.api.trace.SpanKind.CLIENT)
                            .setAttribute("peer.service", "payments").setAttribute("weird key with spaces!", "kept").startSpan();
                    call.addEvent("retry");
                    call.setStatus(io.opentelemetry.api.trace.StatusCode.ERROR, "timed out");
                    call.end();
                }
                root.end();
                assertThat(provider.forceFlush().join(20, TimeUnit.SECONDS).isSuccess()).as("flushed to the server").isTrue();
            }
            List<TraceItem> items = awaitItems(cp, "otel", 2);
            Span root = find(items, Span.class, s -> s.operation().equals("GET /cart"));
            Span call = find(items, Span.class, s -> s.operation().equals("POST /payments"));
            assertThat(root.traceId()).isEqualTo(traceId);
            assertThat(root.service()).as("the SDK's default resource names no service: the client's").isEqualTo("checkout");
            assertThat(root.spanKind()).isEqualTo(Span.SpanKind.SERVER);
            assertThat(call.parentSpanId()).isEqualTo(root.spanId());
            assertThat(call.status()).isEqualTo(Span.Status.ERROR);
            assertThat(call.peerService()).isEqualTo("payments");
            assertThat(call.events()).extracting(Span.Event::name).containsExactly("retry");
            assertThat(call.attributes()).containsEntry("weird_key_with_spaces_", "kept")
                    .containsEntry("otel.status_description", "timed out");
        }
    }

    @Test
    void whileTheServerIsUnreachableTheOldestAreDroppedAndCountedAndLoggingNeverBlocks(TestHazelcast cluster) throws Exception {
        int port = freePort();
        SwitchboardOptions small = options("orders", "orders-1").withBuffer(1_000, Duration.ofMillis(100));
        try (Switchboard sb = Switchboard.connect(URI.create("ws://127.0.0.1:" + port), Tokens.client("offline"), small)) {
            for (int i = 0; i < 1_500; i++) {
                sb.tracing().log(Level.INFO, "c", "message " + i);
            }
            assertThat(sb.tracing().dropped()).isEqualTo(500);
            try (ControlPlane cp = new ControlPlane(cluster, port)) {
                List<TraceItem> items = awaitItems(cp, "offline", 1_000);
                assertThat(items).hasSize(1_000);
                assertThat(items).extracting(i -> ((LogEvent) i).message())
                        .contains("message 500", "message 1499").doesNotContain("message 499", "message 0");
                await().atMost(Duration.ofSeconds(10)).until(() ->
                        cp.harness.registry().get("switchboard.tracing.items.client.dropped").counter().count() == 500.0);
            }
        }
    }

    @Test
    void whenTheBufferPushesBackLoggingNeverBlocksAndNothingBelowTheClientsBoundIsLost() throws Exception {
        String ring = io.switchboard.common.buffer.TraceRings.PREFIX + 0;
        // One ring of 600 slots whose reader has read nothing: 563 items fit until it moves; batches (of at most 100
        // items, the server's limit) wait 300 ms, then are refused with limit_exceeded, and the client sends them again
        // after retryAfterMs.
        TracingConfig config = TracingConfig.DEFAULT.withSlots(600, 1).withLimits(100, 8, 4)
                .withPushBack(new TracingConfig.PushBack(Duration.ofMinutes(2), Duration.ofMillis(300), 100));
        try (TestHazelcast own = new TestHazelcast();
             ControlPlane cp = new ControlPlane(own, 0, config,
                     hz -> hz.getMap(io.switchboard.common.buffer.TraceRings.CHECKPOINTS).put(ring, -1L));
             Switchboard sb = Switchboard.connect(cp.base(), Tokens.client("pushed"),
                     options("orders", "orders-1").withBuffer(10_000, Duration.ofMillis(20)))) {
            for (int i = 0; i < 2_000; i++) {
                sb.tracing().log(Level.INFO, "c", "pushed back " + i);
            }
            // Every call has returned, though the buffer cannot hold them all until its reader moves.
            assertThat(cp.buffered("pushed")).hasSizeLessThan(600);
            // The server pushes back: a batch waited for the reader, and was refused.
            await().atMost(Duration.ofSeconds(10)).until(() -> cp.harness.registry().find("switchboard.quota.exceeded")
                    .tag("quota", "tracing.buffer").counters().stream().mapToDouble(c -> c.count()).sum() > 0);

            // A reader like the indexer: reads what the ring holds after its position, then publishes the new position.
            java.util.Set<String> read = java.util.concurrent.ConcurrentHashMap.newKeySet();
            var ringbuffer = cp.tracing.rings().ring(0);
            var positions = cp.member.<String, Long>getMap(io.switchboard.common.buffer.TraceRings.CHECKPOINTS);
            java.util.concurrent.atomic.AtomicBoolean reading = new java.util.concurrent.atomic.AtomicBoolean(true);
            java.util.concurrent.atomic.AtomicReference<Throwable> failed = new java.util.concurrent.atomic.AtomicReference<>();
            Thread reader = Thread.ofPlatform().start(() -> {
                long next = 0;
                while (reading.get()) {
                    try {
                        var batch = ringbuffer.readManyAsync(next, 0, 100, null).toCompletableFuture().get(5, TimeUnit.SECONDS);
                        if (batch.readCount() == 0) {
                            Thread.sleep(20); // polling the ring, as the indexer does when it is idle
                            continue;
                        }
                        assertThat(batch.getNextSequenceToReadFrom() - batch.readCount()).as("nothing overwritten unread").isEqualTo(next);
                        batch.forEach(record -> read.add(((LogEvent) io.switchboard.common.buffer.TraceRings.decode(record)).message()));
                        next = batch.getNextSequenceToReadFrom();
                        positions.set(ring, next - 1);
                    } catch (InterruptedException e) {
                        return;
                    } catch (Exception | AssertionError e) {
                        failed.set(e);
                        return;
                    }
                }
            });
            try {
                sb.tracing().flush(Duration.ofSeconds(60)).get(65, TimeUnit.SECONDS);
                await().atMost(Duration.ofSeconds(30)).until(() -> read.size() == 2_000 || failed.get() != null);
            } finally {
                reading.set(false);
                reader.join(10_000);
            }
            assertThat(failed.get()).as("the reader's failure").isNull();
            assertThat(sb.tracing().dropped()).as("the client's bound (10,000) was never reached").isZero();
            assertThat(read).contains("pushed back 0", "pushed back 1999");
        }
    }

    @Test
    void batchesTheServerDidNotAcknowledgeAreSentAgainAfterAReconnect(TestHazelcast cluster) throws Exception {
        try (ControlPlane healthy = new ControlPlane(cluster, 0)) {
            ControlPlane broken = new ControlPlane(cluster, 0);
            try (Switchboard sb = Switchboard.connect(List.of(broken.base(), healthy.base()), () -> Tokens.client("resend"),
                    options("orders", "orders-1"))) {
                await().atMost(Duration.ofSeconds(10)).until(() -> broken.harness.componentStatus("hazelcast").equals("up"));
                // The broken replica loses its store: it keeps its connections but cannot store a batch.
                broken.member.getLifecycleService().terminate();
                for (int i = 0; i < 50; i++) {
                    sb.tracing().log(Level.INFO, "c", "must not be lost " + i);
                }
                broken.harness.close(); // the client reconnects to the healthy replica and sends the batches again
                List<TraceItem> items = awaitItems(healthy, "resend", 50);
                assertThat(items).extracting(i -> ((LogEvent) i).message()).contains("must not be lost 0", "must not be lost 49");
            }
        }
    }

    @Test
    void closeGivesUpFlushingAfterItsDeadlineWhenTheServerIsDown() throws Exception {
        int port = freePort();
        Switchboard sb = Switchboard.connect(URI.create("ws://127.0.0.1:" + port), Tokens.client("down"), options("orders", "o-1"));
        sb.tracing().log(Level.INFO, "c", "never delivered");
        long start = System.nanoTime();
        sb.close();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(8));
    }

    private static <T extends TraceItem> T find(List<TraceItem> items, Class<T> type, java.util.function.Predicate<T> p) {
        return items.stream().filter(type::isInstance).map(type::cast).filter(p).findFirst()
                .orElseThrow(() -> new AssertionError("no matching " + type.getSimpleName() + " in " + items));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
