package io.switchboard.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.routing.Reputation.Counts;
import io.switchboard.routing.Reputation.Ejection;
import io.switchboard.routing.Reputation.Standing;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How nodes are judged from their counts (pure logic; the database and cluster side is in ReputationStoreTest). */
class ReputationTest {
    private static final RoutingConfig CONFIG = RoutingConfig.DEFAULT;
    private static final Instant NOW = Instant.parse("2026-11-27T10:00:00Z");

    private static Standing standing(Reputation.Verdict v, String node) {
        return v.standings().stream().filter(s -> s.node().equals(node)).findFirst().orElseThrow();
    }

    @Test
    void aNodeFailingOverTheThresholdWithEnoughCallsIsEjected() {
        var v = Reputation.judge(List.of(new Counts("good", 100, 2, 102_000), new Counts("bad", 50, 50, 100_000),
                new Counts("new", 1, 4, 5_000), new Counts("idle", 0, 0, 0)), Map.of(), NOW, CONFIG);
        assertThat(v.newEjections()).extracting(Ejection::node).containsExactly("bad");
        assertThat(v.newEjections().getFirst().until()).isEqualTo(NOW.plus(CONFIG.ejection()));
        assertThat(standing(v, "bad").state()).isEqualTo("ejected");
        assertThat(standing(v, "new").state()).as("too few calls to judge").isEqualTo("healthy");
        assertThat(standing(v, "good").state()).isEqualTo("healthy");
        assertThat(standing(v, "idle").weight()).isEqualTo(100);
    }

    @Test
    void neverMoreThanTheShareOfAServiceIsEjectedWorstFirst() {
        List<Counts> all = List.of(new Counts("a", 40, 60, 0), new Counts("b", 10, 90, 0), new Counts("c", 30, 70, 0),
                new Counts("d", 100, 0, 0));
        var v = Reputation.judge(all, Map.of(), NOW, CONFIG);
        assertThat(v.newEjections()).extracting(Ejection::node).containsExactly("b", "c");
        assertThat(standing(v, "a").state()).isEqualTo("degraded");
        // With the cap already reached by earlier ejections, none more.
        var later = Reputation.judge(all, Map.of("b", new Ejection("b", NOW, NOW.plusSeconds(30), 1, 0.9),
                "c", new Ejection("c", NOW, NOW.plusSeconds(30), 1, 0.7)), NOW.plusSeconds(1), CONFIG);
        assertThat(later.newEjections()).isEmpty();
        // A sole node is never ejected with a cap of half.
        assertThat(Reputation.judge(List.of(new Counts("only", 0, 100, 0)), Map.of(), NOW, CONFIG).newEjections()).isEmpty();
    }

    @Test
    void aRepeatLastsTwiceAsLongUpToTheMaximumAndIsForgottenAfterAWhile() {
        List<Counts> failing = List.of(new Counts("x", 10, 90, 0), new Counts("y", 100, 0, 0));
        Ejection third = new Ejection("x", NOW.minusSeconds(200), NOW.minusSeconds(60), 3, 0.9);
        var v = Reputation.judge(failing, Map.of("x", third), NOW, CONFIG);
        assertThat(v.newEjections().getFirst().times()).isEqualTo(4);
        assertThat(v.newEjections().getFirst().until()).isEqualTo(NOW.plus(Duration.ofSeconds(240)));
        assertThat(Reputation.ejectionLength(CONFIG, 30)).isEqualTo(CONFIG.maxEjection());
        Ejection longAgo = new Ejection("x", NOW.minus(Duration.ofHours(2)), NOW.minus(Duration.ofHours(1)), 5, 0.9);
        assertThat(Reputation.judge(failing, Map.of("x", longAgo), NOW, CONFIG).newEjections().getFirst().times()).isEqualTo(1);
    }

    @Test
    void weightsFollowSuccessAndSpeed() {
        var v = Reputation.judge(List.of(new Counts("fast", 100, 0, 100 * 1_000), new Counts("mid", 100, 0, 100 * 2_000),
                new Counts("slow", 90, 10, 100 * 20_000)), Map.of(), NOW, CONFIG);
        assertThat(standing(v, "fast").weight()).isEqualTo(100);
        assertThat(standing(v, "mid").weight()).isEqualTo(100);
        assertThat(standing(v, "slow").weight()).as("90% success, a quarter for being ten times slower").isEqualTo(23);
    }

    private static Reputation.Evidence seen(String node, String caller, String identity, long ok, long failed) {
        return new Reputation.Evidence(node, caller, identity, NOW.minusSeconds(5), ok, failed, (ok + failed) * 1_000);
    }

    @Test
    void oneIdentitysFailuresEjectANodeOnlyForThatCallersOwnRouting() {
        List<Reputation.Evidence> evidence = List.of(seen("a", "gateway", "gateway", 100, 0),
                seen("b", "gateway", "gateway", 100, 0), seen("c", "gateway", "gateway", 100, 0),
                seen("b", "orders", "orders", 0, 1_000));
        var v = Reputation.judgeService(evidence, List.of(), NOW, CONFIG);
        assertThat(v.newEjections()).extracting(Ejection::node, Ejection::caller).containsExactly(
                org.assertj.core.groups.Tuple.tuple("b", "orders"));
        assertThat(standing(v, "b").state()).as("failing overall, not corroborated").isEqualTo("degraded");
        assertThat(standing(v, "b").ejectedFor()).containsExactly("orders");
        assertThat(standing(v, "a").ejectedFor()).isEmpty();
    }

    @Test
    void failuresTwoIdentitiesSeeEjectANodeForEveryClient() {
        List<Reputation.Evidence> evidence = List.of(seen("a", "gateway", "gateway", 100, 0),
                seen("b", "gateway", "gateway", 50, 50), seen("c", "gateway", "gateway", 100, 0),
                seen("b", "orders", "orders", 0, 30));
        var v = Reputation.judgeService(evidence, List.of(), NOW, CONFIG);
        assertThat(v.newEjections()).extracting(Ejection::node, Ejection::caller).containsExactly(
                org.assertj.core.groups.Tuple.tuple("b", ""));
        assertThat(standing(v, "b").state()).isEqualTo("ejected");
        // Once ejected for everyone, no caller's own ejection of it is made on top.
        var later = Reputation.judgeService(evidence, v.newEjections(), NOW.plusSeconds(1), CONFIG);
        assertThat(later.newEjections()).isEmpty();
        assertThat(standing(later, "b").ejectedFor()).isEmpty();
    }

    @Test
    void tenantWideTokensAreOneIdentityWhateverCallersTheyClaim() {
        // Two claimed callers, both from tenant-wide tokens: one identity, so no ejection for every client.
        List<Reputation.Evidence> evidence = List.of(seen("a", "gateway", "gateway", 100, 0),
                seen("b", "gateway", "gateway", 100, 0), seen("c", "gateway", "gateway", 100, 0),
                seen("b", "orders", "*", 0, 500), seen("b", "billing", "*", 0, 500));
        var v = Reputation.judgeService(evidence, List.of(), NOW, CONFIG);
        assertThat(v.newEjections()).extracting(Ejection::caller).containsExactlyInAnyOrder("orders", "billing");
        assertThat(standing(v, "b").state()).isEqualTo("degraded");
        // A bound identity that sees it failing too corroborates them.
        List<Reputation.Evidence> corroborated = new java.util.ArrayList<>(evidence);
        corroborated.add(seen("b", "payments-gw", "payments-gw", 2, 8));
        assertThat(standing(Reputation.judgeService(corroborated, List.of(), NOW, CONFIG), "b").state()).isEqualTo("ejected");
    }
}
