package io.switchboard.routing;

/**
 * Call latencies counted in log-spaced buckets, so that percentiles of many windows and callers come from sums of
 * counts (a database adds them up) rather than from every call. Bucket {@code i} holds latencies up to
 * {@code 50 µs × 2^(i/4)}: each is about 19 % wider than the one before, from 50 µs to about 44 s; the last holds
 * everything above. Percentiles are interpolated geometrically within their bucket and never exceed the largest
 * latency seen, so their error is well under a bucket's width.
 */
final class LatencyHistogram {
    static final int BUCKETS = 81;
    private static final double FIRST_MICROS = 50;
    private static final double STEPS_PER_DOUBLING = 4;
    /** Upper bounds in µs; the last bucket has none. */
    private static final double[] UPPER = new double[BUCKETS];

    static {
        for (int i = 0; i < BUCKETS; i++) {
            UPPER[i] = FIRST_MICROS * Math.pow(2, i / STEPS_PER_DOUBLING);
        }
    }

    private LatencyHistogram() {
    }

    /** The bucket of a latency. */
    static int bucket(long micros) {
        if (micros <= FIRST_MICROS) {
            return 0;
        }
        int i = (int) Math.min(BUCKETS - 1,
                Math.ceil(STEPS_PER_DOUBLING * (Math.log(micros / FIRST_MICROS) / Math.log(2)) - 1e-9));
        // Floating point may put a value on a bound one bucket off; the bounds decide.
        while (i > 0 && micros <= UPPER[i - 1]) {
            i--;
        }
        while (i < BUCKETS - 1 && micros > UPPER[i]) {
            i++;
        }
        return i;
    }

    /**
     * The latency below which a fraction {@code q} (0 to 1) of the calls counted in {@code buckets} fell, in µs, at
     * most {@code maxMicros}; 0 when nothing was counted.
     */
    static long percentile(long[] buckets, double q, long maxMicros) {
        long total = 0;
        for (long b : buckets) {
            total += b;
        }
        if (total == 0) {
            return 0;
        }
        double rank = Math.max(1, Math.ceil(q * total));
        long seen = 0;
        for (int i = 0; i < buckets.length; i++) {
            if (buckets[i] == 0) {
                continue;
            }
            if (seen + buckets[i] >= rank) {
                double lower = i == 0 ? 0 : UPPER[i - 1];
                double upper = i == BUCKETS - 1 ? Math.max(lower, maxMicros) : UPPER[i];
                double within = (rank - seen) / buckets[i];
                double value = lower <= 0 ? upper * within : lower * Math.pow(upper / lower, within);
                return Math.min(Math.round(value), maxMicros);
            }
            seen += buckets[i];
        }
        return maxMicros;
    }
}
