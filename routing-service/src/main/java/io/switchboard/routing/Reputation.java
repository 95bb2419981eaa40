package io.switchboard.routing;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Judges the nodes of one service from their recent outcome counts: which are ejected, their error rates and
 * weights. Pure: the caller reads the counts and ejections and stores the new ejections.
 *
 * <p>Who may eject a node (docs/routing.md): an ejection every client obeys (fleet-wide) needs failures seen by at
 * least two reporter identities, each a service-bound token's service, all tenant-wide tokens together counting as
 * one; one caller's own evidence ejects a node for that caller's routing only.
 */
final class Reputation {
    /** How many identities must each see a node failing before it is ejected fleet-wide. */
    static final int CORROBORATING_IDENTITIES = 2;
    private Reputation() {
    }

    /**
     * Outcomes of calls to one node in the lookback: {@code successes}, {@code failures} and latency since its last
     * ejection began (what it is judged on), and {@code seenCalls}, {@code seenFailures} over the whole lookback.
     */
    record Counts(String node, long successes, long failures, long latencySumMicros, long seenCalls, long seenFailures) {
        Counts(String node, long successes, long failures, long latencySumMicros) {
            this(node, successes, failures, latencySumMicros, successes + failures, failures);
        }

        long calls() {
            return successes + failures;
        }

        double errorRate() {
            return calls() == 0 ? 0 : (double) failures / calls();
        }

        long averageLatencyMicros() {
            return calls() == 0 ? 0 : latencySumMicros / calls();
        }
    }

    /**
     * One caller's outcomes of one node in one window as one reporter vouched for them (capped per caller already).
     *
     * @param identity the reporter identity: the caller's service for a bound token, {@code *} for tenant-wide ones
     */
    record Evidence(String node, String caller, String identity, Instant windowStart, long successes, long failures,
                    long latencySumMicros) {
    }

    /** A node's latest ejection: fleet-wide ({@code caller} empty) or for one caller's routing. */
    record Ejection(String node, String caller, Instant ejectedAt, Instant until, int times, double failureRate) {
        Ejection(String node, Instant ejectedAt, Instant until, int times, double failureRate) {
            this(node, "", ejectedAt, until, times, failureRate);
        }

        boolean activeAt(Instant now) {
            return until.isAfter(now);
        }

        Ejection forCaller(String caller) {
            return new Ejection(node, caller, ejectedAt, until, times, failureRate);
        }
    }

    /**
     * How a node stands. {@code state} is healthy, ejected, or degraded (failing, but not ejected: cap);
     * {@code errorRate} is over the outcomes it is judged on, {@code seenCalls} and {@code seenFailures} over the
     * whole lookback.
     */
    record Standing(String node, long seenCalls, long seenFailures, double errorRate, long averageLatencyMicros,
                    int weight, String state, Instant ejectedUntil, int ejections, List<String> ejectedFor) {
        boolean ejected() {
            return "ejected".equals(state);
        }

        Standing ejectedFor(List<String> callers) {
            return new Standing(node, seenCalls, seenFailures, errorRate, averageLatencyMicros, weight, state,
                    ejectedUntil, ejections, callers);
        }
    }

    /** The standings of a service's nodes and the ejections this judgement made. */
    record Verdict(List<Standing> standings, List<Ejection> newEjections) {
    }

    static Verdict judge(List<Counts> counts, Map<String, Ejection> ejections, Instant now, RoutingConfig config) {
        return judge(counts, ejections, now, config, node -> true, 0);
    }

    /**
     * Judges a service from every caller's evidence: fleet-wide on all of it, ejecting only nodes whose failures two
     * identities corroborate, then each caller on its own evidence, for its own routing, among the nodes not ejected
     * fleet-wide. New ejections of a caller carry its name.
     */
    static Verdict judgeService(List<Evidence> evidence, List<Ejection> ejections, Instant now, RoutingConfig config) {
        Map<String, Ejection> fleetEjections = new LinkedHashMap<>();
        Map<String, Map<String, Ejection>> callerEjections = new java.util.TreeMap<>();
        for (Ejection e : ejections) {
            if (e.caller().isEmpty()) {
                fleetEjections.put(e.node(), e);
            } else {
                callerEjections.computeIfAbsent(e.caller(), c -> new LinkedHashMap<>()).put(e.node(), e);
            }
        }
        Verdict fleet = judge(counts(evidence, null, fleetEjections), fleetEjections, now, config,
                corroborated(evidence, fleetEjections, config)::contains, 0);
        List<Ejection> made = new ArrayList<>(fleet.newEjections());
        java.util.Set<String> outForAll = new java.util.HashSet<>();
        fleet.standings().stream().filter(Standing::ejected).forEach(st -> outForAll.add(st.node()));

        java.util.Set<String> callers = new java.util.TreeSet<>(callerEjections.keySet());
        evidence.forEach(e -> callers.add(e.caller()));
        Map<String, List<String>> ejectedFor = new LinkedHashMap<>();
        for (String caller : callers) {
            Map<String, Ejection> own = callerEjections.getOrDefault(caller, Map.of());
            // Nodes out for every client count against the share a caller may leave out too.
            Verdict v = judge(counts(evidence, caller, own), own, now, config, node -> !outForAll.contains(node),
                    (int) outForAll.stream().filter(node -> !own.containsKey(node) || !own.get(node).activeAt(now)).count());
            v.newEjections().forEach(e -> made.add(e.forCaller(caller)));
            v.standings().stream().filter(Standing::ejected)
                    .forEach(st -> ejectedFor.computeIfAbsent(st.node(), n -> new ArrayList<>()).add(caller));
        }
        List<Standing> standings = fleet.standings().stream()
                .map(st -> st.ejectedFor(ejectedFor.getOrDefault(st.node(), List.of()))).toList();
        return new Verdict(standings, made);
    }

    /**
     * Each node's counts from the evidence of one caller (all callers when null), every node of the evidence listed:
     * judged on the windows after the node's last ejection began, seen over all of them.
     */
    private static List<Counts> counts(List<Evidence> evidence, String caller, Map<String, Ejection> ejections) {
        Map<String, long[]> sums = new LinkedHashMap<>();
        for (Evidence e : evidence) {
            long[] s = sums.computeIfAbsent(e.node(), n -> new long[5]);
            if (caller != null && !caller.equals(e.caller())) {
                // Another caller's node: part of the service (the cap on how many may be out), none of this one's calls.
                continue;
            }
            Ejection last = ejections.get(e.node());
            if (last == null || e.windowStart().isAfter(last.ejectedAt())) {
                s[0] += e.successes();
                s[1] += e.failures();
                s[2] += e.latencySumMicros();
            }
            s[3] += e.successes() + e.failures();
            s[4] += e.failures();
        }
        List<Counts> out = new ArrayList<>(sums.size());
        sums.forEach((node, s) -> out.add(new Counts(node, s[0], s[1], s[2], s[3], s[4])));
        out.sort(Comparator.comparing(Counts::node));
        return out;
    }

    /**
     * The nodes that at least {@link #CORROBORATING_IDENTITIES} identities each see failing: more than
     * {@code routing.failure-percent} of at least a quarter of {@code routing.min-calls} of their own calls since the
     * node's last fleet-wide ejection began.
     */
    private static java.util.Set<String> corroborated(List<Evidence> evidence, Map<String, Ejection> fleetEjections,
                                                       RoutingConfig config) {
        Map<String, Map<String, long[]>> byNode = new LinkedHashMap<>();
        for (Evidence e : evidence) {
            Ejection last = fleetEjections.get(e.node());
            if (last != null && !e.windowStart().isAfter(last.ejectedAt())) {
                continue;
            }
            long[] s = byNode.computeIfAbsent(e.node(), n -> new LinkedHashMap<>())
                    .computeIfAbsent(e.identity(), i -> new long[2]);
            s[0] += e.successes() + e.failures();
            s[1] += e.failures();
        }
        long minCalls = Math.max(1, config.minCalls() / 4);
        java.util.Set<String> out = new java.util.HashSet<>();
        byNode.forEach((node, identities) -> {
            long witnesses = identities.values().stream()
                    .filter(s -> s[0] >= minCalls && s[1] * 100.0 / s[0] > config.failurePercent()).count();
            if (witnesses >= CORROBORATING_IDENTITIES) {
                out.add(node);
            }
        });
        return out;
    }

    /**
     * As {@link #judge(List, Map, Instant, RoutingConfig)}, ejecting only nodes {@code mayEject} allows, with
     * {@code alreadyOut} nodes out by other ejections counted against the share that may be out at once.
     */
    static Verdict judge(List<Counts> counts, Map<String, Ejection> ejections, Instant now, RoutingConfig config,
                         java.util.function.Predicate<String> mayEject, int alreadyOut) {
        Map<String, Counts> byNode = new LinkedHashMap<>();
        counts.forEach(c -> byNode.put(c.node(), c));
        ejections.values().stream().filter(e -> e.activeAt(now))
                .forEach(e -> byNode.putIfAbsent(e.node(), new Counts(e.node(), 0, 0, 0)));
        int active = (int) ejections.values().stream().filter(e -> e.activeAt(now)).count() + alreadyOut;
        int cap = byNode.size() * config.maxEjectedPercent() / 100;

        Map<String, Ejection> current = new LinkedHashMap<>();
        ejections.forEach((node, e) -> {
            if (e.activeAt(now)) {
                current.put(node, e);
            }
        });
        List<Counts> failing = byNode.values().stream()
                .filter(c -> !current.containsKey(c.node()) && mayEject.test(c.node()))
                .filter(c -> c.calls() >= config.minCalls() && c.errorRate() * 100 > config.failurePercent())
                .sorted(Comparator.comparingDouble(Counts::errorRate).reversed().thenComparing(Counts::node))
                .toList();
        List<Ejection> made = new ArrayList<>();
        for (Counts c : failing) {
            if (active >= cap) {
                break;
            }
            Ejection before = ejections.get(c.node());
            int times = before != null && Duration.between(before.until(), now).compareTo(config.forgetAfter()) < 0
                    ? before.times() + 1 : 1;
            Ejection e = new Ejection(c.node(), now, now.plus(ejectionLength(config, times)), times, c.errorRate());
            made.add(e);
            current.put(c.node(), e);
            active++;
        }

        long medianLatency = medianLatency(byNode.values());
        List<Standing> standings = new ArrayList<>(byNode.size());
        for (Counts c : byNode.values()) {
            Ejection e = current.get(c.node());
            Ejection last = e != null ? e : ejections.get(c.node());
            int times = last == null ? 0 : last.times();
            String state;
            if (e != null) {
                state = "ejected";
            } else if (c.calls() >= config.minCalls() && c.errorRate() * 100 > config.failurePercent()) {
                state = "degraded";
            } else {
                state = "healthy";
            }
            standings.add(new Standing(c.node(), c.seenCalls(), c.seenFailures(), c.errorRate(), c.averageLatencyMicros(),
                    e != null ? 1 : weight(c, medianLatency), state, e == null ? null : e.until(), times, List.of()));
        }
        return new Verdict(standings, made);
    }

    static Duration ejectionLength(RoutingConfig config, int times) {
        Duration length = config.ejection().multipliedBy(1L << Math.min(times - 1, 20));
        return length.compareTo(config.maxEjection()) > 0 ? config.maxEjection() : length;
    }

    /**
     * 1 to 100: the node's success rate, scaled down when it is slower than the service's median node (to at most a
     * quarter for a node four times slower or more). A node with no calls yet gets 100.
     */
    static int weight(Counts c, long medianLatencyMicros) {
        if (c.calls() == 0) {
            return 100;
        }
        double success = 1 - c.errorRate();
        double speed = c.averageLatencyMicros() <= 0 || medianLatencyMicros <= 0 ? 1
                : Math.clamp((double) medianLatencyMicros / c.averageLatencyMicros(), 0.25, 1.0);
        return (int) Math.max(1, Math.round(100 * success * speed));
    }

    private static long medianLatency(Iterable<Counts> counts) {
        List<Long> latencies = new ArrayList<>();
        counts.forEach(c -> {
            if (c.calls() > 0) {
                latencies.add(c.averageLatencyMicros());
            }
        });
        if (latencies.isEmpty()) {
            return 0;
        }
        latencies.sort(null);
        return latencies.get(latencies.size() / 2);
    }
}
