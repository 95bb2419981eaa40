package io.switchboard.tracing;

import io.switchboard.common.model.Limits;
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
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import java.util.zip.InflaterInputStream;

/**
 * What the OTLP and Zipkin receivers share: reading a request body within a bound however it is compressed, and
 * fitting other models' free-form names and attributes to the rules of the event model (names of letters, digits
 * and . _ -, at most {@link Limits#maxEntries()} attributes of bounded length), so that an item is kept with its
 * values cut rather than refused over a long tag.
 */
final class Interop {
    private static final Limits LIMITS = Limits.DEFAULT;
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

    /**
     * A name fit for service or environment: letters, digits and . _ -, starting with a letter or digit, at most
     * the name length; other characters become '_' ({@code unknown_service:java} becomes
     * {@code unknown_service_java}). Null if nothing is left.
     */
    static String name(String value) {
        return fit(value, "._-", LIMITS.maxNameLength());
    }

    /** A node id: letters, digits and . _ : -; null if nothing is left. */
    static String nodeId(String value) {
        return fit(value, "._:-", LIMITS.maxIdLength());
    }

    private static String fit(String value, String punctuation, int max) {
        if (value == null) {
            return null;
        }
        StringBuilder b = new StringBuilder(Math.min(value.length(), max));
        for (int i = 0; i < value.length() && b.length() < max; i++) {
            char c = value.charAt(i);
            boolean alnum = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9';
            if (b.isEmpty() && !alnum) {
                continue;
            }
            b.append(alnum || punctuation.indexOf(c) >= 0 ? c : '_');
        }
        return b.isEmpty() ? null : b.toString();
    }

    /** Text cut to {@code max} characters, control characters other than tab and newlines made spaces. */
    static String text(String value, int max) {
        if (value == null) {
            return null;
        }
        String cut = value.length() > max ? value.substring(0, max) : value;
        StringBuilder b = null;
        for (int i = 0; i < cut.length(); i++) {
            char c = cut.charAt(i);
            if (c < 0x20 && c != '\n' && c != '\t' && c != '\r') {
                if (b == null) {
                    b = new StringBuilder(cut);
                }
                b.setCharAt(i, ' ');
            }
        }
        return b == null ? cut : b.toString();
    }

    /** An operation or event name: cut to the name length; {@code fallback} when empty. */
    static String label(String value, String fallback) {
        String t = text(value, LIMITS.maxNameLength());
        return t == null || t.isBlank() ? fallback : t;
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

    /**
     * Attributes in the event model's bounds: keys fit to letters, digits and . _ : / -; values cut to the value
     * length; at most {@link Limits#maxEntries()} entries, the last slot then counting what did not fit
     * ({@value #DROPPED}). A key put again replaces the earlier value (a span's own over its resource's).
     */
    static final class Attributes {
        static final String DROPPED = "switchboard.dropped_attributes";
        private final Map<String, String> map = new LinkedHashMap<>();
        private int dropped;

        Attributes put(String key, String value) {
            String k = fit(key, "._:/-", LIMITS.maxKeyLength());
            if (k == null || value == null) {
                return this;
            }
            // The model has no empty values: an empty one is kept as the two characters "".
            String v = value.isEmpty() ? "\"\"" : text(value, LIMITS.maxValueLength());
            if (map.containsKey(k) || map.size() < LIMITS.maxEntries() - 1) {
                map.put(k, v);
            } else {
                dropped++;
            }
            return this;
        }

        Attributes dropped(int n) {
            dropped += Math.max(0, n);
            return this;
        }

        Map<String, String> build() {
            if (dropped > 0) {
                map.put(DROPPED, Integer.toString(dropped));
            }
            return map;
        }
    }
}
