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

    public static HazelcastInstance member(HazelcastConfig config) {
        checkAsyncPool();
        Config hz = new Config();
        hz.setClusterName(config.clusterName());
        hz.setProperty("hazelcast.logging.type", "slf4j");
        hz.setProperty("hazelcast.shutdownhook.enabled", "false");
        hz.setProperty("hazelcast.phone.home.enabled", "false");
        hz.getNetworkConfig().setPort(config.port()).setPortAutoIncrement(true).setPortCount(20);
        JoinConfig join = hz.getNetworkConfig().getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        String dns = kubernetesDns(config);
        if (dns != null) {
            // In Kubernetes: members find each other by the DNS name of a headless service (deploy/k8s/base).
            join.getKubernetesConfig().setEnabled(true).setProperty("service-dns", dns);
        } else {
            join.getTcpIpConfig().setEnabled(true).setMembers(config.members());
        }
        if (config.members().stream().allMatch(m -> m.startsWith("127.0.0.1") || m.startsWith("localhost"))) {
            // A loopback-only cluster (standalone, tests) must not bind or advertise other interfaces.
            hz.getNetworkConfig().getInterfaces().setEnabled(true).addInterface("127.0.0.1");
            hz.setProperty("hazelcast.socket.bind.any", "false");
        }
        return Hazelcast.newHazelcastInstance(hz);
    }

    public static HazelcastInstance client(HazelcastConfig config) {
        checkAsyncPool();
        ClientConfig client = new ClientConfig();
        client.setClusterName(config.clusterName());
        client.setProperty("hazelcast.logging.type", "slf4j");
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

    /** A readiness probe: the instance is running (and, for a client, connected to the cluster). */
    public static io.switchboard.common.observe.HealthCheck healthCheck(HazelcastInstance hz) {
        return io.switchboard.common.observe.HealthCheck.store("hazelcast", () -> {
            if (!hz.getLifecycleService().isRunning()) {
                return io.vertx.core.Future.failedFuture("the Hazelcast instance is not running");
            }
            if (hz instanceof com.hazelcast.client.impl.clientside.HazelcastClientProxy client
                    && !client.client.getConnectionManager().isAlive()) {
                return io.vertx.core.Future.failedFuture("not connected to the Hazelcast cluster");
            }
            return io.vertx.core.Future.succeededFuture();
        });
    }
}
