package io.switchboard.tracing;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsPartialSuccess;
import io.opentelemetry.proto.collector.logs.v1.ExportLogsServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.switchboard.common.auth.AuthHandler;
import io.switchboard.common.auth.Principal;
import io.switchboard.common.codec.Json;
import io.switchboard.tracing.HttpIngest.Candidate;
import io.switchboard.tracing.HttpIngest.Refused;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;

/**
 * OTLP/HTTP receiver ({@code POST /v1/traces}, {@code POST /v1/logs}), binary protobuf or JSON, gzip accepted, as
 * the OTLP specification's HTTP transport says: 200 with a partial success naming what was rejected, 400 for a
 * body that cannot be decoded (not to be retried), 413 for one over the size or item limit, 415 for another
 * Content-Type, 429 and 503 with Retry-After when the tenant's quota or the buffer cannot take it now (to be retried).
 * An error body is a {@code google.rpc.Status} in the request's format.
 */
final class OtlpReceiver {
    static final String TRACES = "/v1/traces";
    static final String LOGS = "/v1/logs";

    private final HttpIngest ingest;
    private final AuthHandler auth;

    OtlpReceiver(HttpIngest ingest, AuthHandler auth) {
        this.ingest = ingest;
        this.auth = auth;
    }

    void mount(Router router) {
        route(router, TRACES, "spans", (body, format) -> OtlpMapping.spans(OtlpMapping.traces(body, format)),
                OtlpReceiver::tracesResponse);
        route(router, LOGS, "log records", (body, format) -> OtlpMapping.logs(OtlpMapping.logs(body, format)),
                OtlpReceiver::logsResponse);
    }

    private void route(Router router, String path, String items, BiFunction<byte[], Interop.Format, List<Candidate>> decode,
                       BiFunction<Integer, String, Message> response) {
        router.post(path)
                .handler(BodyHandler.create(false).setBodyLimit(ingest.maxBytes()))
                .handler(auth)
                .handler(ctx -> handle(ctx, items, decode, response))
                .failureHandler(ctx -> {
                    if (ctx.statusCode() == 413) {
                        error(ctx, null, Interop.tooLarge(ingest.maxBytes()));
                    } else {
                        ctx.next();
                    }
                });
    }

    private void handle(RoutingContext ctx, String items, BiFunction<byte[], Interop.Format, List<Candidate>> decode,
                        BiFunction<Integer, String, Message> response) {
        Interop.Format format = null;
        try {
            format = Interop.Format.of(ctx);
            Principal principal = AuthHandler.principal(ctx);
            byte[] body = Interop.body(ctx, ingest.maxBytes());
            ingest.admitBytes(principal, body.length);
            List<Candidate> candidates;
            try {
                candidates = decode.apply(body, format);
            } catch (RuntimeException e) {
                ingest.refundBytes(principal, body.length);
                throw e;
            }
            if (candidates.size() > ingest.maxItems()) {
                ingest.refundBytes(principal, body.length);
                throw new Refused(413, "the request has " + candidates.size() + " " + items + "; the limit is "
                        + ingest.maxItems() + " (tracing.max-items-per-batch); nothing was stored: export smaller "
                        + "batches (OTEL_BSP_MAX_EXPORT_BATCH_SIZE, OTEL_BLRP_MAX_EXPORT_BATCH_SIZE)", 0);
            }
            Interop.Format answerIn = format;
            ingest.store(principal, candidates, body.length).onComplete(ar -> {
                if (ar.failed()) {
                    error(ctx, answerIn, ar.cause());
                    return;
                }
                int rejected = ar.result().rejected().size();
                String message = rejected == 0 ? "" : rejected + " " + items + " rejected: " + ar.result().reasons();
                send(ctx, 200, answerIn, response.apply(rejected, message));
            });
        } catch (RuntimeException e) {
            error(ctx, format, e);
        }
    }

    private static Message tracesResponse(int rejected, String message) {
        ExportTraceServiceResponse.Builder b = ExportTraceServiceResponse.newBuilder();
        if (rejected > 0) {
            b.setPartialSuccess(ExportTracePartialSuccess.newBuilder().setRejectedSpans(rejected).setErrorMessage(message));
        }
        return b.build();
    }

    private static Message logsResponse(int rejected, String message) {
        ExportLogsServiceResponse.Builder b = ExportLogsServiceResponse.newBuilder();
        if (rejected > 0) {
            b.setPartialSuccess(ExportLogsPartialSuccess.newBuilder().setRejectedLogRecords(rejected).setErrorMessage(message));
        }
        return b.build();
    }

    private static void send(RoutingContext ctx, int status, Interop.Format format, Message message) {
        if (ctx.response().ended() || ctx.response().closed()) {
            return;
        }
        Buffer body;
        if (format == Interop.Format.PROTOBUF) {
            body = Buffer.buffer(message.toByteArray());
        } else {
            try {
                body = Buffer.buffer(JsonFormat.printer().omittingInsignificantWhitespace().print(message));
            } catch (InvalidProtocolBufferException e) {
                throw new IllegalStateException("an OTLP response could not be printed as JSON", e);
            }
        }
        ctx.response().setStatusCode(status).putHeader("Content-Type", contentType(format)).end(body);
    }

    /** An error as OTLP/HTTP has it: a {@code google.rpc.Status} with a gRPC code and the message. */
    private static void error(RoutingContext ctx, Interop.Format format, Throwable cause) {
        if (ctx.response().ended() || ctx.response().closed()) {
            return;
        }
        int status;
        String message;
        if (cause instanceof Refused r) {
            status = r.status;
            message = r.getMessage();
            r.retryAfter(ctx.response());
        } else {
            status = 500;
            message = "the server failed to take this export; it has been logged";
            org.slf4j.LoggerFactory.getLogger(OtlpReceiver.class).error("OTLP export to {} failed", ctx.request().path(), cause);
        }
        int code = switch (status) {
            case 429 -> 8;   // RESOURCE_EXHAUSTED
            case 503 -> 14;  // UNAVAILABLE
            case 500 -> 13;  // INTERNAL
            default -> 3;    // INVALID_ARGUMENT: 400, 413, 415
        };
        Interop.Format as = format == null ? Interop.Format.JSON : format;
        Buffer body;
        if (as == Interop.Format.PROTOBUF) {
            body = Buffer.buffer(status(code, message));
        } else {
            Map<String, Object> json = new LinkedHashMap<>();
            json.put("code", code);
            json.put("message", message);
            body = Buffer.buffer(Json.write(json));
        }
        ctx.response().setStatusCode(status).putHeader("Content-Type", contentType(as)).end(body);
    }

    /** {@code google.rpc.Status}: field 1 the code, field 2 the message (no details). */
    private static byte[] status(int code, String message) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(message.length() + 16);
        try {
            CodedOutputStream out = CodedOutputStream.newInstance(bytes);
            out.writeInt32(1, code);
            out.writeString(2, message);
            out.flush();
        } catch (IOException e) {
            throw new IllegalStateException("writing to memory failed", e);
        }
        return bytes.toByteArray();
    }

    private static String contentType(Interop.Format format) {
        return format == Interop.Format.PROTOBUF ? "application/x-protobuf" : "application/json";
    }
}
