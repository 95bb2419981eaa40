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
 */
final class Reputation {
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

    /** A node's latest ejection. */
    record Ejection(String node, Instant ejectedAt, Instant until, int times, double failureRate) {
        boolean activeAt(Instant now) {
            return until.isAfter(now);
        }
    }

    /**
     * How a node stands. {@code state} is healthy, ejected, or degraded (failing, but not ejected: cap);
     * {@code errorRate} is over the outcomes it is judged on, {@code seenCalls} and {@code seenFailures} over the
     * whole lookback.
     */
    record Standing(String node, long seenCalls, long seenFailures, double errorRate, long averageLatencyMicros,
                    int weight, String state, Instant ejectedUntil, int ejections) {
        boolean ejected() {
            return "ejected".equals(state);
        }
    }

    /** The standings of a service's nodes and the ejections this judgement made. */
    record Verdict(List<Standing> standings, List<Ejection> newEjections) {
    }

    static Verdict judge(List<Counts> counts, Map<String, Ejection> ejections, Instant now, RoutingConfig config) {
        Map<String, Counts> byNode = new LinkedHashMap<>();
        counts.forEach(c -> byNode.put(c.node(), c));
        ejections.values().stream().filter(e -> e.activeAt(now))
                .forEach(e -> byNode.putIfAbsent(e.node(), new Counts(e.node(), 0, 0, 0)));
        int active = (int) ejections.values().stream().filter(e -> e.activeAt(now)).count();
        int cap = byNode.size() * config.maxEjectedPercent() / 100;

        Map<String, Ejection> current = new LinkedHashMap<>();
        ejections.forEach((node, e) -> {
            if (e.activeAt(now)) {
                current.put(node, e);
            }
        });
        List<Counts> failing = byNode.values().stream()
                .filter(c -> !current.containsKey(c.node()))
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
                    e != null ? 1 : weight(c, medianLatency), state, e == null ? null : e.until(), times));
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
