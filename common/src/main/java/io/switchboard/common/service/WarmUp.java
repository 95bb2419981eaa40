package io.switchboard.common.service;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.switchboard.common.auth.WarmUpKey;
import io.switchboard.common.config.ConfigSource;
import io.switchboard.common.observe.HealthCheck;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A replica's warm-up: before /ready answers 200, each service drives its own hot paths through its real endpoints
 * (WebSocket frames in and out, the registry's processors and listeners, the buffer's rings), as a scratch tenant of
 * its own ({@value WarmUpKey#TENANT} and a random suffix) with a key that never leaves the process ({@link WarmUpKey}), in rounds, until the JIT
 * has settled (the compiler's threads nearly idle over ten rounds, after {@code warmup.min-rounds}) or
 * {@code warmup.max-duration} has passed. Then each service removes what it wrote, the scratch tenant's meters are removed, and the key is revoked.
 * A first burst after a deploy, restart or scale-out then meets compiled code, not the interpreter.
 *
 * <p>A warm-up that fails (a store refusing, say) is logged and ends early: the replica becomes ready anyway, since
 * it can serve, only slower at first.
 */
public final class WarmUp {
    private static final Logger LOG = LoggerFactory.getLogger(WarmUp.class);

    /**
     * @param maxDuration the bound on the whole warm-up; {@link Duration#ZERO} turns it off
     * @param minRounds   rounds run whatever the compiler does
     */
    public record Config(Duration maxDuration, int minRounds) {
        public static final Config OFF = new Config(Duration.ZERO, 0);

        /** From warmup.max-duration (0s: off) and warmup.min-rounds. */
        public static Config from(ConfigSource c) {
            return new Config(c.duration("warmup.max-duration", Duration.ZERO, Duration.ofMinutes(10)),
                    c.integer("warmup.min-rounds", 1, 1_000));
        }

        public boolean enabled() {
            return !maxDuration.isZero();
        }
    }

    /** One service's load: a round drives every hot path once; {@link #finish} removes all it wrote. */
    public interface Warmer {
        /** Completes when the first round may start (a cluster member waits for its partitions to migrate). */
        default Future<Void> prepare() {
            return Future.succeededFuture();
        }

        Future<Void> round(int round);

        Future<Void> finish();
    }

    /** What a warmer may use: the replica's own port with the warm-up key. */
    public interface Context {
        Vertx vertx();

        /**
         * Opens a WebSocket on this replica as the scratch tenant and does the protocol's open handshake; the text
         * frames after it go to {@code onText}.
         */
        Future<WarmUpSocket> connect(String path, Consumer<String> onText);

        /** The scratch tenant this warm-up's connections act as. */
        String tenant();

        /** The end of the warm-up's time bound, as {@link System#nanoTime()}; a round should not run far past it. */
        long deadlineNanos();
    }

    /**
     * What the warm-up did.
     *
     * @param settled true if it stopped because the compiler settled, false if the bound or a failure stopped it
     * @param failure why it stopped early, or null
     */
    public record Report(Duration took, int rounds, double cpuSeconds, boolean settled, String failure) {
        /** One line, like the store lines of start-up. */
        public String describe() {
            String how = failure != null ? "stopped early (" + failure + ")"
                    : settled ? "until the JIT settled" : "until the bound (warmup.max-duration)";
            return String.format("%d rounds %s, %.1f s of CPU", rounds, how, cpuSeconds);
        }
    }

    private final Config config;
    private final Promise<Report> done = Promise.promise();
    private volatile int round = -1;

    public WarmUp(Config config) {
        this.config = config;
        if (!config.enabled()) {
            done.complete(new Report(Duration.ZERO, 0, 0, true, null));
        }
    }

    public Config config() {
        return config;
    }

    /** Completes when the warm-up has ended (at once when it is off). */
    public Future<Report> done() {
        return done.future();
    }

    /** A component of /ready that is down while the warm-up runs. */
    public HealthCheck healthCheck() {
        return new HealthCheck("warm-up", HealthCheck.Kind.SERVICE, () -> {
            if (done.future().isComplete()) {
                return Future.succeededFuture();
            }
            return Future.failedFuture(round < 0 ? "warming up: waiting for the cluster to be safe"
                    : "warming up: round " + (round + 1));
        });
    }

    /**
     * Runs the warmers' rounds against the replica at {@code host:port}, then their clean-up, and removes every meter
     * tagged with the scratch tenant from {@code meters}.
     */
    public Future<Report> run(Vertx vertx, String host, int port, List<SwitchboardService> services, MeterRegistry meters) {
        if (!config.enabled() || done.future().isComplete()) {
            return done.future();
        }
        long start = System.nanoTime();
        long deadline = start + config.maxDuration().toNanos();
        double cpuBefore = processCpuSeconds();
        String key = WarmUpKey.issue();
        String tenant = WarmUpKey.tenant(key);
        java.net.http.HttpClient client = java.net.http.HttpClient.newBuilder()
                .executor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()).build();
        Context context = new Context() {
            @Override
            public Vertx vertx() {
                return vertx;
            }

            @Override
            public Future<WarmUpSocket> connect(String path, Consumer<String> onText) {
                return open(client, host, port, path, key, onText);
            }

            @Override
            public String tenant() {
                return tenant;
            }

            @Override
            public long deadlineNanos() {
                return deadline;
            }
        };
        List<Warmer> warmers = new ArrayList<>();
        Promise<Boolean> rounds = Promise.promise();
        for (SwitchboardService s : services) {
            Warmer w = s.warmer(context);
            if (w != null) {
                warmers.add(w);
            }
        }
        Future.all(warmers.stream().map(Warmer::prepare).toList())
                .timeout(Math.max(1, (deadline - System.nanoTime()) / 1_000_000), java.util.concurrent.TimeUnit.MILLISECONDS)
                .onFailure(rounds::tryFail)
                .onSuccess(r -> nextRound(0, warmers, deadline, new long[WINDOW], new long[WINDOW], rounds));
        // The scratch tenant's meters go first: a gauge read by a scrape could bring back a map the clean-up removed.
        rounds.future().onComplete(ar -> {
            WarmUpKey.revoke(key);
            removeScratchMeters(meters);
            Future.join(warmers.stream().map(Warmer::finish).toList()).onComplete(cleaned -> {
                client.shutdownNow(); // close() would wait, on this event loop
                // What start-up and the warm-up left young is collected now, before traffic: the first collections
                // after start-up copy much of it and pause for tens of milliseconds (a no-op under
                // -XX:+DisableExplicitGC).
                System.gc();
                Throwable cause = ar.failed() ? ar.cause() : cleaned.failed() ? cleaned.cause() : null;
                String failure = cause == null ? null : (ar.failed() ? "" : "clean-up: ") + cause.getMessage();
                if (cause != null) {
                    LOG.warn("warm-up stopped early: {}", failure, cause);
                }
                done.tryComplete(new Report(Duration.ofNanos(System.nanoTime() - start), round + 1,
                        processCpuSeconds() - cpuBefore, ar.succeeded() && ar.result(), failure));
            });
        });
        return done.future();
    }

    /** Rounds over which the compiler's work is judged. */
    private static final int WINDOW = 10;

    private void nextRound(int n, List<Warmer> warmers, long deadline, long[] compiled, long[] wall,
                           Promise<Boolean> result) {
        if (System.nanoTime() >= deadline) {
            result.complete(false);
            return;
        }
        round = n;
        long began = System.nanoTime();
        long compiledBefore = compileMillis();
        Future<Void> all = Future.succeededFuture();
        for (Warmer w : warmers) {
            all = all.compose(v -> w.round(n));
        }
        all.onComplete(ar -> {
            if (ar.failed()) {
                result.fail(ar.cause());
                return;
            }
            compiled[n % WINDOW] = compileMillis() - compiledBefore;
            wall[n % WINDOW] = (System.nanoTime() - began) / 1_000_000;
            // Settled: over the last rounds, the compiler's threads spent under 3 % of the time the rounds took.
            // Compilation to the optimising tier starts only after thousands of calls, so this is judged only after
            // warmup.min-rounds: before that a quiet compiler may be one that has not started yet.
            if (n + 1 >= Math.max(WINDOW, config.minRounds())
                    && java.util.Arrays.stream(compiled).sum() * 100 <= 3 * java.util.Arrays.stream(wall).sum()) {
                result.complete(true);
                return;
            }
            nextRound(n + 1, warmers, deadline, compiled, wall, result);
        });
    }

    private static Future<WarmUpSocket> open(java.net.http.HttpClient client, String host, int port, String path,
                                             String key, Consumer<String> onText) {
        Promise<Void> opened = Promise.promise();
        String authority = host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
        return WarmUpSocket.connect(client, java.net.URI.create("ws://" + authority + path), key, text -> {
            if (opened.future().isComplete()) {
                onText.accept(text);
            } else if (text.contains("\"type\":\"open\"")) {
                opened.tryComplete();
            } else {
                opened.tryFail("the warm-up's open was answered: " + text);
            }
        }).compose(socket -> {
            socket.send("{\"type\":\"open\",\"protocol\":1,\"client\":\"warm-up\",\"features\":[\"snapshot-pages\"]}");
            return opened.future().timeout(10, java.util.concurrent.TimeUnit.SECONDS).map(socket);
        });
    }

    /**
     * Completes when a round that began at {@code beganNanos} and did {@code work} units of something a tenant's quota
     * allows {@code perSecond} of has lasted long enough to stay within that rate (at once when the quota is off): a
     * warm-up on a fast machine must not run into its scratch tenant's quota and stop early. (Both quotas it is used
     * for allow a burst of at least a second's worth, so a round's work may arrive at once.)
     */
    public static Future<Void> paced(Vertx vertx, long beganNanos, long work, long perSecond) {
        if (perSecond <= 0) {
            return Future.succeededFuture();
        }
        long leftMillis = (beganNanos + work * 1_000_000_000L / perSecond - System.nanoTime()) / 1_000_000;
        if (leftMillis < 1) {
            return Future.succeededFuture();
        }
        Promise<Void> waited = Promise.promise();
        vertx.setTimer(leftMillis, t -> waited.complete());
        return waited.future();
    }

    /**
     * A Hazelcast warmer's clean-up: closes its connections, waits (off the event loop, at most ten seconds) until the
     * service no longer holds anything of the scratch tenant that could bring its objects back (a listener, a tail),
     * then destroys every distributed object of the tenant (each per-tenant object is named {@code <kind>.<tenant>}).
     */
    public static Future<Void> removeScratch(Context context, com.hazelcast.core.HazelcastInstance hazelcast,
                                             List<WarmUpSocket> sockets, java.util.function.Predicate<String> inUse) {
        List<Future<Void>> closing = sockets.stream().filter(java.util.Objects::nonNull).map(WarmUpSocket::close).toList();
        return Future.join(closing).otherwiseEmpty().compose(v -> context.vertx().executeBlocking(() -> {
            long until = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
            while (inUse.test(context.tenant()) && System.nanoTime() < until) {
                Thread.sleep(20); // the service's own clean-up of closed sessions has no completion to wait on
            }
            for (com.hazelcast.core.DistributedObject o : hazelcast.getDistributedObjects()) {
                if (o.getName().endsWith("." + context.tenant())) {
                    o.destroy();
                }
            }
            return null;
        }, false));
    }

    /**
     * Completes once the member's cluster is safe (partitions migrated and backed up), or fails at the warm-up's bound:
     * a member warms up on the partitions it will own. Asking is a call to every member, so it waits off the event
     * loop.
     */
    public static Future<Void> clusterSafe(Context context, com.hazelcast.core.HazelcastInstance hazelcast) {
        return context.vertx().executeBlocking(() -> {
            while (!hazelcast.getPartitionService().isClusterSafe()) {
                if (System.nanoTime() > context.deadlineNanos()) {
                    throw new IllegalStateException("the cluster's partitions were still migrating at the bound");
                }
                Thread.sleep(100);
            }
            return null;
        }, false);
    }

    private static void removeScratchMeters(MeterRegistry meters) {
        if (meters == null) {
            return;
        }
        for (Meter m : List.copyOf(meters.getMeters())) {
            if (WarmUpKey.isScratch(m.getId().getTag("tenant"))) {
                meters.remove(m);
            }
        }
    }

    private static long compileMillis() {
        var bean = ManagementFactory.getCompilationMXBean();
        return bean != null && bean.isCompilationTimeMonitoringSupported() ? bean.getTotalCompilationTime() : 0;
    }

    static double processCpuSeconds() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime() / 1e9;
        }
        return 0;
    }
}
