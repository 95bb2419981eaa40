package io.switchboard.routing;

import io.switchboard.common.routing.Strategy;
import io.switchboard.routing.StrategyStore.Scope;
import io.switchboard.routing.StrategyStore.Version;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Moves progressive rollouts on: each round of the policy evaluation (one replica at a time, under its lock) judges
 * every running rollout of a tenant on its versions' health since its step began ({@link ProgressiveJudge}) and
 * makes the move a new version of the strategy, with the figures in its note: the next step, a promotion (a canary
 * of the candidate alone) or a rollback (a canary of the baseline alone). The state is the strategy's current
 * version itself, in PostgreSQL, so a routing restart or another replica taking over carries on where it was; a move
 * is written only if the version it was decided on is still current, so it is made once.
 */
final class ProgressiveRollouts {
    private static final Logger LOG = LoggerFactory.getLogger(ProgressiveRollouts.class);
    static final String ACTOR = "switchboard/progressive";

    private ProgressiveRollouts() {
    }

    /** The current version of every strategy of a tenant that is a progressive rollout, paused or not. */
    static List<Version> running(Connection c, String tenant) throws SQLException {
        List<Version> out = new ArrayList<>();
        // Most tenants have none: one query finds the current versions that are progressive.
        try (PreparedStatement s = c.prepareStatement("select service, environment, version from (select distinct on "
                + "(service, environment) service, environment, version, spec->>'strategy' as type from routing_strategies "
                + "where tenant = ? order by service, environment, version desc) current where type = ?")) {
            s.setString(1, tenant);
            s.setString(2, Strategy.PROGRESSIVE);
            Map<Scope, Integer> found = new LinkedHashMap<>();
            try (ResultSet rs = s.executeQuery()) {
                while (rs.next()) {
                    found.put(new Scope(tenant, rs.getString(1), rs.getString(2)), rs.getInt(3));
                }
            }
            for (Map.Entry<Scope, Integer> e : found.entrySet()) {
                StrategyStore.version(c, e.getKey(), e.getValue()).ifPresent(out::add);
            }
        }
        return out;
    }

    /** Judges each running (not paused) rollout of the tenant and makes its move; returns how many moved. */
    static int advance(Connection c, String tenant, Instant now, int maxCallsPerCaller) throws SQLException {
        int moved = 0;
        for (Version v : running(c, tenant)) {
            if (Boolean.TRUE.equals(v.strategy().paused())) {
                continue;
            }
            Scope scope = new Scope(tenant, v.service(), v.environment());
            ProgressiveJudge.Decision d = judge(c, scope, v, now, maxCallsPerCaller);
            if (d.move() == ProgressiveJudge.Move.HOLD) {
                continue;
            }
            Strategy spec = v.strategy();
            Strategy next = switch (d.move()) {
                case ADVANCE -> spec.atStep(spec.step() + 1, false);
                case PROMOTE -> new Strategy(Strategy.CANARY, Map.of(spec.candidate(), 100));
                default -> new Strategy(Strategy.CANARY, Map.of(spec.baseline(), 100));
            };
            String event = switch (d.move()) {
                case ADVANCE -> "advanced";
                case PROMOTE -> "promoted";
                default -> "rolled-back";
            };
            Optional<Version> made = StrategyStore.put(c, scope, next, ACTOR, null, note(event, d.reason(), d.figures()),
                    v.version());
            if (made.isPresent()) {
                moved++;
                LOG.info("tenant {}: progressive rollout of {} {} in {} {}: {}", tenant, v.service(), spec.candidate(),
                        v.environment(), event, d.reason());
            }
        }
        return moved;
    }

    /** The decision the current step would get now (what a round would do, and on which figures). */
    static ProgressiveJudge.Decision judge(Connection c, Scope scope, Version v, Instant now, int maxCallsPerCaller)
            throws SQLException {
        Strategy spec = v.strategy();
        VersionStats.Health baseline = null;
        VersionStats.Health candidate = null;
        for (VersionStats.Health h : VersionStats.read(c, scope.tenant(), scope.service(), scope.environment(),
                v.createdAt(), now, maxCallsPerCaller)) {
            if (h.version().equals(spec.baseline())) {
                baseline = h;
            } else if (h.version().equals(spec.candidate())) {
                candidate = h;
            }
        }
        return ProgressiveJudge.judge(spec, baseline, candidate, Duration.between(v.createdAt(), now));
    }

    static Map<String, Object> note(String event, String message, Map<String, Object> figures) {
        Map<String, Object> note = new LinkedHashMap<>();
        note.put("event", event);
        note.put("message", message);
        if (figures != null) {
            note.put("figures", figures);
        }
        return note;
    }
}
