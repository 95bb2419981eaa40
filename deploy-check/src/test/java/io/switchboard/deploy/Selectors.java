package io.switchboard.deploy;

import static io.switchboard.deploy.KubernetesOverlaysTest.map;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Selectors against the labels they are meant to select, in a rendered overlay: a selector that matches nothing
 * does nothing, silently (a Service with no endpoints, a spread constraint that spreads nothing, a disruption
 * budget that protects nothing), and one pod under two disruption budgets cannot be evicted at all.
 */
final class Selectors {
    private Selectors() {
    }

    static List<String> problems(List<Map<String, Object>> objects) {
        List<String> problems = new ArrayList<>();
        List<Map<String, Object>> workloads = objects.stream()
                .filter(o -> "Deployment".equals(o.get("kind")) || "StatefulSet".equals(o.get("kind"))).toList();
        for (Map<String, Object> w : workloads) {
            Map<String, Object> spec = map(w, "spec");
            Map<String, Object> labels = podLabels(w);
            if (!matches(map(map(spec, "selector"), "matchLabels"), labels)) {
                problems.add(name(w) + ": its selector does not match its own pods' labels " + labels);
            }
            Object spread = map(map(spec, "template"), "spec").get("topologySpreadConstraints");
            if (spread instanceof List<?> constraints) {
                for (Object c : constraints) {
                    @SuppressWarnings("unchecked")
                    Map<String, Object> selector = map(map((Map<String, Object>) c, "labelSelector"), "matchLabels");
                    if (!matches(selector, labels)) {
                        problems.add(name(w) + ": its spread constraint selects " + selector + ", which its own pods "
                                + "(labels " + labels + ") do not carry, so it spreads nothing");
                    }
                }
            }
        }
        for (Map<String, Object> o : objects) {
            String kind = String.valueOf(o.get("kind"));
            switch (kind) {
                case "Service" -> {
                    Map<String, Object> selector = map(map(o, "spec"), "selector");
                    List<String> selected = selected(workloads, selector);
                    if (selected.isEmpty()) {
                        problems.add(name(o) + ": its selector " + selector + " matches no pods");
                    }
                    String own = name(o).replaceFirst("^Service ", "Deployment ");
                    if (workloads.stream().anyMatch(w -> name(w).equals(own)) && !List.of(own).equals(selected)) {
                        problems.add(name(o) + " selects " + selected + ", not only " + own);
                    }
                }
                case "PodDisruptionBudget" -> {
                    if (selected(workloads, map(map(map(o, "spec"), "selector"), "matchLabels")).isEmpty()) {
                        problems.add(name(o) + ": selects no pods");
                    }
                }
                case "HorizontalPodAutoscaler" -> {
                    Map<String, Object> target = map(map(o, "spec"), "scaleTargetRef");
                    if (objects.stream().noneMatch(w -> name(w).equals(target.get("kind") + " " + target.get("name")))) {
                        problems.add(name(o) + ": scales " + target + ", which is not there");
                    }
                }
                default -> { }
            }
        }
        for (Map<String, Object> w : workloads) {
            if (!name(w).startsWith("Deployment switchboard-")) {
                continue;
            }
            List<String> budgets = objects.stream().filter(o -> "PodDisruptionBudget".equals(o.get("kind")))
                    .filter(b -> matches(map(map(map(b, "spec"), "selector"), "matchLabels"), podLabels(w)))
                    .map(Selectors::name).toList();
            if (budgets.size() != 1) {
                problems.add(name(w) + ": its pods fall under " + budgets.size() + " disruption budgets " + budgets
                        + " (none: drains take any number; more than one: they cannot be evicted)");
            }
        }
        return problems;
    }

    private static List<String> selected(List<Map<String, Object>> workloads, Map<String, Object> selector) {
        return workloads.stream().filter(w -> matches(selector, podLabels(w))).map(Selectors::name).toList();
    }

    private static Map<String, Object> podLabels(Map<String, Object> workload) {
        Map<String, Object> labels = map(map(map(map(workload, "spec"), "template"), "metadata"), "labels");
        return labels == null ? Map.of() : labels;
    }

    private static boolean matches(Map<String, Object> selector, Map<String, Object> labels) {
        return selector != null && !selector.isEmpty()
                && selector.entrySet().stream().allMatch(e -> String.valueOf(e.getValue()).equals(String.valueOf(labels.get(e.getKey()))));
    }

    private static String name(Map<String, Object> o) {
        return o.get("kind") + " " + map(o, "metadata").get("name");
    }
}
