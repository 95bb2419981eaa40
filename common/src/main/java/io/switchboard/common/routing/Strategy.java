package io.switchboard.common.routing;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.common.model.EventValidator;
import io.switchboard.common.model.ValidationException;
import io.switchboard.common.model.Violation;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * How a service's traffic is spread over its nodes, as an operator chose it:
 * <ul>
 *   <li>{@code round-robin} (the default): every healthy node in turn;</li>
 *   <li>{@code weighted}: at random, in proportion to each node's reputation weight;</li>
 *   <li>{@code least-errors}: the node with the lowest recent error rate (ties in turn);</li>
 *   <li>{@code canary}: a split by version, such as {@code {"1.2.0": 90, "1.3.0": 10}} (percentages adding up to
 *       100); within a version, in turn;</li>
 *   <li>{@code progressive}: a canary that routing moves by itself: the {@code candidate} version gets the
 *       percentages of {@code steps} in turn, the {@code baseline} the rest, each step for {@code interval}, while
 *       the candidate's health holds against the baseline's; it is promoted after the last step and rolled back
 *       when its health fails (docs/routing.md). Clients are sent the split of the current step as a plain
 *       {@code canary}.</li>
 * </ul>
 * Ejected nodes are skipped whatever the strategy.
 *
 * @param strategy             one of {@link #TYPES}
 * @param split                canary only: version to percentage
 * @param baseline             progressive only: the version in service
 * @param candidate            progressive only: the version being rolled out
 * @param steps                progressive only: the candidate's percentages, increasing
 * @param interval             progressive only: how long each step lasts before it is judged (such as 5m)
 * @param minCalls             progressive only: calls each version needs in a step before it is judged
 * @param maxErrorRateIncrease progressive only: percentage points the candidate's error rate may exceed the baseline's
 * @param maxLatencyRatio      progressive only: how many times the baseline's p99 latency the candidate's may be
 * @param maxErrorRate         progressive only: the candidate's error rate ceiling, in percent, whatever the baseline's
 * @param maxP99Ms             progressive only, optional: the candidate's p99 latency ceiling in milliseconds
 * @param step                 progressive only, kept by routing: the index of the current step in {@code steps}
 * @param paused               progressive only, kept by routing: whether an operator paused the rollout
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Strategy(String strategy, Map<String, Integer> split, String baseline, String candidate,
                       List<Integer> steps, String interval, Integer minCalls, Double maxErrorRateIncrease,
                       Double maxLatencyRatio, Double maxErrorRate, Long maxP99Ms, Integer step, Boolean paused) {
    public static final String ROUND_ROBIN = "round-robin";
    public static final String WEIGHTED = "weighted";
    public static final String LEAST_ERRORS = "least-errors";
    public static final String CANARY = "canary";
    public static final String PROGRESSIVE = "progressive";
    public static final List<String> TYPES = List.of(ROUND_ROBIN, WEIGHTED, LEAST_ERRORS, CANARY, PROGRESSIVE);
    public static final Strategy DEFAULT = new Strategy(ROUND_ROBIN, null);
    private static final int MAX_SPLIT = 10;
    private static final List<String> PROGRESSIVE_FIELDS = List.of("baseline", "candidate", "steps", "interval",
            "minCalls", "maxErrorRateIncrease", "maxLatencyRatio", "maxErrorRate", "maxP99Ms");
    private static final java.time.Duration MIN_INTERVAL = java.time.Duration.ofSeconds(5);
    private static final java.time.Duration MAX_INTERVAL = java.time.Duration.ofDays(1);

    /** A strategy that is not progressive. */
    public Strategy(String strategy, Map<String, Integer> split) {
        this(strategy, split, null, null, null, null, null, null, null, null, null, null, null);
    }

    /** A progressive strategy with every setting given (the default of each is applied by {@link #parse}). */
    public static Strategy progressive(String baseline, String candidate, List<Integer> steps, String interval,
                                       int minCalls, double maxErrorRateIncrease, double maxLatencyRatio,
                                       double maxErrorRate, Long maxP99Ms) {
        return new Strategy(PROGRESSIVE, null, baseline, candidate, List.copyOf(steps), interval, minCalls,
                maxErrorRateIncrease, maxLatencyRatio, maxErrorRate, maxP99Ms, 0, false);
    }

    public boolean isProgressive() {
        return PROGRESSIVE.equals(strategy);
    }

    /** The same progressive rollout at step {@code index}, paused or not. */
    public Strategy atStep(int index, boolean isPaused) {
        return new Strategy(strategy, split, baseline, candidate, steps, interval, minCalls, maxErrorRateIncrease,
                maxLatencyRatio, maxErrorRate, maxP99Ms, index, isPaused);
    }

    /** How long a step of a progressive rollout lasts. */
    public java.time.Duration intervalDuration() {
        return io.switchboard.common.config.ConfigSource.parseDuration(interval);
    }

    /** What clients are sent: a progressive rollout as the plain canary split of its current step, others as they are. */
    public Strategy forClients() {
        if (!isProgressive()) {
            return this;
        }
        int percent = steps.get(step == null ? 0 : step);
        Map<String, Integer> s = new LinkedHashMap<>();
        if (percent < 100) {
            s.put(baseline, 100 - percent);
        }
        s.put(candidate, percent);
        return new Strategy(CANARY, s);
    }

    /**
     * Reads an operator's spec strictly: unknown fields, a wrong type, an unknown strategy, a split where it does
     * not belong or one that does not add up to 100 are each refused with the field named.
     */
    public static Strategy parse(JsonNode spec) {
        List<Violation> violations = new ArrayList<>();
        if (spec == null || !spec.isObject()) {
            throw new ValidationException(List.of(new Violation("body",
                    "must be a JSON object such as {\"strategy\": \"round-robin\"}")));
        }
        for (Iterator<String> names = spec.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!Set.of("strategy", "split").contains(name) && !PROGRESSIVE_FIELDS.contains(name)) {
                violations.add(new Violation(abbreviate(name), "is not a field of a strategy (strategy, split, "
                        + String.join(", ", PROGRESSIVE_FIELDS) + ")"));
            }
        }
        JsonNode type = spec.get("strategy");
        String strategy = null;
        if (type == null || !type.isTextual()) {
            violations.add(new Violation("strategy", "is required, one of " + String.join(", ", TYPES)));
        } else if (!TYPES.contains(type.asText())) {
            violations.add(new Violation("strategy", "must be one of " + String.join(", ", TYPES) + ", got '"
                    + abbreviate(type.asText()) + "'"));
        } else {
            strategy = type.asText();
        }
        JsonNode splitNode = spec.get("split");
        Map<String, Integer> split = null;
        if (CANARY.equals(strategy)) {
            split = split(splitNode, violations);
        } else if (splitNode != null && !splitNode.isNull() && strategy != null) {
            violations.add(new Violation("split", "only a canary strategy has a split"));
        }
        if (PROGRESSIVE.equals(strategy)) {
            Strategy p = progressive(spec, violations);
            if (!violations.isEmpty()) {
                throw new ValidationException(violations);
            }
            return p;
        }
        for (String field : PROGRESSIVE_FIELDS) {
            if (strategy != null && spec.has(field)) {
                violations.add(new Violation(field, "only a progressive strategy has " + field));
            }
        }
        if (!violations.isEmpty()) {
            throw new ValidationException(violations);
        }
        return new Strategy(strategy, split);
    }

    /** A progressive spec's settings, each checked, with the defaults of docs/routing.md for those not given. */
    private static Strategy progressive(JsonNode spec, List<Violation> violations) {
        String baseline = version(spec, "baseline", violations);
        String candidate = version(spec, "candidate", violations);
        if (baseline != null && baseline.equals(candidate)) {
            violations.add(new Violation("candidate", "must differ from the baseline"));
        }
        List<Integer> steps = new ArrayList<>();
        JsonNode stepsNode = spec.get("steps");
        if (stepsNode == null || stepsNode.isNull()) {
            steps.addAll(List.of(5, 25, 50, 100));
        } else if (!stepsNode.isArray() || stepsNode.isEmpty() || stepsNode.size() > MAX_SPLIT) {
            violations.add(new Violation("steps", "must be 1 to " + MAX_SPLIT + " increasing percentages, such as [5, 25, 50, 100]"));
        } else {
            int previous = 0;
            for (JsonNode n : stepsNode) {
                if (!n.isIntegralNumber() || n.asLong() <= previous || n.asLong() > 100) {
                    violations.add(new Violation("steps", "must be whole percentages from 1 to 100, each above the one "
                            + "before, such as [5, 25, 50, 100], got " + abbreviate(stepsNode.toString())));
                    break;
                }
                previous = n.asInt();
                steps.add(previous);
            }
        }
        String interval = "5m";
        JsonNode intervalNode = spec.get("interval");
        if (intervalNode != null && !intervalNode.isNull()) {
            java.time.Duration d = intervalNode.isTextual()
                    ? io.switchboard.common.config.ConfigSource.parseDuration(intervalNode.asText()) : null;
            if (d == null || d.compareTo(MIN_INTERVAL) < 0 || d.compareTo(MAX_INTERVAL) > 0) {
                violations.add(new Violation("interval", "must be a duration from 5s to 1d such as \"5m\", got "
                        + abbreviate(intervalNode.toString())));
            } else {
                interval = intervalNode.asText();
            }
        }
        Double minCalls = number(spec, "minCalls", 100, 1, 1_000_000, true, violations);
        Double increase = number(spec, "maxErrorRateIncrease", 1, 0, 100, false, violations);
        Double ratio = number(spec, "maxLatencyRatio", 1.2, 1, 100, false, violations);
        Double ceiling = number(spec, "maxErrorRate", 5, 0, 100, false, violations);
        Double p99 = spec.has("maxP99Ms") && !spec.get("maxP99Ms").isNull()
                ? number(spec, "maxP99Ms", 0, 1, 86_400_000, true, violations) : null;
        if (!violations.isEmpty()) {
            return null;
        }
        return progressive(baseline, candidate, steps, interval, minCalls.intValue(), increase, ratio, ceiling,
                p99 == null ? null : p99.longValue());
    }

    private static String version(JsonNode spec, String field, List<Violation> violations) {
        JsonNode v = spec.get(field);
        if (v == null || !v.isTextual() || !EventValidator.isVersion(v.asText()) || v.asText().length() > 64) {
            violations.add(new Violation(field, "is required: a semantic version such as 1.3.0"));
            return null;
        }
        return v.asText();
    }

    private static Double number(JsonNode spec, String field, double fallback, double min, double max, boolean whole,
                                 List<Violation> violations) {
        JsonNode n = spec.get(field);
        if (n == null || n.isNull()) {
            return fallback;
        }
        if (!n.isNumber() || (whole && !n.isIntegralNumber()) || n.asDouble() < min || n.asDouble() > max) {
            violations.add(new Violation(field, "must be a " + (whole ? "whole " : "") + "number from "
                    + (min == Math.rint(min) ? String.valueOf((long) min) : String.valueOf(min)) + " to "
                    + (long) max + ", got " + abbreviate(n.toString())));
            return null;
        }
        return n.asDouble();
    }

    private static Map<String, Integer> split(JsonNode node, List<Violation> violations) {
        if (node == null || !node.isObject() || node.isEmpty()) {
            violations.add(new Violation("split", "a canary needs a split of version to percentage, such as "
                    + "{\"1.2.0\": 90, \"1.3.0\": 10}"));
            return null;
        }
        if (node.size() > MAX_SPLIT) {
            violations.add(new Violation("split", "at most " + MAX_SPLIT + " versions, got " + node.size()));
            return null;
        }
        Map<String, Integer> split = new LinkedHashMap<>();
        int total = 0;
        for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String field = "split." + abbreviate(e.getKey());
            if (!EventValidator.isVersion(e.getKey())) {
                violations.add(new Violation(field, "must be a semantic version such as 1.3.0"));
                continue;
            }
            JsonNode percent = e.getValue();
            if (!percent.isIntegralNumber() || percent.asLong() < 1 || percent.asLong() > 100) {
                violations.add(new Violation(field, "must be a whole percentage from 1 to 100"));
                continue;
            }
            split.put(e.getKey(), percent.asInt());
            total += percent.asInt();
        }
        if (violations.isEmpty() && total != 100) {
            violations.add(new Violation("split", "percentages must add up to 100, they add up to " + total));
        }
        return split;
    }

    private static String abbreviate(String s) {
        return s.length() <= 40 ? s : s.substring(0, 40) + "...";
    }
}
