package io.switchboard.common.hazelcast;

import com.hazelcast.client.HazelcastClient;
import com.hazelcast.client.config.ClientConfig;
import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import io.switchboard.common.config.HazelcastConfig;

/**
 * Starts a Hazelcast member or client from {@link HazelcastConfig}: TCP/IP join to a fixed member list (no
 * multicast, which clouds and CI machines rarely allow), Hazelcast's own shutdown hook off so that services stop
 * in their own order, phone-home off, logging through SLF4J.
 */
public final class HazelcastConnector {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(HazelcastConnector.class);

    static {
        // Hazelcast completes async calls on the common ForkJoinPool, or on a new thread per callback when that pool
        // has one thread, which is what a 2-core machine gets by default: ten times slower. The launcher and the
        // test runner set this flag; setting it here covers other launches if the pool is not yet created.
        if (System.getProperty("java.util.concurrent.ForkJoinPool.common.parallelism") == null) {
            System.setProperty("java.util.concurrent.ForkJoinPool.common.parallelism",
                    Integer.toString(Math.max(4, Runtime.getRuntime().availableProcessors())));
        }
    }

    private HazelcastConnector() {
    }

    private static void checkAsyncPool() {
        if (java.util.concurrent.ForkJoinPool.getCommonPoolParallelism() <= 1) {
            LOG.warn("the common ForkJoinPool has one thread, so Hazelcast async calls spawn a thread each and run "
                    + "about ten times slower; start the JVM with -Djava.util.concurrent.ForkJoinPool.common.parallelism=4");
        }
    }

    public static HazelcastInstance start(HazelcastConfig config) {
        return config.mode() == HazelcastConfig.Mode.MEMBER ? member(config) : client(config);
    }

    /**
     * As {@link #start}, for a service that acknowledges writes to its callers (tracing): as a member, a write whose
     * backup did not confirm in time, or whose primary left mid-way, fails instead of succeeding quietly, so that
     * nothing is acknowledged that exists in one copy only (the caller sends it again). Not for discovery: a
     * registration in one copy is soon refreshed anyway, and a member crash would fail every registration in flight.
     */
    public static HazelcastInstance startForAcknowledgedWrites(HazelcastConfig config) {
        if (config.mode() != HazelcastConfig.Mode.MEMBER) {
            return client(config);
        }
        Config hz = joiningConfig(config);
        hz.setProperty("hazelcast.operation.fail.on.indeterminate.state", "true");
        return Hazelcast.newHazelcastInstance(hz);
    }

    public static HazelcastInstance member(HazelcastConfig config) {
        return Hazelcast.newHazelcastInstance(joiningConfig(config));
    }

    private static Config joiningConfig(HazelcastConfig config) {
        Config hz = memberConfig(config.clusterName(), config.port());
        JoinConfig join = hz.getNetworkConfig().getJoin();
        String dns = kubernetesDns(config);
        if (dns != null) {
            // In Kubernetes: members find each other by the DNS name of a headless service (deploy/k8s/base).
            join.getKubernetesConfig().setEnabled(true).setProperty("service-dns", dns);
        } else {
            join.getTcpIpConfig().setEnabled(true).setMembers(config.members());
        }
        if (config.members().stream().allMatch(m -> m.startsWith("127.0.0.1") || m.startsWith("localhost"))) {
            loopbackOnly(hz);
        }
        return hz;
    }

    /**
     * A member that is a cluster of its own: on 127.0.0.1 only, with every join mechanism off, so that it neither
     * looks for other members nor can be found by one (a second standalone on the same machine, say). Another
     * member knocking on its port is refused anyway, because cluster names differ.
     */
    public static HazelcastInstance isolatedMember(String clusterName, int port) {
        Config hz = memberConfig(clusterName, port);
        hz.getNetworkConfig().getJoin().getTcpIpConfig().setEnabled(false);
        loopbackOnly(hz);
        return Hazelcast.newHazelcastInstance(hz);
    }

    private static Config memberConfig(String clusterName, int port) {
        checkAsyncPool();
        Config hz = new Config();
        hz.setClusterName(clusterName);
        io.switchboard.common.registry.RegistryProcessors.configure(hz.getSerializationConfig());
        hz.setProperty("hazelcast.logging.type", "slf4j");
        hz.setProperty("hazelcast.shutdownhook.enabled", "false");
        // A member stopping hands its partitions to the others first (graceful shutdown); bounded, so that a stop
        // ends within the grace period deploy/system.yaml gives members (pre-stop wait + this + closing).
        hz.setProperty("hazelcast.graceful.shutdown.max.wait", Long.toString(GRACEFUL_SHUTDOWN.toSeconds()));
        hz.setProperty("hazelcast.phone.home.enabled", "false");
        // Hazelcast's own metrics feed Management Center and JMX, neither of which Switchboard uses (its metrics are
        // Micrometer's). Collecting them walks every partition of every map every few seconds, and the registry has
        // two maps per tenant: with a few dozen tenants that was a tenth of a busy member's CPU. Per-map statistics
        // (counted on every operation) go for the same reason.
        hz.getMetricsConfig().setEnabled(false);
        hz.addMapConfig(new com.hazelcast.config.MapConfig("registry*").setStatisticsEnabled(false));
        hz.getNetworkConfig().setPort(port).setPortAutoIncrement(true).setPortCount(20);
        JoinConfig join = hz.getNetworkConfig().getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        return hz;
    }

    /** A loopback-only cluster (standalone, tests, a local multi-process cluster) binds and advertises 127.0.0.1 only. */
    private static void loopbackOnly(Config hz) {
        hz.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
        hz.setProperty("hazelcast.socket.bind.any", "false");
    }

    public static HazelcastInstance client(HazelcastConfig config) {
        checkAsyncPool();
        ClientConfig client = new ClientConfig();
        client.setClusterName(config.clusterName());
        io.switchboard.common.registry.RegistryProcessors.configure(client.getSerializationConfig());
        client.setProperty("hazelcast.logging.type", "slf4j");
        client.getMetricsConfig().setEnabled(false);
        client.setProperty("hazelcast.client.shutdownhook.enabled", "false");
        String dns = kubernetesDns(config);
        if (dns != null) {
            client.getNetworkConfig().getKubernetesConfig().setEnabled(true).setProperty("service-dns", dns);
        } else {
            client.getNetworkConfig().setAddresses(config.members());
        }
        client.getConnectionStrategyConfig().getConnectionRetryConfig().setClusterConnectTimeoutMillis(-1);
        return HazelcastClient.newHazelcastClient(client);
    }

    /** The service DNS name of {@code hazelcast.members=k8s-dns:NAME}, or null for a plain member list. */
    static String kubernetesDns(HazelcastConfig config) {
        String first = config.members().getFirst();
        return config.members().size() == 1 && first.startsWith("k8s-dns:") ? first.substring("k8s-dns:".length()) : null;
    }

    /** How long a stopping member may take to hand its partitions over (deploy/system.yaml's grace period counts it). */
    public static final java.time.Duration GRACEFUL_SHUTDOWN = java.time.Duration.ofSeconds(90);
    /** How long a member's pre-stop hook waits for the cluster to be safe to leave (the grace period counts it). */
    public static final java.time.Duration PRE_STOP_WAIT = java.time.Duration.ofSeconds(60);

    /**
     * Waits, off the event loop, until every partition of the cluster has its backups and no migration runs
     * ({@code isClusterSafe}), so that this member may leave without losing data: what a pre-stop hook waits for.
     * At once for a client, which holds no data. The answer says whether it became safe and how long that took; it
     * gives up after {@code max} (leaving then risks only what leaving at once would).
     */
    public static io.vertx.core.Future<java.util.Map<String, Object>> awaitSafeToLeave(io.vertx.core.Vertx vertx,
                                                                                       HazelcastInstance hz,
                                                                                       java.time.Duration max) {
        if (hz instanceof com.hazelcast.client.impl.clientside.HazelcastClientProxy) {
            return io.vertx.core.Future.succeededFuture(java.util.Map.of("member", false, "safe", true, "waitedMs", 0L));
        }
        return vertx.executeBlocking(() -> {
            long start = System.nanoTime();
            long deadline = start + max.toNanos();
            boolean safe;
            while (!(safe = hz.getPartitionService().isClusterSafe()) && System.nanoTime() < deadline) {
                java.util.concurrent.locks.LockSupport.parkNanos(java.util.concurrent.TimeUnit.MILLISECONDS.toNanos(200));
            }
            return java.util.Map.of("member", true, "safe", safe,
                    "waitedMs", java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        }, false);
    }

    /**
     * A readiness probe: the instance is running (and, for a client, connected to the cluster). Its details say
     * which cluster, how many members it sees and, on a member, whether every partition has its backups
     * ({@code safe}: false while data migrates after a member joined or left). Runs on a worker thread: asking a
     * member whether the cluster is safe is a call to the other members, slow while one of them is dying.
     */
    public static io.switchboard.common.observe.HealthCheck healthCheck(io.vertx.core.Vertx vertx, HazelcastInstance hz) {
        return io.switchboard.common.observe.HealthCheck.store("hazelcast", () -> vertx.executeBlocking(() -> details(hz), false));
    }

    private static java.util.Map<String, Object> details(HazelcastInstance hz) {
        if (!hz.getLifecycleService().isRunning()) {
            throw new IllegalStateException("the Hazelcast instance is not running");
        }
        java.util.Map<String, Object> details = new java.util.LinkedHashMap<>();
        if (hz instanceof com.hazelcast.client.impl.clientside.HazelcastClientProxy client) {
            if (!client.client.getConnectionManager().isAlive()) {
                throw new IllegalStateException("not connected to the Hazelcast cluster");
            }
            details.put("cluster", client.getClientConfig().getClusterName());
            details.put("mode", "client");
        } else {
            details.put("cluster", hz.getConfig().getClusterName());
            details.put("mode", "member");
            details.put("member", hz.getCluster().getLocalMember().getAddress().toString());
            details.put("safe", hz.getPartitionService().isClusterSafe());
        }
        details.put("members", hz.getCluster().getMembers().size());
        return details;
    }
}
