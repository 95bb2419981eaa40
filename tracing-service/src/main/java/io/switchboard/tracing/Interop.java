package io.switchboard.tracing;

import io.switchboard.common.model.ModelFit;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.zip.GZIPInputStream;
import java.util.zip.InflaterInputStream;

/**
 * What the OTLP and Zipkin receivers share: the request's format, reading its body within a bound however it is
 * compressed, and ids. Fitting other models' names and attributes to the event model is {@link ModelFit}'s.
 */
final class Interop {
    private static final HexFormat HEX = HexFormat.of();

    private Interop() {
    }

    /** The request's format, from its Content-Type. */
    enum Format {
        PROTOBUF, JSON;

        static Format of(RoutingContext ctx) {
            String type = ctx.request().getHeader("Content-Type");
            String base = type == null ? "" : type.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
            return switch (base) {
                case "application/x-protobuf", "application/protobuf" -> PROTOBUF;
                case "application/json" -> JSON;
                default -> throw new HttpIngest.Refused(415, "Content-Type must be application/x-protobuf or "
                        + "application/json, got '" + (type == null ? "" : type) + "'", 0);
            };
        }
    }

    /**
     * The request body, inflated if its Content-Encoding is gzip or deflate, of at most {@code maxBytes} once
     * inflated: a small body that inflates to more is refused before it is all in memory.
     */
    static byte[] body(RoutingContext ctx, int maxBytes) {
        Buffer raw = ctx.body().buffer();
        byte[] bytes = raw == null ? new byte[0] : raw.getBytes();
        String encoding = ctx.request().getHeader("Content-Encoding");
        String e = encoding == null ? "identity" : encoding.trim().toLowerCase(Locale.ROOT);
        if (e.equals("identity") || e.isEmpty()) {
            if (bytes.length > maxBytes) {
                throw tooLarge(maxBytes);
            }
            return bytes;
        }
        try (InputStream in = switch (e) {
            case "gzip", "x-gzip" -> new GZIPInputStream(new ByteArrayInputStream(bytes));
            case "deflate" -> new InflaterInputStream(new ByteArrayInputStream(bytes));
            default -> throw new HttpIngest.Refused(415, "Content-Encoding '" + encoding
                    + "' is not supported; send gzip, deflate or no encoding", 0);
        }) {
            ByteArrayOutputStream out = new ByteArrayOutputStream(Math.min(maxBytes, bytes.length * 4 + 64));
            byte[] chunk = new byte[16_384];
            int n;
            while ((n = in.read(chunk)) > 0) {
                if (out.size() + n > maxBytes) {
                    throw tooLarge(maxBytes);
                }
                out.write(chunk, 0, n);
            }
            return out.toByteArray();
        } catch (IOException ex) {
            throw new HttpIngest.Refused(400, "the body is not valid " + e + " (" + ex.getMessage()
                    + "); nothing was stored", 0);
        }
    }

    static HttpIngest.Refused tooLarge(int maxBytes) {
        return new HttpIngest.Refused(413, "the request is over " + maxBytes + " bytes (uncompressed), the limit "
                + "(ws.max-frame-bytes); nothing was stored: export smaller batches", 0);
    }

    /** Lowercase hex of an id's bytes, or null when it is empty or all zero (which means none). */
    static String hexId(byte[] id, int length) {
        if (id.length != length) {
            return null;
        }
        for (byte b : id) {
            if (b != 0) {
                return HEX.formatHex(id);
            }
        }
        return null;
    }

    /** A 32-hex-digit event id derived from the given parts, the same for the same parts (a re-sent export). */
    static String digestId(String... parts) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            for (String p : parts) {
                md.update((p == null ? "\u0000" : p).getBytes(StandardCharsets.UTF_8));
                md.update((byte) 0x1f);
            }
            return HEX.formatHex(md.digest(), 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** A 16-hex-digit span id derived from the given parts, never all zero. */
    static String derivedSpanId(String... parts) {
        String id = digestId(parts).substring(0, 16);
        return id.equals("0000000000000000") ? "0000000000000001" : id;
    }
}
