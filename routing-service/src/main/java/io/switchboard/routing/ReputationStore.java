package io.switchboard.routing;

import io.switchboard.routing.Reputation.Counts;
import io.switchboard.routing.Reputation.Ejection;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Node outcome counts and ejections in PostgreSQL. Blocking: call on a worker thread. A null tenant reads every
 * tenant (the evaluator's view); REST always passes the caller's.
 */
final class ReputationStore {

    /** A tenant's service. */
    record ServiceKey(String tenant, String service) {
    }

    private ReputationStore() {
    }

    /**
     * Each node's counts in windows from {@code since} on, leaving out windows that began before the node's last
     * ejection: a node that comes back is judged on what happened after it was taken out.
     */
    static Map<ServiceKey, List<Counts>> counts(Connection c, Instant since, String tenant, String service,
                                                int maxCallsPerCaller) throws SQLException {
        // Each row is one caller's counts in one window: a caller over the cap counts as the cap, with its share of
        // failures (and its mean latency) kept.
        String scale = "(case when o.successes + o.failures > " + maxCallsPerCaller + " then " + maxCallsPerCaller
                + "::float8 / (o.successes + o.failures) else 1 end)";
        String after = " filter (where e.ejected_at is null or o.window_start > e.ejected_at)";
        String sql = "select o.tenant, o.service, o.node, "
                + "coalesce(round(sum(o.successes * " + scale + ")" + after + "), 0)::bigint, "
                + "coalesce(round(sum(o.failures * " + scale + ")" + after + "), 0)::bigint, "
                + "coalesce(round(sum(o.latency_sum_micros * " + scale + ")" + after + "), 0)::bigint, "
                + "round(sum((o.successes + o.failures) * " + scale + "))::bigint, round(sum(o.failures * " + scale + "))::bigint "
                + "from node_outcomes o left join node_ejections e "
                + "on e.tenant = o.tenant and e.service = o.service and e.node = o.node "
                + "where o.window_start >= ?" + (tenant == null ? "" : " and o.tenant = ? and o.service = ?")
                + " group by o.tenant, o.service, o.node order by o.tenant, o.service, o.node";
        try (PreparedStatement s = c.prepareStatement(sql)) {
            s.setTimestamp(1, Timestamp.from(since));
            if (tenant != null) {
                s.setString(2, tenant);
                s.setString(3, service);
            }
            Map<ServiceKey, List<Counts>> out = new LinkedHashMap<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out.computeIfAbsent(new ServiceKey(rs.getString(1), rs.getString(2)), k -> new ArrayList<>())
                            .add(new Counts(rs.getString(3), rs.getLong(4), rs.getLong(5), rs.getLong(6), rs.getLong(7),
                                    rs.getLong(8)));
                }
            }
            return out;
        }
    }

    static Map<ServiceKey, Map<String, Ejection>> ejections(Connection c, String tenant, String service) throws SQLException {
        String sql = "select tenant, service, node, ejected_at, ejected_until, times, failure_rate from node_ejections"
                + (tenant == null ? "" : " where tenant = ? and service = ?");
        try (PreparedStatement s = c.prepareStatement(sql)) {
            if (tenant != null) {
                s.setString(1, tenant);
                s.setString(2, service);
            }
            Map<ServiceKey, Map<String, Ejection>> out = new LinkedHashMap<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out.computeIfAbsent(new ServiceKey(rs.getString(1), rs.getString(2)), k -> new LinkedHashMap<>())
                            .put(rs.getString(3), new Ejection(rs.getString(3), rs.getTimestamp(4).toInstant(),
                                    rs.getTimestamp(5).toInstant(), rs.getInt(6), rs.getDouble(7)));
                }
            }
            return out;
        }
    }

    static void saveEjections(Connection c, ServiceKey key, List<Ejection> ejections) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("insert into node_ejections "
                + "(tenant, service, node, ejected_at, ejected_until, times, failure_rate) values (?, ?, ?, ?, ?, ?, ?) "
                + "on conflict (tenant, service, node) do update set ejected_at = excluded.ejected_at, "
                + "ejected_until = excluded.ejected_until, times = excluded.times, failure_rate = excluded.failure_rate")) {
            for (Ejection e : ejections) {
                s.setString(1, key.tenant());
                s.setString(2, key.service());
                s.setString(3, e.node());
                s.setTimestamp(4, Timestamp.from(e.ejectedAt()));
                s.setTimestamp(5, Timestamp.from(e.until()));
                s.setInt(6, e.times());
                s.setDouble(7, e.failureRate());
                s.addBatch();
            }
            s.executeBatch();
        }
    }

    /** Deletes counts older than the retention and ejections long enough ago to be forgotten. */
    static void forget(Connection c, Instant countsBefore, Instant ejectionsBefore) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("delete from node_outcomes where window_start < ?")) {
            s.setTimestamp(1, Timestamp.from(countsBefore));
            s.executeUpdate();
        }
        try (PreparedStatement s = c.prepareStatement("delete from node_ejections where ejected_until < ?")) {
            s.setTimestamp(1, Timestamp.from(ejectionsBefore));
            s.executeUpdate();
        }
    }
}
