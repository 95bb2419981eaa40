package io.switchboard.routing;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.switchboard.common.model.CallOutcome;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Clock;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Bounds the distinct names one tenant's outcomes bring into the counts over the lookback: called nodes, called
 * services and caller services ({@link RoutingConfig.Cardinality}). Every name is a free string a client chooses, and
 * each new one is a row per window in {@code node_outcomes} that every judgement reads, so without a bound one
 * tenant's junk would slow every tenant's ejections. Pairs of caller and node are bounded too, to ten per node of the
 * bound on nodes.
 *
 * <p>An outcome whose names are all known is always counted; one that would add a name past a bound is not, and is
 * counted in {@code switchboard.routing.outcomes.refused{tenant, bound}}. What a tenant has is read from PostgreSQL
 * (the names in its counts within the lookback) when first needed and again once a lookback has passed, so names
 * that left the lookback free their place, and several routing replicas each keep to the bound within what they
 * count between two reads. Used by the aggregation's one thread only.
 */
final class OutcomeCardinality {
    /** Distinct caller-and-node pairs a tenant may have: this many per node of its bound on nodes. */
    static final int PAIRS_PER_NODE = 10;
    private final RoutingConfig config;
    private final Clock clock;
    private final MeterRegistry meters;
    private final Map<String, Known> tenants = new HashMap<>();
    private final Map<String, Counter> refused = new HashMap<>();

    /** The names a tenant has in its counts, and when they were read. */
    private static final class Known {
        final Set<String> nodes = new HashSet<>();
        final Set<String> services = new HashSet<>();
        final Set<String> callers = new HashSet<>();
        /** Caller and node together: each pair is a row per window, so they are bounded too. */
        final Set<String> pairs = new HashSet<>();
        /** Per called service, the environments and versions its outcomes named ("environment\nversion"). */
        Map<String, Set<String>> versions;
        long readAt;
    }

    OutcomeCardinality(RoutingConfig config, Clock clock, MeterRegistry meters) {
        this.config = config;
        this.clock = clock;
        this.meters = meters;
    }

    /** Whether the outcome may be counted; if so its names are now the tenant's. */
    boolean admit(Connection c, CallOutcome o) throws SQLException {
        RoutingConfig.Cardinality bounds = config.cardinality();
        Known k = known(c, o.tenant());
        String node = o.calleeService() + '\n' + o.calleeNode();
        String bound = null;
        if (over(k.services, o.calleeService(), bounds.services())) {
            bound = "routing.max-services-per-tenant";
        } else if (over(k.nodes, node, bounds.nodes())) {
            bound = "routing.max-nodes-per-tenant";
        } else if (over(k.callers, o.service(), bounds.callers())) {
            bound = "routing.max-callers-per-tenant";
        } else if (over(k.pairs, node + '\n' + o.service(), (long) bounds.nodes() * PAIRS_PER_NODE)) {
            bound = "routing.max-nodes-per-tenant";
        }
        if (bound != null) {
            refuse(o.tenant(), bound);
            return false;
        }
        k.services.add(o.calleeService());
        k.nodes.add(node);
        k.callers.add(o.service());
        k.pairs.add(node + '\n' + o.service());
        return true;
    }

    /**
     * Whether an outcome admitted by {@link #admit} may count towards its callee version's health too: at most
     * {@code routing.max-versions-per-service} environments and versions per called service. One past it is still
     * counted for its node, and counted in {@code switchboard.routing.outcomes.refused{bound=routing.max-versions-per-service}}.
     */
    boolean admitVersion(Connection c, CallOutcome o) throws SQLException {
        Known k = known(c, o.tenant());
        if (k.versions == null) {
            k.versions = readVersions(c, o.tenant());
        }
        Set<String> known = k.versions.computeIfAbsent(o.calleeService(), s -> new HashSet<>());
        String version = o.calleeEnvironmentOrCallers() + '\n' + o.calleeVersion();
        if (over(known, version, config.cardinality().versions())) {
            refuse(o.tenant(), "routing.max-versions-per-service");
            return false;
        }
        known.add(version);
        return true;
    }

    private Map<String, Set<String>> readVersions(Connection c, String tenant) throws SQLException {
        Map<String, Set<String>> out = new HashMap<>();
        try (PreparedStatement s = c.prepareStatement("select distinct service, environment, version from "
                + "version_outcomes where tenant = ? and window_start >= ?")) {
            s.setString(1, tenant);
            s.setTimestamp(2, new Timestamp(clock.millis() - config.lookback().toMillis()));
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    out.computeIfAbsent(rs.getString(1), x -> new HashSet<>()).add(rs.getString(2) + '\n' + rs.getString(3));
                }
            }
        }
        return out;
    }

    private void refuse(String tenant, String bound) {
        refused.computeIfAbsent(tenant + '\n' + bound, key -> Counter.builder("switchboard.routing.outcomes.refused")
                .description("Call outcomes not counted: they would have taken a tenant past a bound on distinct names")
                .tag("tenant", tenant).tag("bound", bound).register(meters)).increment();
    }

    private static boolean over(Set<String> known, String name, long bound) {
        return bound > 0 && !known.contains(name) && known.size() >= bound;
    }

    private Known known(Connection c, String tenant) throws SQLException {
        long now = clock.millis();
        Known k = tenants.get(tenant);
        if (k != null && now - k.readAt < config.lookback().toMillis()) {
            return k;
        }
        if (tenants.size() > 10_000) {
            // Tenants not heard from for a while are read again when they come back.
            tenants.values().removeIf(old -> now - old.readAt > 10 * config.lookback().toMillis());
        }
        Known fresh = new Known();
        fresh.readAt = now;
        try (PreparedStatement s = c.prepareStatement("select distinct service, node, caller from node_outcomes "
                + "where tenant = ? and window_start >= ?")) {
            s.setString(1, tenant);
            s.setTimestamp(2, new Timestamp(now - config.lookback().toMillis()));
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    fresh.services.add(rs.getString(1));
                    fresh.nodes.add(rs.getString(1) + '\n' + rs.getString(2));
                    fresh.callers.add(rs.getString(3));
                    fresh.pairs.add(rs.getString(1) + '\n' + rs.getString(2) + '\n' + rs.getString(3));
                }
            }
        }
        tenants.put(tenant, fresh);
        return fresh;
    }
}
