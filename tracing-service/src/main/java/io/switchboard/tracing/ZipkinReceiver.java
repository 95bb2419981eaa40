package io.switchboard.tracing;

import io.switchboard.common.auth.AuthHandler;
import io.switchboard.common.auth.Principal;
import io.switchboard.common.model.EventValidator;
import io.switchboard.common.model.ModelFit;
import io.switchboard.common.model.Span;
import io.switchboard.common.service.HttpErrors;
import io.switchboard.tracing.HttpIngest.Candidate;
import io.switchboard.tracing.HttpIngest.Refused;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import zipkin2.Annotation;
import zipkin2.Endpoint;
import zipkin2.SpanBytesDecoderDetector;
import zipkin2.codec.BytesDecoder;
import zipkin2.codec.SpanBytesDecoder;

/**
 * Zipkin v2 receiver ({@code POST /api/v2/spans}), JSON or proto3, gzip accepted, decoded by Zipkin's own codec.
 * B3 ids become W3C ids: a 64-bit trace id is left-padded with zeros to 128 bits, as the B3 propagators do. A
 * server span sharing its client's span id (B3's shared spans) is given its own id derived from that one, with the
 * client span as its parent, so both are kept. 202 when every span was stored; 400 naming the spans refused and
 * saying how many others were stored.
 */
final class ZipkinReceiver {
    static final String PATH = "/api/v2/spans";

    private final HttpIngest ingest;
    private final AuthHandler auth;

    ZipkinReceiver(HttpIngest ingest, AuthHandler auth) {
        this.ingest = ingest;
        this.auth = auth;
    }

    /** Under {@code /api/*}, whose body handler has read the body already. */
    void mount(Router router) {
        router.post(PATH).handler(auth).handler(this::handle);
    }

    private void handle(RoutingContext ctx) {
        try {
            Principal principal = AuthHandler.principal(ctx);
            byte[] body = Interop.body(ctx, ingest.maxBytes());
            ingest.admitBytes(principal, body.length);
            List<Candidate> candidates;
            try {
                candidates = spans(decode(body));
            } catch (RuntimeException e) {
                ingest.refundBytes(principal, body.length);
                throw e;
            }
            if (candidates.size() > ingest.maxItems()) {
                ingest.refundBytes(principal, body.length);
                throw new Refused(413, "the request has " + candidates.size() + " spans; the limit is "
                        + ingest.maxItems() + " (tracing.max-items-per-batch); nothing was stored: report smaller "
                        + "messages (the reporter's messageMaxBytes)", 0);
            }
            ingest.store(principal, candidates, body.length).onComplete(ar -> {
                if (ar.failed()) {
                    error(ctx, ar.cause());
                    return;
                }
                List<String> rejected = ar.result().rejected();
                if (rejected.isEmpty()) {
                    ctx.response().setStatusCode(202).end();
                    return;
                }
                HttpErrors.send(ctx, 400, "invalid_spans", rejected.size() + " of " + candidates.size() + " spans were "
                        + "refused (the other " + ar.result().accepted() + " were stored; do not send them again): "
                        + ar.result().reasons());
            });
        } catch (RuntimeException e) {
            error(ctx, e);
        }
    }

    private static void error(RoutingContext ctx, Throwable cause) {
        if (cause instanceof Refused r) {
            r.retryAfter(ctx.response());
            String code = switch (r.status) {
                case 413 -> "body_too_large";
                case 415 -> "unsupported_media_type";
                case 429 -> "quota_exceeded";
                case 503 -> "unavailable";
                default -> "bad_request";
            };
            HttpErrors.send(ctx, r.status, code, r.getMessage());
        } else {
            ctx.fail(cause);
        }
    }

    /** The spans of a v2 message, JSON or proto3 (told apart by their first byte, as Zipkin's own server does). */
    static List<zipkin2.Span> decode(byte[] body) {
        if (body.length == 0) {
            return List.of();
        }
        BytesDecoder<zipkin2.Span> decoder;
        try {
            decoder = SpanBytesDecoderDetector.decoderForListMessage(body);
        } catch (IllegalArgumentException e) {
            throw new Refused(400, "the body is not a Zipkin v2 span list (JSON or proto3): " + e.getMessage()
                    + "; nothing was stored", 0);
        }
        if (decoder != SpanBytesDecoder.JSON_V2 && decoder != SpanBytesDecoder.PROTO3) {
            throw new Refused(400, "the body is a Zipkin " + decoder + " message; this endpoint takes v2 (JSON_V2 or "
                    + "PROTO3): configure the reporter's encoding; nothing was stored", 0);
        }
        try {
            return decoder.decodeList(body);
        } catch (IllegalArgumentException e) {
            throw new Refused(400, "the body is not a valid Zipkin " + decoder + " span list: " + e.getMessage()
                    + "; nothing was stored", 0);
        }
    }

    static List<Candidate> spans(List<zipkin2.Span> spans) {
        List<Candidate> out = new ArrayList<>(spans.size());
        for (int i = 0; i < spans.size(); i++) {
            out.add(span("spans[" + i + "]", spans.get(i)));
        }
        return out;
    }

    private static Candidate span(String label, zipkin2.Span z) {
        if (z.timestampAsLong() == 0) {
            return Candidate.refused(label, "timestamp is required (epoch microseconds)");
        }
        String traceId = z.traceId().length() == 32 ? z.traceId() : "0000000000000000" + z.traceId();
        if (traceId.equals("0".repeat(32)) || z.id().equals("0000000000000000")) {
            return Candidate.refused(label, "traceId and id must not be all zero");
        }
        String spanId = z.id();
        String parent = z.parentId();
        if (Boolean.TRUE.equals(z.shared()) && z.kind() == zipkin2.Span.Kind.SERVER) {
            // B3 single-host spans: the server half reuses the client's id; it becomes the client's child.
            parent = z.id();
            spanId = Interop.derivedSpanId(traceId, z.id(), "shared-server");
        }
        Endpoint local = z.localEndpoint();
        String service = ModelFit.name(z.localServiceName());
        String node = local == null ? null : ModelFit.nodeId(local.ipv4() != null ? local.ipv4() : local.ipv6());
        ModelFit.Attributes attrs = new ModelFit.Attributes();
        Span.Status status = Span.Status.UNSET;
        for (Map.Entry<String, String> tag : z.tags().entrySet()) {
            attrs.put(tag.getKey(), tag.getValue());
            if (tag.getKey().equals("error")) {
                status = Span.Status.ERROR;
            } else if (tag.getKey().equals("otel.status_code") && status != Span.Status.ERROR) {
                status = switch (tag.getValue().toUpperCase(Locale.ROOT)) {
                    case "ERROR" -> Span.Status.ERROR;
                    case "OK" -> Span.Status.OK;
                    default -> status;
                };
            }
        }
        Endpoint remote = z.remoteEndpoint();
        if (remote != null && remote.ipv4() != null) {
            attrs.put("network.peer.address", remote.ipv4());
        }
        if (Boolean.TRUE.equals(z.debug())) {
            attrs.put("zipkin.debug", "true");
        }
        List<Span.Event> events = new ArrayList<>();
        for (Annotation a : z.annotations()) {
            if (events.size() == EventValidator.MAX_SPAN_EVENTS) {
                attrs.put("otel.dropped_events_count", Integer.toString(z.annotations().size() - events.size()));
                break;
            }
            events.add(new Span.Event(a.timestamp(), ModelFit.label(a.value(), "annotation"), Map.of()));
        }
        Span.SpanKind kind = z.kind() == null ? Span.SpanKind.INTERNAL : switch (z.kind()) {
            case CLIENT -> Span.SpanKind.CLIENT;
            case SERVER -> Span.SpanKind.SERVER;
            case PRODUCER -> Span.SpanKind.PRODUCER;
            case CONSUMER -> Span.SpanKind.CONSUMER;
        };
        return Candidate.of(label, new Span(null, traceId.substring(16) + spanId, z.timestampAsLong(),
                z.durationAsLong(), service == null ? "unknown_service" : service, node, null, traceId, spanId, parent,
                ModelFit.label(z.name(), "unnamed"), kind, status, ModelFit.name(z.remoteServiceName()), attrs.build(),
                null, events, List.of()));
    }
}
