package io.switchboard.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.common.routing.Strategy;
import io.switchboard.routing.ProgressiveJudge.Move;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The rule of docs/routing.md, "Progressive rollouts", at its edges. */
class ProgressiveJudgeTest {
    /** Steps 10, 50, 100 of 1 min; 100 calls each; +1 point, 1.2 x p99, 5 % ceiling. */
    private static final Strategy SPEC = Strategy.progressive("1.0.0", "1.1.0", List.of(10, 50, 100), "1m", 100, 1, 1.2, 5,
            null);
    private static final Duration DONE = Duration.ofSeconds(61);

    /** Health of {@code calls} calls, {@code failures} failing, every latency {@code micros}. */
    private static VersionStats.Health health(String version, long calls, long failures, long micros) {
        long[] buckets = new long[LatencyHistogram.BUCKETS];
        buckets[LatencyHistogram.bucket(micros)] = calls;
        return new VersionStats.Health(version, calls, failures, calls * micros, micros, buckets, 2, 60);
    }

    @Test
    void noTrafficHoldsTheStep() {
        var d = ProgressiveJudge.judge(SPEC, null, null, DONE);
        assertThat(d.move()).isEqualTo(Move.HOLD);
        assertThat(d.reason()).contains("too few calls");
    }

    @Test
    void beforeTheIntervalAHealthyCandidateWaits() {
        var d = ProgressiveJudge.judge(SPEC, health("1.0.0", 5_000, 50, 2_000), health("1.1.0", 500, 5, 2_000),
                Duration.ofSeconds(30));
        assertThat(d.move()).isEqualTo(Move.HOLD);
    }

    @Test
    void aHealthyCandidateAdvancesAndIsPromotedAfterTheLastStep() {
        var b = health("1.0.0", 1_000, 10, 2_000);
        var c = health("1.1.0", 200, 2, 2_100);
        assertThat(ProgressiveJudge.judge(SPEC, b, c, DONE).move()).isEqualTo(Move.ADVANCE);
        assertThat(ProgressiveJudge.judge(SPEC.atStep(2, false), b, c, DONE).move()).isEqualTo(Move.PROMOTE);
        assertThat(ProgressiveJudge.judge(SPEC, b, c, DONE).figures()).containsKeys("baseline", "candidate", "step", "percent");
    }

    @Test
    void aClearlyBadCandidateIsRolledBackAtOnceEvenEarly() {
        var d = ProgressiveJudge.judge(SPEC, health("1.0.0", 1_000, 10, 2_000), health("1.1.0", 30, 15, 2_000),
                Duration.ofSeconds(3));
        assertThat(d.move()).isEqualTo(Move.ROLL_BACK);
        assertThat(d.reason()).contains("clearly");
    }

    @Test
    void aFewUnluckyFailuresOnASmallSampleDoNotRollBack() {
        // 1 failure in 25 calls is 4 %, above baseline + 1 point, but far from clear on 25 calls.
        var d = ProgressiveJudge.judge(SPEC, health("1.0.0", 1_000, 10, 2_000), health("1.1.0", 25, 1, 2_000),
                Duration.ofSeconds(3));
        assertThat(d.move()).isEqualTo(Move.HOLD);
        // Nor at the step's end: too few calls to judge.
        assertThat(ProgressiveJudge.judge(SPEC, health("1.0.0", 1_000, 10, 2_000), health("1.1.0", 25, 1, 2_000), DONE)
                .move()).isEqualTo(Move.HOLD);
    }

    @Test
    void oneFailureInASmallStepIsChanceNotAReasonToRollBack() {
        // 1 in 30 is 3.3 %, more than a point above the baseline's 0.5 %, but its interval overlaps the baseline's.
        Strategy small = Strategy.progressive("1.0.0", "1.1.0", List.of(10, 50, 100), "1m", 30, 1, 2, 5, null);
        var d = ProgressiveJudge.judge(small, health("1.0.0", 700, 4, 2_000), health("1.1.0", 30, 1, 2_000), DONE);
        assertThat(d.move()).isEqualTo(Move.ADVANCE);
        // Consistently worse over more calls is not chance.
        var worse = ProgressiveJudge.judge(small, health("1.0.0", 3_000, 30, 2_000), health("1.1.0", 300, 9, 2_000), DONE);
        assertThat(worse.move()).isEqualTo(Move.ROLL_BACK);
    }

    @Test
    void aCandidateThatIsOnlySlowerIsRolledBackAtTheStepsEnd() {
        var b = health("1.0.0", 1_000, 0, 2_000);
        var c = health("1.1.0", 200, 0, 3_000);
        assertThat(ProgressiveJudge.judge(SPEC, b, c, Duration.ofSeconds(30)).move()).isEqualTo(Move.HOLD);
        var d = ProgressiveJudge.judge(SPEC, b, c, DONE);
        assertThat(d.move()).isEqualTo(Move.ROLL_BACK);
        assertThat(d.reason()).contains("p99");
    }

    @Test
    void aBaselineWithNoTrafficLeavesTheCandidateJudgedOnTheCeilings() {
        var d = ProgressiveJudge.judge(SPEC, null, health("1.1.0", 200, 2, 2_000), DONE);
        assertThat(d.move()).isEqualTo(Move.ADVANCE);
        assertThat(d.reason()).contains("no calls");
        assertThat(ProgressiveJudge.judge(SPEC, null, health("1.1.0", 200, 20, 2_000), DONE).move()).isEqualTo(Move.ROLL_BACK);
        Strategy capped = Strategy.progressive("1.0.0", "1.1.0", List.of(10, 100), "1m", 100, 1, 1.2, 5, 2L);
        assertThat(ProgressiveJudge.judge(capped, null, health("1.1.0", 200, 0, 3_000), DONE).move()).isEqualTo(Move.ROLL_BACK);
    }

    @Test
    void aFewStragglingBaselineCallsInTheLastStepDoNotHoldItForever() {
        // At 100 %, callers that had not yet seen the split still called the baseline a few times.
        Strategy last = SPEC.atStep(2, false);
        var d = ProgressiveJudge.judge(last, health("1.0.0", 4, 0, 2_000), health("1.1.0", 500, 2, 2_000), DONE);
        assertThat(d.move()).isEqualTo(Move.PROMOTE);
        assertThat(d.reason()).contains("too few calls to compare with");
        // Stragglers do not excuse a bad candidate, and in a step that still routes to the baseline it must be heard.
        assertThat(ProgressiveJudge.judge(last, health("1.0.0", 4, 0, 2_000), health("1.1.0", 500, 50, 2_000), DONE)
                .move()).isEqualTo(Move.ROLL_BACK);
        assertThat(ProgressiveJudge.judge(SPEC.atStep(1, false), health("1.0.0", 4, 0, 2_000),
                health("1.1.0", 500, 2, 2_000), DONE).move()).isEqualTo(Move.HOLD);
    }

    @Test
    void aSlightlyWorseErrorRateWithinTheAllowanceAdvances() {
        var d = ProgressiveJudge.judge(SPEC, health("1.0.0", 10_000, 100, 2_000), health("1.1.0", 1_000, 19, 2_000), DONE);
        assertThat(d.move()).isEqualTo(Move.ADVANCE);
        var worse = ProgressiveJudge.judge(SPEC, health("1.0.0", 10_000, 100, 2_000), health("1.1.0", 1_000, 25, 2_000), DONE);
        assertThat(worse.move()).isEqualTo(Move.ROLL_BACK);
    }

    @Test
    void wilsonBoundsBehave() {
        assertThat(ProgressiveJudge.wilsonLow(0, 0)).isZero();
        assertThat(ProgressiveJudge.wilsonHigh(0, 0)).isEqualTo(1.0);
        assertThat(ProgressiveJudge.wilsonLow(15, 30)).isBetween(0.31, 0.34);
        assertThat(ProgressiveJudge.wilsonHigh(10, 1_000)).isBetween(0.018, 0.019);
        assertThat(ProgressiveJudge.wilsonLow(1, 25)).isLessThan(0.01);
    }
}
