package io.switchboard.routing;

import io.switchboard.common.codec.Json;
import io.switchboard.common.routing.Strategy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Routing strategies in PostgreSQL, versioned: every change (and every rollback) is a new version, recorded with
 * who made it in the audit trail. Every method is scoped by the tenant it is given, which comes from a verified
 * token. Blocking: call on a worker thread.
 */
final class StrategyStore {

    /** One version of a service's strategy in one environment. */
    record Version(String service, String environment, int version, Strategy strategy, String actor,
                   Integer rollbackOf, Instant createdAt, Map<String, Object> note) {
        Version(String service, String environment, int version, Strategy strategy, String actor, Integer rollbackOf,
                Instant createdAt) {
            this(service, environment, version, strategy, actor, rollbackOf, createdAt, null);
        }
    }

    /** Where a strategy applies. */
    record Scope(String tenant, String service, String environment) {
    }

    private StrategyStore() {
    }

    static Optional<Version> current(Connection c, Scope scope) throws SQLException {
        List<Version> latest = versions(c, scope, 1);
        return latest.isEmpty() ? Optional.empty() : Optional.of(latest.getFirst());
    }

    static List<Version> history(Connection c, Scope scope, int limit) throws SQLException {
        return versions(c, scope, limit);
    }

    private static List<Version> versions(Connection c, Scope scope, int limit) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("select version, spec::text, actor, rollback_of, created_at, "
                + "note::text from routing_strategies where tenant = ? and service = ? and environment = ? "
                + "order by version desc limit ?")) {
            s.setString(1, scope.tenant());
            s.setString(2, scope.service());
            s.setString(3, scope.environment());
            s.setInt(4, limit);
            List<Version> out = new ArrayList<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    int rollbackOf = rs.getInt(4);
                    Integer of = rs.wasNull() ? null : rollbackOf;
                    out.add(new Version(scope.service(), scope.environment(), rs.getInt(1), read(rs.getString(2)),
                            rs.getString(3), of, rs.getTimestamp(5).toInstant(), note(rs.getString(6))));
                }
            }
            return out;
        }
    }

    static Optional<Version> version(Connection c, Scope scope, int version) throws SQLException {
        try (PreparedStatement s = c.prepareStatement("select spec::text, actor, rollback_of, created_at, note::text "
                + "from routing_strategies where tenant = ? and service = ? and environment = ? and version = ?")) {
            s.setString(1, scope.tenant());
            s.setString(2, scope.service());
            s.setString(3, scope.environment());
            s.setInt(4, version);
            try (ResultSet rs = s.executeQuery()) {
                if (!rs.next()) {
                    return Optional.empty();
                }
                int rollbackOf = rs.getInt(3);
                Integer of = rs.wasNull() ? null : rollbackOf;
                return Optional.of(new Version(scope.service(), scope.environment(), version, read(rs.getString(1)),
                        rs.getString(2), of, rs.getTimestamp(4).toInstant(), note(rs.getString(5))));
            }
        }
    }

    /**
     * Makes {@code strategy} current as the next version, in one transaction with its audit record. Concurrent
     * changes to the same service and environment are serialised, so versions never collide.
     *
     * @param rollbackOf the version this one restores, or null for a plain change
     */
    static Version put(Connection c, Scope scope, Strategy strategy, String actor, Integer rollbackOf) throws SQLException {
        return put(c, scope, strategy, actor, rollbackOf, null, null).orElseThrow();
    }

    /**
     * As {@link #put(Connection, Scope, Strategy, String, Integer)}, with a note saying why (kept with the version and
     * in the audit trail), and only if the current version is still {@code ifCurrent} (when given): a move decided
     * on one version is never applied over a change made meanwhile. Empty if the current version was another.
     * An operator's change made while a progressive rollout runs is noted as stopping it.
     */
    static Optional<Version> put(Connection c, Scope scope, Strategy strategy, String actor, Integer rollbackOf,
                                 Map<String, Object> note, Integer ifCurrent) throws SQLException {
        boolean auto = c.getAutoCommit();
        c.setAutoCommit(false);
        try {
            try (PreparedStatement lock = c.prepareStatement("select pg_advisory_xact_lock(hashtext(?))")) {
                lock.setString(1, "routing_strategies|" + scope.tenant() + "|" + scope.service() + "|" + scope.environment());
                lock.execute();
            }
            Optional<Version> current = current(c, scope);
            if (ifCurrent != null && current.map(Version::version).orElse(0) != ifCurrent.intValue()) {
                c.rollback();
                return Optional.empty();
            }
            if (note == null && current.isPresent() && current.get().strategy().isProgressive()) {
                Strategy running = current.get().strategy();
                note = new LinkedHashMap<>();
                note.put("event", "stopped");
                note.put("message", "this change stopped the progressive rollout of " + running.candidate()
                        + " at step " + (running.step() + 1) + " of " + running.steps().size() + " ("
                        + running.steps().get(running.step()) + " %)");
            }
            int next = current.map(v -> v.version() + 1).orElse(1);
            String spec = Json.write(strategy);
            Instant created;
            try (PreparedStatement s = c.prepareStatement("insert into routing_strategies "
                    + "(tenant, service, environment, version, spec, actor, rollback_of, note) "
                    + "values (?, ?, ?, ?, ?::jsonb, ?, ?, ?::jsonb) returning created_at")) {
                s.setString(1, scope.tenant());
                s.setString(2, scope.service());
                s.setString(3, scope.environment());
                s.setInt(4, next);
                s.setString(5, spec);
                s.setString(6, actor);
                if (rollbackOf == null) {
                    s.setNull(7, java.sql.Types.INTEGER);
                } else {
                    s.setInt(7, rollbackOf);
                }
                s.setString(8, note == null ? null : Json.write(note));
                try (ResultSet rs = s.executeQuery()) {
                    rs.next();
                    created = rs.getTimestamp(1).toInstant();
                }
            }
            Map<String, Object> detail = new LinkedHashMap<>();
            detail.put("environment", scope.environment());
            detail.put("version", next);
            detail.put("strategy", strategy);
            if (rollbackOf != null) {
                detail.put("rollbackOf", rollbackOf);
            }
            if (note != null) {
                detail.put("note", note);
            }
            try (PreparedStatement s = c.prepareStatement(
                    "insert into audit_trail (tenant, actor, action, subject, detail) values (?, ?, ?, ?, ?::jsonb)")) {
                s.setString(1, scope.tenant());
                s.setString(2, actor);
                s.setString(3, rollbackOf == null ? "strategy.changed" : "strategy.rolled-back");
                s.setString(4, scope.service());
                s.setString(5, Json.write(detail));
                s.executeUpdate();
            }
            c.commit();
            return Optional.of(new Version(scope.service(), scope.environment(), next, strategy, actor, rollbackOf,
                    created, note));
        } catch (SQLException | RuntimeException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(auto);
        }
    }

    /** Every tenant's current strategies (the evaluator's view): tenant, then service, then environment to strategy. */
    static Map<String, Map<String, Map<String, Strategy>>> allCurrent(Connection c) throws SQLException {
        return currentOf(c, null);
    }

    /** One tenant's current strategies: service, then environment to strategy. */
    static Map<String, Map<String, Strategy>> allCurrent(Connection c, String tenant) throws SQLException {
        return currentOf(c, tenant).getOrDefault(tenant, Map.of());
    }

    private static Map<String, Map<String, Map<String, Strategy>>> currentOf(Connection c, String tenant) throws SQLException {
        Map<String, Map<String, Map<String, Strategy>>> out = new LinkedHashMap<>();
        try (PreparedStatement s = c.prepareStatement("select distinct on (tenant, service, environment) "
                + "tenant, service, environment, spec::text from routing_strategies"
                + (tenant == null ? "" : " where tenant = ?")
                + " order by tenant, service, environment, version desc")) {
            if (tenant != null) {
                s.setString(1, tenant);
            }
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out.computeIfAbsent(rs.getString(1), t -> new LinkedHashMap<>())
                            .computeIfAbsent(rs.getString(2), sv -> new LinkedHashMap<>())
                            .put(rs.getString(3), read(rs.getString(4)));
                }
            }
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> note(String json) {
        if (json == null) {
            return null;
        }
        try {
            return Json.MAPPER.readValue(json, LinkedHashMap.class);
        } catch (java.io.IOException e) {
            return Map.of("unreadable", json);
        }
    }

    private static Strategy read(String json) {
        try {
            return Json.MAPPER.readValue(json, Strategy.class);
        } catch (java.io.IOException e) {
            throw new IllegalStateException("a stored strategy is unreadable: " + e.getMessage(), e);
        }
    }
}
