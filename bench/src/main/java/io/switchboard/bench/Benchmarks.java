package io.switchboard.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code ./switchboard bench [name...]}: runs the named benchmarks (all by default) and prints their figures. Each
 * starts a fresh standalone in a JVM of its own and drives it from this JVM over the wire, as an outside client does:
 * the figures are what a client in another process sees. Benchmarks measure; tests assert behaviour.
 */
public final class Benchmarks {
    /** One benchmark, given a directory of its own for the server's data. */
    interface Bench {
        void run(Path work) throws Exception;
    }

    private static final Map<String, Bench> ALL = new java.util.LinkedHashMap<>();
    /** Benchmarks run only when named. */
    private static final Map<String, Bench> PEERS = new java.util.LinkedHashMap<>();

    static {
        ALL.put("propagation", PropagationBench::run);
        ALL.put("ingest", IngestBench::run);
        ALL.put("lossless", LosslessBench::run);
        ALL.put("otlp", OtlpBench::run);
        ALL.put("storm", StormBench::run);
        ALL.put("noisy", NoisyNeighbourBench::run);
        // Only the peer's half of propagation (which runs it too), for when only etcd's figures are wanted.
        PEERS.put("etcd", work -> {
            System.out.println("== propagation on etcd alone: put/delete -> watcher (20 connections x 200 keys, each 2 ms apart)");
            EtcdPeer.propagation(work);
        });
    }

    private Benchmarks() {
    }

    public static void main(String[] args) throws Exception {
        List<String> names = args.length == 0 ? List.copyOf(ALL.keySet()) : List.of(args);
        for (String name : names) {
            if (!ALL.containsKey(name) && !PEERS.containsKey(name)) {
                System.err.println("unknown benchmark '" + name + "'; known: " + String.join(", ", ALL.keySet()) + ", "
                        + String.join(", ", PEERS.keySet()));
                System.exit(2);
            }
        }
        System.out.printf("Switchboard benchmarks on %d cores, Java %s; the server runs in its own JVM (standalone)%n",
                Runtime.getRuntime().availableProcessors(), Runtime.version());
        Path work = Files.createTempDirectory("switchboard-bench-");
        for (String n : names) {
            ALL.getOrDefault(n, PEERS.get(n)).run(work.resolve(n));
        }
        System.exit(0);
    }
}
