package io.switchboard.bench;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import io.switchboard.common.auth.DevTokens;
import io.switchboard.common.auth.Role;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import zipkin2.Endpoint;
import zipkin2.codec.SpanBytesEncoder;

/**
 * Span ingest over HTTP as existing instrumentation sends it, out of process: OTLP/HTTP protobuf exports to
 * Switchboard's {@code /v1/traces}, and the same spans as Zipkin v2 JSON to Switchboard's {@code /api/v2/spans} and to
 * Zipkin's own server (its exec jar from Maven Central, in-memory storage, in a JVM of its own beside it). Requests of
 * {@value #SPANS} spans, {@value #CONCURRENT} in flight, each on its own HTTP/1.1 connection; spans/s counts what the
 * server answered 2xx. Switchboard runs with its history indexer off, so that both servers only take spans in.
 */
final class OtlpBench {
    static final int SPANS = 500;
    static final int CONCURRENT = 8;
    static final String ZIPKIN_VERSION = "3.5.1";
    private static final HexFormat HEX = HexFormat.of();

    private OtlpBench() {
    }

    static void run(Path work) throws Exception {
        System.out.println("== otlp: spans/s taken in over HTTP (" + SPANS + " spans a request, " + CONCURRENT
                + " requests in flight), Switchboard beside Zipkin's own server");
        int requests = 400; // 200,000 spans a run
        try (ServerProcess server = new ServerProcess(work.resolve("otlp"), "2g", Map.of(
                "SWITCHBOARD_QUOTA_EVENTS_PER_SECOND", "0", "SWITCHBOARD_QUOTA_BYTES_PER_SECOND", "0",
                "SWITCHBOARD_INDEXER_ENABLED", "false"))) {
            System.out.printf("  standalone with indexer.enabled=false started in %.1f s (pid %d); quotas lifted%n",
                    server.start().toMillis() / 1e3, server.pid());
            String token = DevTokens.issue(DevTokens.DEV_SECRET, "otlp", Role.CLIENT, Duration.ofHours(1), Instant.now());
            URI otlp = server.http("/v1/traces");
            URI zipkin = server.http("/api/v2/spans");
            blast(otlp, token, "application/x-protobuf", otlpBodies(requests), false); // warm-up
            blast(otlp, token, "application/x-protobuf", otlpBodies(requests), true, "Switchboard, OTLP/HTTP protobuf", server);
            blast(zipkin, token, "application/json", zipkinBodies(requests / 2), false);
            blast(zipkin, token, "application/json", zipkinBodies(requests), true, "Switchboard, Zipkin v2 JSON", server);
        }
        Path jar = zipkinJar();
        if (jar == null) {
            System.out.println("  Zipkin's server: skipped (io.zipkin:zipkin-server:" + ZIPKIN_VERSION + ":exec is not in the"
                    + " local Maven repository; ./switchboard bench fetches it)");
            return;
        }
        int port = ServerProcess.freePort();
        Path log = work.resolve("zipkin.out");
        Files.createDirectories(work);
        ProcessBuilder pb = new ProcessBuilder(ProcessHandle.current().info().command().orElse("java"), "-Xms2g", "-Xmx2g",
                "-XX:+UseG1GC", "-jar", jar.toString()).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(Map.of("STORAGE_TYPE", "mem", "QUERY_PORT", Integer.toString(port), "MEM_MAX_SPANS",
                "500000", "JAVA_OPTS", ""));
        Process zipkin = pb.start();
        try {
            long started = System.nanoTime();
            URI health = URI.create("http://127.0.0.1:" + port + "/health");
            while (!up(health)) {
                if (!zipkin.isAlive() || System.nanoTime() - started > TimeUnit.MINUTES.toNanos(3)) {
                    throw new IllegalStateException("Zipkin's server did not start:\n" + Files.readString(log));
                }
                Thread.sleep(200); // polling another process's health endpoint; nothing to wait on instead
            }
            System.out.printf("  Zipkin server %s (in-memory storage) started in %.1f s (pid %d)%n", ZIPKIN_VERSION,
                    (System.nanoTime() - started) / 1e9, zipkin.pid());
            URI spans = URI.create("http://127.0.0.1:" + port + "/api/v2/spans");
            blast(spans, null, "application/json", zipkinBodies(requests), false);
            blast(spans, null, "application/json", zipkinBodies(requests), true, "Zipkin server, Zipkin v2 JSON", zipkin.pid());
        } finally {
            zipkin.destroy();
            zipkin.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static boolean up(URI health) {
        try {
            return CLIENTS.getFirst().send(HttpRequest.newBuilder(health).timeout(Duration.ofSeconds(2)).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The exec jar in the local Maven repository, or null. */
    private static Path zipkinJar() {
        Path jar = Path.of(System.getProperty("user.home"), ".m2", "repository", "io", "zipkin", "zipkin-server",
                ZIPKIN_VERSION, "zipkin-server-" + ZIPKIN_VERSION + "-exec.jar");
        return Files.isRegularFile(jar) ? jar : null;
    }

    /** One HTTP/1.1 client per request in flight, so that each keeps its own connection. */
    private static final List<HttpClient> CLIENTS = java.util.stream.IntStream.range(0, CONCURRENT)
            .mapToObj(i -> HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()).toList();

    private static void blast(URI uri, String token, String type, List<byte[]> bodies, boolean print) throws Exception {
        blast(uri, token, type, bodies, print, null, -1);
    }

    private static void blast(URI uri, String token, String type, List<byte[]> bodies, boolean print, String label,
                              ServerProcess server) throws Exception {
        blast(uri, token, type, bodies, print, label, server.pid());
    }

    /** Posts every body, {@value #CONCURRENT} at a time; prints spans/s and the server's CPU per 1,000 spans. */
    private static void blast(URI uri, String token, String type, List<byte[]> bodies, boolean print, String label,
                              long pid) throws Exception {
        AtomicInteger next = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        String[] firstFailure = new String[1];
        double cpuBefore = pid > 0 ? ServerProcess.cpuSecondsOf(Long.toString(pid)) : 0;
        long start = System.nanoTime();
        List<CompletableFuture<Void>> workers = new ArrayList<>();
        for (int w = 0; w < CONCURRENT; w++) {
            HttpClient http = CLIENTS.get(w);
            workers.add(CompletableFuture.runAsync(() -> {
                int i;
                while ((i = next.getAndIncrement()) < bodies.size()) {
                    HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(60))
                            .header("Content-Type", type).POST(HttpRequest.BodyPublishers.ofByteArray(bodies.get(i)));
                    if (token != null) {
                        b.header("Authorization", "Bearer " + token);
                    }
                    try {
                        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() / 100 != 2) {
                            failed.incrementAndGet();
                            firstFailure[0] = r.statusCode() + " " + r.body();
                        }
                    } catch (Exception e) {
                        failed.incrementAndGet();
                        firstFailure[0] = e.toString();
                    }
                }
            }, Thread::startVirtualThread));
        }
        CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new)).get(10, TimeUnit.MINUTES);
        double seconds = (System.nanoTime() - start) / 1e9;
        if (failed.get() > 0) {
            throw new IllegalStateException(failed.get() + " of " + bodies.size() + " requests to " + uri + " failed: "
                    + firstFailure[0]);
        }
        if (print) {
            long spans = (long) bodies.size() * SPANS;
            double cpu = pid > 0 ? ServerProcess.cpuSecondsOf(Long.toString(pid)) - cpuBefore : 0;
            System.out.printf("  %-32s %,9.0f spans/s (%,d spans in %.2f s); server CPU %.3f s per 1,000 spans%n", label,
                    spans / seconds, spans, seconds, cpu * 1000 / spans);
        }
    }

    /** Requests of fresh spans: a server span and its client child per trace, as a traced call makes them. */
    private static List<byte[]> otlpBodies(int requests) {
        List<byte[]> out = new ArrayList<>(requests);
        Resource resource = Resource.newBuilder().addAttributes(kv("service.name", "checkout"))
                .addAttributes(kv("deployment.environment", "prod")).addAttributes(kv("service.instance.id", "checkout-1"))
                .build();
        for (int r = 0; r < requests; r++) {
            ScopeSpans.Builder scope = ScopeSpans.newBuilder().setScope(InstrumentationScope.newBuilder().setName("bench"));
            long now = System.currentTimeMillis() * 1_000_000L;
            for (int i = 0; i < SPANS; i += 2) {
                byte[] trace = random(16);
                byte[] root = random(8);
                scope.addSpans(span(trace, root, null, "GET /checkout", Span.SpanKind.SPAN_KIND_SERVER, now, 4_000_000));
                scope.addSpans(span(trace, random(8), root, "POST /payments", Span.SpanKind.SPAN_KIND_CLIENT, now + 500_000,
                        2_000_000).toBuilder().addAttributes(kv("peer.service", "payments")).build());
            }
            out.add(ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
                    .setResource(resource).addScopeSpans(scope)).build().toByteArray());
        }
        return out;
    }

    private static Span span(byte[] trace, byte[] id, byte[] parent, String name, Span.SpanKind kind, long start, long nanos) {
        Span.Builder b = Span.newBuilder().setTraceId(ByteString.copyFrom(trace)).setSpanId(ByteString.copyFrom(id))
                .setName(name).setKind(kind).setStartTimeUnixNano(start).setEndTimeUnixNano(start + nanos)
                .addAttributes(kv("http.method", name.substring(0, name.indexOf(' '))))
                .setStatus(Status.newBuilder().setCode(Status.StatusCode.STATUS_CODE_OK));
        if (parent != null) {
            b.setParentSpanId(ByteString.copyFrom(parent));
        }
        return b.build();
    }

    /** The same spans as Zipkin v2 JSON. */
    private static List<byte[]> zipkinBodies(int requests) {
        List<byte[]> out = new ArrayList<>(requests);
        Endpoint checkout = Endpoint.newBuilder().serviceName("checkout").ip("10.0.0.1").build();
        Endpoint payments = Endpoint.newBuilder().serviceName("payments").build();
        for (int r = 0; r < requests; r++) {
            List<zipkin2.Span> spans = new ArrayList<>(SPANS);
            long now = System.currentTimeMillis() * 1_000L;
            for (int i = 0; i < SPANS; i += 2) {
                String trace = HEX.formatHex(random(16));
                String root = HEX.formatHex(random(8));
                spans.add(zipkin2.Span.newBuilder().traceId(trace).id(root).name("get /checkout")
                        .kind(zipkin2.Span.Kind.SERVER).localEndpoint(checkout).timestamp(now).duration(4_000)
                        .putTag("http.method", "GET").build());
                spans.add(zipkin2.Span.newBuilder().traceId(trace).id(HEX.formatHex(random(8))).parentId(root)
                        .name("post /payments").kind(zipkin2.Span.Kind.CLIENT).localEndpoint(checkout)
                        .remoteEndpoint(payments).timestamp(now + 500).duration(2_000).putTag("http.method", "POST").build());
            }
            out.add(SpanBytesEncoder.JSON_V2.encodeList(spans));
        }
        return out;
    }

    private static KeyValue kv(String key, String value) {
        return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
    }

    private static byte[] random(int n) {
        byte[] b = new byte[n];
        ThreadLocalRandom.current().nextBytes(b);
        b[0] |= 1; // never all zero
        return b;
    }
}
