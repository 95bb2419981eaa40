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
 *       100); within a version, in turn.</li>
 * </ul>
 * Ejected nodes are skipped whatever the strategy.
 *
 * @param strategy one of {@link #TYPES}
 * @param split    canary only: version to percentage
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Strategy(String strategy, Map<String, Integer> split) {
    public static final String ROUND_ROBIN = "round-robin";
    public static final String WEIGHTED = "weighted";
    public static final String LEAST_ERRORS = "least-errors";
    public static final String CANARY = "canary";
    public static final List<String> TYPES = List.of(ROUND_ROBIN, WEIGHTED, LEAST_ERRORS, CANARY);
    public static final Strategy DEFAULT = new Strategy(ROUND_ROBIN, null);
    private static final int MAX_SPLIT = 10;

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
            if (!Set.of("strategy", "split").contains(name)) {
                violations.add(new Violation(abbreviate(name), "is not a field of a strategy (strategy, split)"));
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
        if (!violations.isEmpty()) {
            throw new ValidationException(violations);
        }
        return new Strategy(strategy, split);
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
