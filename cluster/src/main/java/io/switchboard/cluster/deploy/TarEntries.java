package io.switchboard.cluster.deploy;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.zip.GZIPInputStream;

/**
 * Reads tar archives (POSIX ustar, with GNU long names and PAX paths) as image tars are: {@code docker save} form,
 * whose layers are tars of their own, plain or gzipped. Enough to look into images without a Docker daemon.
 */
public final class TarEntries {
    private static final int BLOCK = 512;

    /** One entry: its path, size, whether it is a regular file, and (while visited) a stream of its bytes. */
    public record Entry(String path, long size, boolean file, InputStream content) {
    }

    /** Called for each entry; may read {@link Entry#content()} (what it leaves unread is skipped). */
    @FunctionalInterface
    public interface Visitor {
        void visit(Entry entry) throws IOException;
    }

    private TarEntries() {
    }

    /** Visits every entry of a tar stream, gunzipping it first if it is gzipped. */
    public static void visit(InputStream raw, Visitor visitor) throws IOException {
        InputStream in = new BufferedInputStream(raw, 1 << 16);
        in.mark(2);
        int b0 = in.read();
        int b1 = in.read();
        in.reset();
        if (b0 == 0x1f && b1 == 0x8b) {
            in = new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16);
        }
        byte[] header = new byte[BLOCK];
        String longName = null;
        while (readFully(in, header)) {
            if (isZero(header)) {
                return;
            }
            String name = text(header, 0, 100);
            String prefix = text(header, 345, 155);
            long size = octal(header, 124, 12);
            char type = (char) header[156];
            long padded = (size + BLOCK - 1) / BLOCK * BLOCK;
            if (type == 'L' || type == 'x') {
                byte[] data = in.readNBytes((int) size);
                in.skipNBytes(padded - size);
                if (type == 'L') {
                    longName = new String(data, StandardCharsets.UTF_8).replace("\0", "");
                } else {
                    longName = paxPath(new String(data, StandardCharsets.UTF_8), longName);
                }
                continue;
            }
            String path = longName != null ? longName : prefix.isEmpty() ? name : prefix + "/" + name;
            longName = null;
            Bounded content = new Bounded(in, size);
            visitor.visit(new Entry(strip(path), size, type == '0' || type == 0, content));
            content.skipRest();
            in.skipNBytes(padded - size);
        }
    }

    /** The bytes of one entry of a tar file, if it has it. */
    public static Optional<byte[]> read(Path tar, String path) throws IOException {
        byte[][] found = new byte[1][];
        try (InputStream in = Files.newInputStream(tar)) {
            visit(in, e -> {
                if (found[0] == null && e.path().equals(path)) {
                    found[0] = e.content().readAllBytes();
                }
            });
        }
        return Optional.ofNullable(found[0]);
    }

    private static String strip(String path) {
        return path.startsWith("./") ? path.substring(2) : path;
    }

    private static String paxPath(String records, String fallback) {
        for (String line : records.split("\n")) {
            int space = line.indexOf(' ');
            if (space > 0 && line.startsWith("path=", space + 1)) {
                return line.substring(space + 6);
            }
        }
        return fallback;
    }

    private static boolean readFully(InputStream in, byte[] block) throws IOException {
        int n = in.readNBytes(block, 0, block.length);
        return n == block.length;
    }

    private static boolean isZero(byte[] block) {
        for (byte b : block) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }

    private static String text(byte[] b, int off, int len) {
        int end = off;
        while (end < off + len && b[end] != 0) {
            end++;
        }
        return new String(b, off, end - off, StandardCharsets.UTF_8);
    }

    private static long octal(byte[] b, int off, int len) {
        if ((b[off] & 0x80) != 0) { // base-256, for sizes over 8 GiB
            long v = 0;
            for (int i = off + 1; i < off + len; i++) {
                v = (v << 8) | (b[i] & 0xff);
            }
            return v;
        }
        String s = text(b, off, len).strip();
        return s.isEmpty() ? 0 : Long.parseLong(s, 8);
    }

    /** An entry's bytes: reading stops at its end; what is left is skipped before the next header. */
    private static final class Bounded extends InputStream {
        private final InputStream in;
        private long left;

        Bounded(InputStream in, long size) {
            this.in = in;
            this.left = size;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) {
                return -1;
            }
            int b = in.read();
            if (b >= 0) {
                left--;
            }
            return b;
        }

        @Override
        public int read(byte[] buf, int off, int len) throws IOException {
            if (left <= 0) {
                return -1;
            }
            int n = in.read(buf, off, (int) Math.min(len, left));
            if (n > 0) {
                left -= n;
            }
            return n;
        }

        @Override
        public void close() {
            // the archive's stream stays open for the entries after this one
        }

        void skipRest() throws IOException {
            in.skipNBytes(left);
            left = 0;
        }
    }
}
