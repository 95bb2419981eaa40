package io.switchboard.routing;

import io.switchboard.routing.Reputation.Evidence;
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
     * The evidence of the windows from {@code since} on (all tenants', a tenant's when {@code service} is null, or
     * one service's): one row per node, window, caller and reporter, a caller's
     * counts in a window scaled down to {@code maxCallsPerCaller} (its share of failures and mean latency kept), so
     * that no one caller outweighs the others by volume.
     */
    static Map<ServiceKey, List<Evidence>> evidence(Connection c, Instant since, String tenant, String service,
                                                    int maxCallsPerCaller) throws SQLException {
        String sql = "select tenant, service, node, caller, reporter, window_start, successes, failures, latency_sum_micros "
                + "from node_outcomes where window_start >= ?" + (tenant == null ? "" : " and tenant = ?")
                + (service == null ? "" : " and service = ?") + " order by tenant, service, node, window_start";
        try (PreparedStatement s = c.prepareStatement(sql)) {
            s.setTimestamp(1, Timestamp.from(since));
            int i = 2;
            if (tenant != null) {
                s.setString(i++, tenant);
            }
            if (service != null) {
                s.setString(i, service);
            }
            Map<ServiceKey, List<Evidence>> out = new LinkedHashMap<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    String caller = rs.getString(4);
                    String reporter = rs.getString(5);
                    long successes = rs.getLong(7);
                    long failures = rs.getLong(8);
                    long latency = rs.getLong(9);
                    long calls = successes + failures;
                    if (calls > maxCallsPerCaller) {
                        double scale = (double) maxCallsPerCaller / calls;
                        successes = Math.round(successes * scale);
                        failures = Math.round(failures * scale);
                        latency = Math.round(latency * scale);
                    }
                    out.computeIfAbsent(new ServiceKey(rs.getString(1), rs.getString(2)), k -> new ArrayList<>())
                            .add(new Evidence(rs.getString(3), caller, reporter.isEmpty() ? caller : reporter,
                                    rs.getTimestamp(6).toInstant(), successes, failures, latency));
                }
            }
            return out;
        }
    }

    /** Every ejection on record, fleet-wide and per caller: all, a tenant's (service null) or a service's. */
    static Map<ServiceKey, List<Ejection>> ejections(Connection c, String tenant, String service) throws SQLException {
        String sql = "select tenant, service, node, caller, ejected_at, ejected_until, times, failure_rate from node_ejections"
                + (tenant == null ? "" : " where tenant = ?") + (service == null ? "" : " and service = ?");
        try (PreparedStatement s = c.prepareStatement(sql)) {
            if (tenant != null) {
                s.setString(1, tenant);
            }
            if (service != null) {
                s.setString(2, service);
            }
            Map<ServiceKey, List<Ejection>> out = new LinkedHashMap<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out.computeIfAbsent(new ServiceKey(rs.getString(1), rs.getString(2)), k -> new ArrayList<>())
                            .add(new Ejection(rs.getString(3), rs.getString(4), rs.getTimestamp(5).toInstant(),
                                    rs.getTimestamp(6).toInstant(), rs.getInt(7), rs.getDouble(8)));
                }
            }
            return out;
        }
    }

    /** The tenants with counts since {@code since}, ejections or strategies: those a round judges. */
    static java.util.Set<String> tenants(Connection c, Instant since) throws SQLException {
        java.util.Set<String> out = new java.util.TreeSet<>();
        try (PreparedStatement s = c.prepareStatement("select distinct tenant from node_outcomes where window_start >= ? "
                + "union select distinct tenant from node_ejections union select distinct tenant from routing_strategies")) {
            s.setTimestamp(1, Timestamp.from(since));
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out.add(rs.getString(1));
                }
            }
        }
        return out;
    }

    static void saveEjections(Connection c, ServiceKey key, List<Ejection> ejections) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("insert into node_ejections "
                + "(tenant, service, node, caller, ejected_at, ejected_until, times, failure_rate) values (?, ?, ?, ?, ?, ?, ?, ?) "
                + "on conflict (tenant, service, node, caller) do update set ejected_at = excluded.ejected_at, "
                + "ejected_until = excluded.ejected_until, times = excluded.times, failure_rate = excluded.failure_rate")) {
            for (Ejection e : ejections) {
                s.setString(1, key.tenant());
                s.setString(2, key.service());
                s.setString(3, e.node());
                s.setString(4, e.caller());
                s.setTimestamp(5, Timestamp.from(e.ejectedAt()));
                s.setTimestamp(6, Timestamp.from(e.until()));
                s.setInt(7, e.times());
                s.setDouble(8, e.failureRate());
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
