package io.switchboard.routing;

import io.switchboard.common.routing.Strategy;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Judges a step of a progressive rollout on the health of its two versions over the step so far
 * (docs/routing.md, "Progressive rollouts"). Pure: the same figures always give the same decision.
 *
 * <ul>
 *   <li><b>At any time</b>, a candidate that is clearly worse is rolled back at once: with at least
 *       {@link #EARLY_CALLS} calls, the lower bound of the 95 % Wilson score interval of its error rate is above the
 *       error ceiling, or above the upper bound of the baseline's plus the allowed increase. Small samples cannot
 *       trigger it by chance: the bound accounts for their size.</li>
 *   <li><b>When the step's interval has passed</b>, each version needs {@code minCalls} calls in the step, else the
 *       step is held (extended) until they come. A baseline with no calls at all (it has no nodes), or with fewer
 *       than {@code minCalls} in a step that sends it nothing (stragglers of the previous split), leaves the
 *       candidate judged on the ceilings alone. Then the candidate fails when its error rate is above the ceiling or
 *       more than the allowed increase above the baseline's while its 95 % interval lies wholly above the baseline's
 *       (so chance alone on a small step rarely fails it), or its p99 latency is above {@code maxLatencyRatio}
 *       times the baseline's or above {@code maxP99Ms}. If it fails, it is rolled back; if not, it advances to the
 *       next step, or is promoted after the last.</li>
 * </ul>
 */
final class ProgressiveJudge {
    /** Calls a candidate needs before a clear failure can roll it back early. */
    static final int EARLY_CALLS = 20;
    private static final double Z = 1.96;

    enum Move { HOLD, ADVANCE, PROMOTE, ROLL_BACK }

    /** What to do, why, and the figures it rests on (kept with the version it makes). */
    record Decision(Move move, String reason, Map<String, Object> figures) {
    }

    private ProgressiveJudge() {
    }

    /**
     * @param spec      the rollout at its current step
     * @param baseline  the baseline's health over the step so far (null: no calls)
     * @param candidate the candidate's health over the step so far (null: no calls)
     * @param elapsed   how long the step has run
     */
    static Decision judge(Strategy spec, VersionStats.Health baseline, VersionStats.Health candidate, Duration elapsed) {
        Map<String, Object> figures = figures(spec, baseline, candidate, elapsed);
        boolean stragglers = false;
        if (spec.steps().get(spec.step()) >= 100 && baseline != null && baseline.calls() < spec.minCalls()) {
            // A step that sends the baseline nothing still sees a few of its calls: made under the previous split
            // before the push reached the caller, reported in this step. Too few to judge or compare with, and more
            // never come, so waiting for them would hold the step forever.
            baseline = null;
            stragglers = true;
        }
        long bCalls = baseline == null ? 0 : baseline.calls();
        long cCalls = candidate == null ? 0 : candidate.calls();
        double bRate = baseline == null ? 0 : baseline.errorRate();
        double cRate = candidate == null ? 0 : candidate.errorRate();
        double increase = spec.maxErrorRateIncrease() / 100;
        double ceiling = spec.maxErrorRate() / 100;

        if (cCalls >= EARLY_CALLS) {
            double cLow = wilsonLow(candidate.failures(), cCalls);
            double bHigh = bCalls == 0 ? 0 : wilsonHigh(baseline.failures(), bCalls);
            if (cLow > ceiling) {
                return new Decision(Move.ROLL_BACK, String.format("the candidate's error rate is clearly above the %s %% "
                        + "ceiling: %s %% of %d calls (at least %s %% with 95 %% confidence)", pct(ceiling), pct(cRate),
                        cCalls, pct(cLow)), figures);
            }
            if (bCalls > 0 && cLow > bHigh + increase) {
                return new Decision(Move.ROLL_BACK, String.format("the candidate's error rate is clearly above the "
                        + "baseline's: %s %% of %d calls against %s %% of %d (allowed: %s points more)", pct(cRate), cCalls,
                        pct(bRate), bCalls, pct(increase)), figures);
            }
        }
        if (elapsed.compareTo(spec.intervalDuration()) < 0) {
            return new Decision(Move.HOLD, "the step has run " + elapsed.toSeconds() + " s of " + spec.interval(), figures);
        }
        int min = spec.minCalls();
        if (cCalls < min || (bCalls > 0 && bCalls < min)) {
            return new Decision(Move.HOLD, String.format("too few calls to judge: the candidate had %d and the baseline "
                    + "%d, each needs %d; the step goes on until they have", cCalls, bCalls, min), figures);
        }
        // Beyond the allowance, and not by chance: the candidate's interval lies above the baseline's (lower bound
        // over the baseline's upper bound), so one unlucky failure in a small step does not fail it.
        double cLow = wilsonLow(candidate.failures(), cCalls);
        boolean worseThanBaseline = bCalls == 0 || cLow > wilsonHigh(baseline.failures(), bCalls);
        if (cRate > ceiling && worseThanBaseline) {
            return new Decision(Move.ROLL_BACK, String.format("the candidate's error rate %s %% is above the %s %% ceiling",
                    pct(cRate), pct(ceiling)), figures);
        }
        if (bCalls > 0 && cRate > bRate + increase && worseThanBaseline) {
            return new Decision(Move.ROLL_BACK, String.format("the candidate's error rate %s %% is more than %s points "
                    + "above the baseline's %s %%", pct(cRate), pct(increase), pct(bRate)), figures);
        }
        long cP99 = candidate.percentile(0.99);
        if (bCalls > 0) {
            long bP99 = baseline.percentile(0.99);
            if (cP99 > spec.maxLatencyRatio() * bP99) {
                return new Decision(Move.ROLL_BACK, String.format("the candidate's p99 latency %d µs is more than %s times "
                        + "the baseline's %d µs", cP99, spec.maxLatencyRatio(), bP99), figures);
            }
        }
        if (spec.maxP99Ms() != null && cP99 > spec.maxP99Ms() * 1_000) {
            return new Decision(Move.ROLL_BACK, String.format("the candidate's p99 latency %d µs is above the %d ms ceiling",
                    cP99, spec.maxP99Ms()), figures);
        }
        boolean last = spec.step() + 1 >= spec.steps().size();
        String basis = stragglers ? " (the baseline, sent nothing in this step, had too few calls to compare with: "
                + "judged on the ceilings alone)" : bCalls == 0 ? " (the baseline had no calls: judged on the ceilings alone)" : "";
        return new Decision(last ? Move.PROMOTE : Move.ADVANCE, String.format("healthy at %d %%: error rate %s %% against "
                + "%s %%, p99 %d µs against %d µs%s", spec.steps().get(spec.step()), pct(cRate), pct(bRate), cP99,
                bCalls == 0 ? 0 : baseline.percentile(0.99), basis), figures);
    }

    /** Lower bound of the 95 % Wilson score interval of a proportion. */
    static double wilsonLow(long k, long n) {
        return wilson(k, n, -1);
    }

    /** Upper bound of the 95 % Wilson score interval of a proportion. */
    static double wilsonHigh(long k, long n) {
        return wilson(k, n, 1);
    }

    private static double wilson(long k, long n, int sign) {
        if (n == 0) {
            return sign < 0 ? 0 : 1;
        }
        double p = (double) k / n;
        double z2 = Z * Z;
        double centre = p + z2 / (2.0 * n);
        double spread = Z * Math.sqrt(p * (1 - p) / n + z2 / (4.0 * n * n));
        return Math.max(0, Math.min(1, (centre + sign * spread) / (1 + z2 / n)));
    }

    private static String pct(double rate) {
        return String.valueOf(Math.round(rate * 10_000) / 100.0);
    }

    private static Map<String, Object> figures(Strategy spec, VersionStats.Health b, VersionStats.Health c,
                                               Duration elapsed) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("step", spec.step() + 1);
        f.put("percent", spec.steps().get(spec.step()));
        f.put("stepSeconds", elapsed.toSeconds());
        f.put("baseline", b == null ? Map.of("version", spec.baseline(), "calls", 0) : b.toJson());
        f.put("candidate", c == null ? Map.of("version", spec.candidate(), "calls", 0) : c.toJson());
        return f;
    }
}
