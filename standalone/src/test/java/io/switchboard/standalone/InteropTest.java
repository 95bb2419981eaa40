package io.switchboard.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.logs.Severity;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.exporter.otlp.http.logs.OtlpHttpLogRecordExporter;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.logs.SdkLoggerProvider;
import io.opentelemetry.sdk.logs.export.SimpleLogRecordProcessor;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import io.switchboard.common.codec.Json;
import io.switchboard.testsupport.RealStores;
import io.switchboard.testsupport.TestElasticsearch;
import io.switchboard.testsupport.TestHazelcast;
import io.switchboard.testsupport.Tokens;
import io.switchboard.tracing.TracingConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import zipkin2.Endpoint;
import zipkin2.reporter.AsyncReporter;
import zipkin2.reporter.urlconnection.URLConnectionSender;

/**
 * Existing instrumentation reports to Switchboard: the real OpenTelemetry Java SDK with its OTLP/HTTP exporters, and
 * Zipkin's own reporter, send to the tracing service of a running Switchboard (tracing and query on real Hazelcast
 * and Elasticsearch); what they sent comes back whole from the trace API and shows in stats and the dependency graph.
 */
@ExtendWith(RealStores.class)
class InteropTest {
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private static TestHazelcast cluster;
    private static IngestStack stack;

    @BeforeAll
    static void start(TestElasticsearch es) throws Exception {
        cluster = new TestHazelcast();
        stack = IngestStack.start(cluster, es, TracingConfig.DEFAULT.withSlots(2_000, 8).withQuotas(TracingConfig.Quotas.NONE));
    }

    @AfterAll
    static void stop() throws Exception {
        stack.close();
        cluster.close();
    }

    private static String tenant(String prefix) {
        return prefix + UUID.randomUUID().toString().substring(0, 6);
    }

    private static String base() {
        return "http://127.0.0.1:" + stack.harness().port();
    }

    private static JsonNode get(String path, String tenant) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(base() + path))
                .header("Authorization", "Bearer " + Tokens.operator(tenant)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).as(path + ": " + r.body()).isEqualTo(200);
        return Json.parse(r.body());
    }

    private static HttpResponse<String> post(String path, String token, String contentType, byte[] body) throws Exception {
        return HTTP.send(HttpRequest.newBuilder(URI.create(base() + path)).header("Authorization", "Bearer " + token)
                .header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** Every span of a trace, flattened from the trace API's tree. */
    private static List<JsonNode> spans(JsonNode trace) {
        List<JsonNode> out = new ArrayList<>();
        trace.path("spans").forEach(s -> flatten(s, out));
        return out;
    }

    private static void flatten(JsonNode span, List<JsonNode> out) {
        out.add(span);
        span.path("children").forEach(c -> flatten(c, out));
    }

    private static JsonNode span(List<JsonNode> spans, String operation) {
        return spans.stream().filter(s -> s.path("operation").asText().equals(operation)).findFirst()
                .orElseThrow(() -> new AssertionError("no span " + operation + " in " + spans));
    }

    @Test
    void theOpenTelemetrySdksSpansAndLogsComeBackWholeAndShowInStatsAndTheDependencyGraph() throws Exception {
        String tenant = tenant("otel");
        String token = Tokens.client(tenant);
        Resource resource = Resource.getDefault().merge(Resource.builder().put("service.name", "checkout")
                .put("service.version", "2.1.0").put("deployment.environment", "prod")
                .put("service.instance.id", "checkout-7").build());
        OtlpHttpSpanExporter spanExporter = OtlpHttpSpanExporter.builder().setEndpoint(base() + "/v1/traces")
                .addHeader("Authorization", "Bearer " + token).setCompression("gzip").build();
        OtlpHttpLogRecordExporter logExporter = OtlpHttpLogRecordExporter.builder().setEndpoint(base() + "/v1/logs")
                .addHeader("Authorization", "Bearer " + token).build();
        String traceId;
        String linkedTrace;
        try (SdkTracerProvider tracing = SdkTracerProvider.builder().setResource(resource)
                .addSpanProcessor(SimpleSpanProcessor.create(spanExporter)).build();
             SdkLoggerProvider logging = SdkLoggerProvider.builder().setResource(resource)
                     .addLogRecordProcessor(SimpleLogRecordProcessor.create(logExporter)).build()) {
            Tracer tracer = tracing.get("io.example.checkout", "1.4.0");
            io.opentelemetry.api.trace.Span other = tracer.spanBuilder("batch job").startSpan();
            linkedTrace = other.getSpanContext().getTraceId();
            other.end();
            io.opentelemetry.api.trace.Span root = tracer.spanBuilder("GET /checkout").setSpanKind(SpanKind.SERVER)
                    .addLink(other.getSpanContext(), Attributes.of(AttributeKey.stringKey("link.reason"), "batched"))
                    .setAttribute("http.route", "/checkout").startSpan();
            traceId = root.getSpanContext().getTraceId();
            try (Scope ignored = root.makeCurrent()) {
                io.opentelemetry.api.trace.Span call = tracer.spanBuilder("POST /payments").setSpanKind(SpanKind.CLIENT)
                        .setAttribute("peer.service", "payments").startSpan();
                call.addEvent("retry", Attributes.of(AttributeKey.longKey("attempt"), 2L));
                call.setStatus(StatusCode.ERROR, "payments timed out");
                call.end();
                logging.get("io.example.checkout.Orders").logRecordBuilder().setSeverity(Severity.WARN)
                        .setBody("stock is low for order 17").setContext(Context.current())
                        .setAttribute(AttributeKey.stringKey("sku"), "A-1").emit();
            }
            root.end();
            CompletableResultCode spansDone = tracing.forceFlush().join(20, TimeUnit.SECONDS);
            CompletableResultCode logsDone = logging.forceFlush().join(20, TimeUnit.SECONDS);
            assertThat(spansDone.isSuccess()).as("the SDK's span export succeeded").isTrue();
            assertThat(logsDone.isSuccess()).as("the SDK's log export succeeded").isTrue();
        }

        // Both spans, and the log record emitted while the root span was current, attached to it.
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
            JsonNode t = get("/api/v1/traces/" + traceId, tenant);
            List<JsonNode> found = spans(t);
            assertThat(found).as(t.toString()).hasSize(2);
            assertThat(span(found, "GET /checkout").path("logs")).as(t.toString()).hasSize(1);
        });
        JsonNode trace = get("/api/v1/traces/" + traceId, tenant);
        List<JsonNode> spans = spans(trace);
        JsonNode root = span(spans, "GET /checkout");
        JsonNode call = span(spans, "POST /payments");
        assertThat(root.path("service").asText()).isEqualTo("checkout");
        assertThat(root.path("environment").asText()).isEqualTo("prod");
        assertThat(root.path("node").asText()).isEqualTo("checkout-7");
        assertThat(root.path("spanKind").asText()).isEqualTo("server");
        assertThat(root.path("attributes").path("service.version").asText()).isEqualTo("2.1.0");
        assertThat(root.path("attributes").path("otel.scope.name").asText()).isEqualTo("io.example.checkout");
        assertThat(root.path("links").get(0).path("traceId").asText()).isEqualTo(linkedTrace);
        assertThat(root.path("links").get(0).path("attributes").path("link.reason").asText()).isEqualTo("batched");
        assertThat(call.path("parentSpanId").asText()).isEqualTo(root.path("spanId").asText());
        assertThat(call.path("spanKind").asText()).isEqualTo("client");
        assertThat(call.path("status").asText()).isEqualTo("error");
        assertThat(call.path("peerService").asText()).isEqualTo("payments");
        assertThat(call.path("attributes").path("otel.status_description").asText()).isEqualTo("payments timed out");
        assertThat(call.path("events").get(0).path("name").asText()).isEqualTo("retry");
        assertThat(call.path("events").get(0).path("attributes").path("attempt").asText()).isEqualTo("2");
        JsonNode log = root.path("logs").get(0);
        assertThat(log.path("message").asText()).isEqualTo("stock is low for order 17");
        assertThat(log.path("level").asText()).isEqualTo("warn");
        assertThat(log.path("attributes").path("sku").asText()).isEqualTo("A-1");

        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() ->
                get("/api/v1/dependencies?since=1h", tenant).toString().contains("payments"));
        JsonNode edges = get("/api/v1/dependencies?since=1h", tenant);
        assertThat(edges.toString()).contains("checkout").contains("payments");
        JsonNode stats = get("/api/v1/stats?service=checkout&since=1h", tenant);
        assertThat(stats.toString()).contains("GET /checkout");
    }

    @Test
    void zipkinsOwnReporterReportsB3SpansThatComeBackAsOneTrace() throws Exception {
        String tenant = tenant("zipkin");
        // A reporter sends no headers of its own: the token goes in the URL, as for browsers' WebSockets.
        URLConnectionSender sender = URLConnectionSender.create(base() + "/api/v2/spans?token=" + Tokens.client(tenant));
        String traceId = "463ac35c9f6413ad";
        long now = System.currentTimeMillis() * 1_000;
        try (AsyncReporter<zipkin2.Span> reporter = AsyncReporter.create(sender)) {
            Endpoint frontend = Endpoint.newBuilder().serviceName("frontend").ip("10.0.0.1").build();
            Endpoint backend = Endpoint.newBuilder().serviceName("backend").ip("10.0.0.2").build();
            reporter.report(zipkin2.Span.newBuilder().traceId(traceId).id("a2fb4a1d1a96d312").name("get /api")
                    .kind(zipkin2.Span.Kind.CLIENT).localEndpoint(frontend).remoteEndpoint(backend)
                    .timestamp(now).duration(20_000).putTag("http.path", "/api").addAnnotation(now + 5, "wire.send").build());
            // B3's shared span: the server half reuses the client's span id.
            reporter.report(zipkin2.Span.newBuilder().traceId(traceId).id("a2fb4a1d1a96d312").name("get /api")
                    .kind(zipkin2.Span.Kind.SERVER).shared(true).localEndpoint(backend)
                    .timestamp(now + 2_000).duration(15_000).putTag("error", "boom").build());
            reporter.flush();
        }
        sender.close();
        String w3c = "0000000000000000" + traceId;
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() ->
                get("/api/v1/traces/" + w3c, tenant).path("spanCount").asInt() == 2);
        List<JsonNode> spans = spans(get("/api/v1/traces/" + w3c, tenant));
        JsonNode client = spans.stream().filter(s -> s.path("spanKind").asText().equals("client")).findFirst().orElseThrow();
        JsonNode server = spans.stream().filter(s -> s.path("spanKind").asText().equals("server")).findFirst().orElseThrow();
        assertThat(client.path("service").asText()).isEqualTo("frontend");
        assertThat(client.path("peerService").asText()).isEqualTo("backend");
        assertThat(client.path("events").get(0).path("name").asText()).isEqualTo("wire.send");
        assertThat(server.path("service").asText()).isEqualTo("backend");
        assertThat(server.path("parentSpanId").asText()).as("the shared server half hangs under its client")
                .isEqualTo(client.path("spanId").asText());
        assertThat(server.path("status").asText()).isEqualTo("error");
        await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() ->
                get("/api/v1/dependencies?since=1h", tenant).toString().contains("backend"));
    }

    @Test
    void otlpJsonIsReadWithHexIdsAndABadPayloadGets400WhileTheRestOfTheRequestIsKept() throws Exception {
        String tenant = tenant("json");
        String token = Tokens.client(tenant);
        long now = System.currentTimeMillis() * 1_000_000L;
        String trace = "5b8efff798038103d269b633813fc60c";
        String json = "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\",\"value\":{\"stringValue\":\"inventory\"}}]},"
                + "\"scopeSpans\":[{\"scope\":{\"name\":\"manual\"},\"spans\":["
                + "{\"traceId\":\"" + trace + "\",\"spanId\":\"eee19b7ec3c1b174\",\"name\":\"reserve\",\"kind\":2,"
                + "\"startTimeUnixNano\":\"" + now + "\",\"endTimeUnixNano\":\"" + (now + 3_000_000) + "\"},"
                + "{\"traceId\":\"not-hex\",\"spanId\":\"eee19b7ec3c1b175\",\"name\":\"broken\","
                + "\"startTimeUnixNano\":\"" + now + "\",\"endTimeUnixNano\":\"" + now + "\"}]}]}]}";
        HttpResponse<String> r = post("/v1/traces", token, "application/json", json.getBytes());
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode partial = Json.parse(r.body()).path("partialSuccess");
        assertThat(partial.path("rejectedSpans").asLong()).isEqualTo(1);
        assertThat(partial.path("errorMessage").asText()).contains("spans[1]").contains("traceId");
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() ->
                get("/api/v1/traces/" + trace, tenant).path("spanCount").asInt() == 1);

        HttpResponse<String> garbage = post("/v1/traces", token, "application/x-protobuf", new byte[] {(byte) 0xff, 0x01, 0x02});
        assertThat(garbage.statusCode()).isEqualTo(400);
        HttpResponse<String> notJson = post("/v1/logs", token, "application/json", "{\"resourceLogs\":".getBytes());
        assertThat(notJson.statusCode()).isEqualTo(400);
        assertThat(Json.parse(notJson.body()).path("message").asText()).contains("nothing was stored");
        HttpResponse<String> wrongType = post("/v1/traces", token, "text/plain", "hello".getBytes());
        assertThat(wrongType.statusCode()).isEqualTo(415);
        HttpResponse<String> noToken = HTTP.send(HttpRequest.newBuilder(URI.create(base() + "/v1/traces"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(noToken.statusCode()).isEqualTo(401);
        // A token bound to another service may not report inventory's spans.
        HttpResponse<String> otherService = post("/v1/traces", Tokens.client(tenant, "payments"), "application/json",
                json.getBytes());
        assertThat(Json.parse(otherService.body()).path("partialSuccess").path("rejectedSpans").asLong()).isEqualTo(2);
    }
}
