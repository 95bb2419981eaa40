package io.switchboard.bench;

import java.util.List;
import java.util.Map;

/**
 * {@code ./switchboard bench [name...]}: runs the named benchmarks (all by default) against real components started
 * here, and prints their figures. Benchmarks measure; tests assert behaviour.
 */
public final class Benchmarks {
    private static final Map<String, Runnable> ALL = new java.util.LinkedHashMap<>();

    static {
        ALL.put("discovery", DiscoveryBench::run);
        ALL.put("tracing", TracingBench::run);
        ALL.put("query", QueryBench::run);
        ALL.put("routing", RoutingBench::run);
    }

    private Benchmarks() {
    }

    public static void main(String[] args) {
        List<String> names = args.length == 0 ? List.copyOf(ALL.keySet()) : List.of(args);
        for (String name : names) {
            Runnable bench = ALL.get(name);
            if (bench == null) {
                System.err.println("unknown benchmark '" + name + "'; known: " + String.join(", ", ALL.keySet()));
                System.exit(2);
            }
        }
        System.out.printf("Switchboard benchmarks on %d cores, Java %s%n", Runtime.getRuntime().availableProcessors(),
                Runtime.version());
        names.forEach(n -> ALL.get(n).run());
        System.exit(0);
    }
}
