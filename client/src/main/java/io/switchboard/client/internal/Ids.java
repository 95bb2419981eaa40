package io.switchboard.client.internal;

import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;

/** Random ids in the formats the protocol wants, and timestamps in microseconds; cheap enough for every log call. */
final class Ids {
    private static final char[] HEX = "0123456789abcdef".toCharArray();

    private Ids() {
    }

    /** 32 lowercase hex digits: an item id or a trace id (never all zero). */
    static String id128() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        long hi = r.nextLong();
        long lo = r.nextLong() | 1;
        char[] c = new char[32];
        hex(hi, c, 0);
        hex(lo, c, 16);
        return new String(c);
    }

    /** 16 lowercase hex digits: a span id (never all zero). */
    static String id64() {
        char[] c = new char[16];
        hex(ThreadLocalRandom.current().nextLong() | 1, c, 0);
        return new String(c);
    }

    private static void hex(long v, char[] out, int at) {
        for (int i = 15; i >= 0; i--) {
            out[at + i] = HEX[(int) (v & 0xf)];
            v >>>= 4;
        }
    }

    static long nowMicros() {
        Instant now = Instant.now();
        return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
    }
}
