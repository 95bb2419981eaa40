package io.switchboard.routing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Percentiles from log-spaced buckets stay within a bucket's width of the exact ones. */
class LatencyHistogramTest {

    @Test
    void bucketsAreOrderedAndBoundsFallInTheLowerBucket() {
        int previous = 0;
        for (long micros = 0; micros < 100_000_000L; micros = micros * 11 / 10 + 1) {
            int b = LatencyHistogram.bucket(micros);
            assertThat(b).as("%d µs", micros).isGreaterThanOrEqualTo(previous).isBetween(0, LatencyHistogram.BUCKETS - 1);
            previous = b;
        }
        assertThat(LatencyHistogram.bucket(50)).isZero();
        assertThat(LatencyHistogram.bucket(51)).isEqualTo(1);
        assertThat(LatencyHistogram.bucket(100)).isEqualTo(4);
        assertThat(LatencyHistogram.bucket(101)).isEqualTo(5);
        assertThat(LatencyHistogram.bucket(Long.MAX_VALUE / 2)).isEqualTo(LatencyHistogram.BUCKETS - 1);
    }

    @Test
    void percentilesAreWithinABucketOfTheExactOnes() {
        Random random = new Random(7);
        for (int run = 0; run < 20; run++) {
            long[] latencies = new long[1 + random.nextInt(5_000)];
            long[] buckets = new long[LatencyHistogram.BUCKETS];
            long max = 0;
            for (int i = 0; i < latencies.length; i++) {
                // Log-normal around a few ms, with a tail: what call latencies look like.
                latencies[i] = (long) Math.exp(8 + 1.2 * random.nextGaussian());
                buckets[LatencyHistogram.bucket(latencies[i])]++;
                max = Math.max(max, latencies[i]);
            }
            Arrays.sort(latencies);
            for (double q : new double[] {0.5, 0.95, 0.99}) {
                long exact = latencies[(int) Math.ceil(q * latencies.length) - 1];
                long estimate = LatencyHistogram.percentile(buckets, q, max);
                assertThat((double) estimate).as("run %d p%s of %d", run, q, latencies.length)
                        .isBetween(exact / 1.19 - 1, exact * 1.19 + 1);
            }
        }
    }

    @Test
    void emptyAndSingleCounts() {
        assertThat(LatencyHistogram.percentile(new long[LatencyHistogram.BUCKETS], 0.99, 0)).isZero();
        long[] one = new long[LatencyHistogram.BUCKETS];
        one[LatencyHistogram.bucket(1_234)]++;
        assertThat(LatencyHistogram.percentile(one, 0.5, 1_234)).isBetween(1_234L * 100 / 119, 1_234L);
        long[] slow = new long[LatencyHistogram.BUCKETS];
        slow[LatencyHistogram.BUCKETS - 1] = 3;
        assertThat(LatencyHistogram.percentile(slow, 0.99, 90_000_000)).isEqualTo(90_000_000);
    }
}
