package io.switchboard.routing;

import io.switchboard.common.model.CallOutcome;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The health of each version of a service ({@code version_outcomes}): outcomes that name the called node's version,
 * summed per window, caller and reporter with a {@link LatencyHistogram}, and read back as throughput, error rate and
 * latency percentiles over any recent span. Canaries are judged on these counts, which arrive within a second of the
 * calls, rather than on spans in Elasticsearch.
 */
final class VersionStats {
    private VersionStats() {
    }

    /** The sums of one row: a version's outcomes in one window from one caller and reporter. */
    record Key(String tenant, String service, String environment, String version, long windowStartMicros, String caller,
               String reporter) {
        static final Comparator<Key> ORDER = Comparator.comparing(Key::tenant).thenComparing(Key::service)
                .thenComparing(Key::environment).thenComparing(Key::version).thenComparingLong(Key::windowStartMicros)
                .thenComparing(Key::caller).thenComparing(Key::reporter);
    }

    /** Counts being gathered for one row. */
    static final class Sums {
        long successes;
        long failures;
        long latencySum;
        long latencyMax;
        final long[] buckets = new long[LatencyHistogram.BUCKETS];

        void add(boolean success, long latencyMicros) {
            if (success) {
                successes++;
            } else {
                failures++;
            }
            latencySum += latencyMicros;
            latencyMax = Math.max(latencyMax, latencyMicros);
            buckets[LatencyHistogram.bucket(latencyMicros)]++;
        }
    }

    /** The row an outcome that names its callee's version counts in. */
    static Key key(CallOutcome o, long windowStartMicros) {
        return new Key(o.tenant(), o.calleeService(), o.calleeEnvironmentOrCallers() == null ? ""
                : o.calleeEnvironmentOrCallers(), o.calleeVersion(), windowStartMicros, o.service(),
                o.reporter() == null ? "" : o.reporter());
    }

    /** Adds the gathered sums to their rows, in one order so that replicas upserting the same rows never deadlock. */
    static void upsert(Connection c, Map<Key, Sums> sums) throws SQLException {
        if (sums.isEmpty()) {
            return;
        }
        try (PreparedStatement s = c.prepareStatement("insert into version_outcomes (tenant, service, environment, "
                + "version, window_start, caller, reporter, successes, failures, latency_sum_micros, latency_max_micros, "
                + "latency_buckets) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                + "on conflict (tenant, service, environment, version, window_start, caller, reporter) do update set "
                + "successes = version_outcomes.successes + excluded.successes, "
                + "failures = version_outcomes.failures + excluded.failures, "
                + "latency_sum_micros = version_outcomes.latency_sum_micros + excluded.latency_sum_micros, "
                + "latency_max_micros = greatest(version_outcomes.latency_max_micros, excluded.latency_max_micros), "
                + "latency_buckets = (select array_agg(coalesce(a, 0) + coalesce(b, 0) order by i) from "
                + "unnest(version_outcomes.latency_buckets, excluded.latency_buckets) with ordinality as t(a, b, i))")) {
            var ordered = sums.entrySet().stream().sorted(Map.Entry.comparingByKey(Key.ORDER)).toList();
            for (Map.Entry<Key, Sums> e : ordered) {
                Key k = e.getKey();
                Sums v = e.getValue();
                s.setString(1, k.tenant());
                s.setString(2, k.service());
                s.setString(3, k.environment());
                s.setString(4, k.version());
                s.setTimestamp(5, Timestamp.from(Instant.EPOCH.plus(k.windowStartMicros(), ChronoUnit.MICROS)));
                s.setString(6, k.caller());
                s.setString(7, k.reporter());
                s.setLong(8, v.successes);
                s.setLong(9, v.failures);
                s.setLong(10, v.latencySum);
                s.setLong(11, v.latencyMax);
                Long[] boxed = new Long[v.buckets.length];
                for (int i = 0; i < boxed.length; i++) {
                    boxed[i] = v.buckets[i];
                }
                Array array = c.createArrayOf("bigint", boxed);
                s.setArray(12, array);
                s.addBatch();
            }
            s.executeBatch();
        }
    }

    /** What one version did over a span of windows. */
    record Health(String version, long calls, long failures, long latencySumMicros, long latencyMaxMicros,
                  long[] buckets, int callers, double seconds) {
        double errorRate() {
            return calls == 0 ? 0 : (double) failures / calls;
        }

        long percentile(double q) {
            return LatencyHistogram.percentile(buckets, q, latencyMaxMicros);
        }

        Map<String, Object> toJson() {
            Map<String, Object> out = new LinkedHashMap<>();
            out.put("version", version);
            out.put("calls", calls);
            out.put("failures", failures);
            out.put("errorRate", Math.round(errorRate() * 10_000) / 10_000.0);
            out.put("callsPerSecond", seconds <= 0 ? 0 : Math.round(calls / seconds * 100) / 100.0);
            Map<String, Object> latency = new LinkedHashMap<>();
            latency.put("p50", percentile(0.50));
            latency.put("p95", percentile(0.95));
            latency.put("p99", percentile(0.99));
            latency.put("max", latencyMaxMicros);
            latency.put("mean", calls == 0 ? 0 : latencySumMicros / calls);
            out.put("latencyMicros", latency);
            out.put("callers", callers);
            return out;
        }
    }

    /**
     * Each version's health in the windows from {@code since} on, the most called first. As for node reputation, each
     * caller counts at most {@code maxCallsPerCaller} calls per window (more are scaled down to that, their share of
     * failures and their latency distribution kept), so that no one caller outweighs the others by volume.
     */
    static List<Health> read(Connection c, String tenant, String service, String environment, Instant since,
                             Instant now, int maxCallsPerCaller) throws SQLException {
        // Summed in the database, each row (a caller's window) scaled down to the cap first: what comes back is a
        // row per version and a row per version and bucket, however many windows and callers the span holds.
        String rows = "(select version, caller, successes, failures, latency_sum_micros, latency_max_micros, "
                + "latency_buckets, least(1.0, ?::float8 / greatest(1, successes + failures)) as scale "
                + "from version_outcomes where tenant = ? and service = ? and environment = ? and window_start >= ?) r";
        Map<String, long[]> totals = new LinkedHashMap<>();
        Map<String, Integer> callers = new HashMap<>();
        try (PreparedStatement s = c.prepareStatement("select version, sum(round(successes * scale)), "
                + "sum(round(failures * scale)), sum(round(latency_sum_micros * scale)), max(latency_max_micros), "
                + "count(distinct caller) from " + rows + " group by version")) {
            bind(s, maxCallsPerCaller, tenant, service, environment, since);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    long failures = rs.getLong(3);
                    totals.put(rs.getString(1), new long[] {rs.getLong(2) + failures, failures, rs.getLong(4), rs.getLong(5)});
                    callers.put(rs.getString(1), rs.getInt(6));
                }
            }
        }
        Map<String, long[]> buckets = new HashMap<>();
        try (PreparedStatement s = c.prepareStatement("select version, i, sum(round(b * scale)) from " + rows
                + " cross join lateral unnest(r.latency_buckets) with ordinality as u(b, i) group by version, i")) {
            bind(s, maxCallsPerCaller, tenant, service, environment, since);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    int i = rs.getInt(2) - 1;
                    if (i >= 0 && i < LatencyHistogram.BUCKETS) {
                        buckets.computeIfAbsent(rs.getString(1), v -> new long[LatencyHistogram.BUCKETS])[i] = rs.getLong(3);
                    }
                }
            }
        }
        double seconds = Math.max(1, Duration.between(since, now).toMillis() / 1_000.0);
        List<Health> out = new ArrayList<>();
        totals.forEach((version, t) -> out.add(new Health(version, t[0], t[1], t[2], t[3],
                buckets.getOrDefault(version, new long[LatencyHistogram.BUCKETS]), callers.get(version), seconds)));
        out.sort(Comparator.comparingLong(Health::calls).reversed().thenComparing(Health::version));
        return out;
    }

    private static void bind(PreparedStatement s, int cap, String tenant, String service, String environment,
                             Instant since) throws SQLException {
        s.setDouble(1, cap);
        s.setString(2, tenant);
        s.setString(3, service);
        s.setString(4, environment);
        s.setTimestamp(5, Timestamp.from(since));
    }

    /** Deletes counts of windows before {@code before}. */
    static void forget(Connection c, Instant before) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("delete from version_outcomes where window_start < ?")) {
            s.setTimestamp(1, Timestamp.from(before));
            s.executeUpdate();
        }
    }
}
