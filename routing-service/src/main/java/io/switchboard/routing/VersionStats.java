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
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

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
        Map<String, long[]> totals = new LinkedHashMap<>();
        Map<String, long[]> buckets = new HashMap<>();
        Map<String, Set<String>> callers = new HashMap<>();
        try (PreparedStatement s = c.prepareStatement("select version, caller, successes, failures, latency_sum_micros, "
                + "latency_max_micros, latency_buckets from version_outcomes where tenant = ? and service = ? "
                + "and environment = ? and window_start >= ?")) {
            s.setString(1, tenant);
            s.setString(2, service);
            s.setString(3, environment);
            s.setTimestamp(4, Timestamp.from(since));
            s.setFetchSize(1_000);
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    String version = rs.getString(1);
                    long successes = rs.getLong(3);
                    long failures = rs.getLong(4);
                    long calls = successes + failures;
                    double scale = calls > maxCallsPerCaller ? (double) maxCallsPerCaller / calls : 1;
                    long[] t = totals.computeIfAbsent(version, v -> new long[4]);
                    t[0] += Math.round(successes * scale) + Math.round(failures * scale);
                    t[1] += Math.round(failures * scale);
                    t[2] += Math.round(rs.getLong(5) * scale);
                    t[3] = Math.max(t[3], rs.getLong(6));
                    long[] b = buckets.computeIfAbsent(version, v -> new long[LatencyHistogram.BUCKETS]);
                    Object[] row = (Object[]) rs.getArray(7).getArray();
                    for (int i = 0; i < Math.min(row.length, b.length); i++) {
                        b[i] += Math.round(((Number) row[i]).longValue() * scale);
                    }
                    callers.computeIfAbsent(version, v -> new HashSet<>()).add(rs.getString(2));
                }
            }
        }
        double seconds = Math.max(1, Duration.between(since, now).toMillis() / 1_000.0);
        List<Health> out = new ArrayList<>();
        totals.forEach((version, t) -> out.add(new Health(version, t[0], t[1], t[2], t[3], buckets.get(version),
                callers.get(version).size(), seconds)));
        out.sort(Comparator.comparingLong(Health::calls).reversed().thenComparing(Health::version));
        return out;
    }

    /** Deletes counts of windows before {@code before}. */
    static void forget(Connection c, Instant before) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("delete from version_outcomes where window_start < ?")) {
            s.setTimestamp(1, Timestamp.from(before));
            s.executeUpdate();
        }
    }
}
