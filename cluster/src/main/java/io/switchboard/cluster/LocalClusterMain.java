package io.switchboard.cluster;

import io.switchboard.common.auth.DevTokens;
import io.switchboard.common.auth.Role;
import io.switchboard.common.config.ConfigException;
import io.switchboard.common.config.LauncherOptions;
import io.switchboard.embedded.DataDirLock;
import io.switchboard.embedded.EmbeddedElasticsearch;
import io.switchboard.embedded.EmbeddedPostgresql;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/**
 * {@code ./switchboard cluster}: the "test" environment of deploy/system.yaml on this machine. PostgreSQL and an
 * Elasticsearch node run in (or under) this process, as standalone runs them; every service replica runs in a JVM
 * of its own, as it would in its container. Prints each process and its port, then the gateway's URL and tokens;
 * Ctrl-C (SIGTERM) stops the gateway, then query and routing, then the members, then the stores.
 */
public final class LocalClusterMain {
    private static final String DATABASE = "switchboard";
    private static final String TENANT = "dev";

    private LocalClusterMain() {
    }

    public static void main(String[] args) {
        LauncherOptions cli;
        try {
            cli = LauncherOptions.parse(args, "cluster");
        } catch (ConfigException e) {
            System.err.println("switchboard: " + e.getMessage());
            System.exit(2);
            return;
        }
        Path data = (cli.dataDir() == null ? Path.of("data-cluster") : cli.dataDir()).toAbsolutePath().normalize();
        int port = cli.port() == null ? 7700 : cli.port();
        PrintStream out = System.out;
        List<AutoCloseable> owned = java.util.Collections.synchronizedList(new ArrayList<>());
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (!owned.isEmpty()) {
                out.println("Stopping the cluster...");
                long stopping = System.nanoTime();
                closeAll(owned);
                out.printf("Stopped in %.1f s%n", (System.nanoTime() - stopping) / 1e9);
            }
        }, "cluster-shutdown"));
        try {
            DataDirLock lock = DataDirLock.acquire(data);
            owned.add(lock);
            out.println("Starting a Switchboard cluster (environment test of deploy/system.yaml; data in " + data + ")");
            long started = System.nanoTime();
            EmbeddedPostgresql postgres = EmbeddedPostgresql.start(data.resolve("postgres"), 0);
            owned.add(postgres);
            String jdbcUrl = postgres.ensureDatabase(DATABASE);
            out.printf("  %-13s up in %4.1f s   127.0.0.1:%d, data in %s%n", "postgresql", (System.nanoTime() - started) / 1e9,
                    postgres.port(), data.resolve("postgres"));
            long esStarted = System.nanoTime();
            EmbeddedElasticsearch elasticsearch = EmbeddedElasticsearch.start(data.resolve("elasticsearch"), "switchboard-cluster", 0);
            owned.add(elasticsearch);
            out.printf("  %-13s up in %4.1f s   %s, data in %s%n", "elasticsearch", (System.nanoTime() - esStarted) / 1e9,
                    elasticsearch.httpUrl(), data.resolve("elasticsearch"));
            String secret = secret(data);
            LocalCluster cluster = LocalCluster.start(SystemDefinition.load(),
                    new LocalCluster.Stores(jdbcUrl, postgres.user(), postgres.password(), elasticsearch.httpUrl()),
                    new LocalCluster.Options("test", lock.clusterName("switchboard-cluster"), secret,
                            port, "384m", data, Map.of()), out);
            owned.add(cluster);
            Instant now = Instant.now();
            out.printf("Switchboard cluster is running at %s (started in %.1f s)%n", cluster.gatewayUrl(),
                    (System.nanoTime() - started) / 1e9);
            out.println("  dashboard:       " + cluster.gatewayUrl() + "/");
            out.println("  logs:            " + data.resolve("logs") + "/<process>.log");
            out.println("  operator token (tenant " + TENANT + ", 24h): "
                    + DevTokens.issue(secret, TENANT, Role.OPERATOR, Duration.ofHours(24), now));
            out.println("  client token   (tenant " + TENANT + ", 24h): "
                    + DevTokens.issue(secret, TENANT, Role.CLIENT, Duration.ofHours(24), now));
            out.println("  more tokens:     SWITCHBOARD_AUTH_HS256_SECRET=$(cat " + data.resolve("auth.secret")
                    + ") ./switchboard token --tenant T --role operator");
            out.println("Stop with Ctrl-C (or SIGTERM). Type 'rollout' and Enter to replace every replica one at a time, "
                    + "as a rolling update of a new release does.");
            Thread.ofPlatform().daemon().name("cluster-commands").start(() -> commands(cluster, out));
        } catch (RuntimeException e) {
            System.err.println("switchboard: the cluster did not start: " + e.getMessage());
            closeAll(owned);
            System.exit(1);
        }
    }

    /** Commands typed while the cluster runs (none when standard input is closed). */
    private static void commands(LocalCluster cluster, PrintStream out) {
        try (java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(System.in))) {
            for (String line; (line = in.readLine()) != null; ) {
                switch (line.strip()) {
                    case "" -> { }
                    case "rollout" -> {
                        out.println("Rolling out: every replica replaced one at a time (discovery, then tracing, query, routing)");
                        long start = System.nanoTime();
                        try {
                            cluster.rollout(out);
                            out.printf("Rollout done in %.1f s%n", (System.nanoTime() - start) / 1e9);
                        } catch (RuntimeException e) {
                            out.println("Rollout stopped: " + e.getMessage());
                        }
                    }
                    default -> out.println("unknown command '" + line.strip() + "'; the one command is: rollout");
                }
            }
        } catch (IOException e) {
            // standard input went away: no more commands
        }
    }

    /**
     * The cluster's token secret: random, made on the first start and kept (readable by its owner only) in the data
     * directory, so that tokens stay valid across restarts and nobody else can sign them.
     */
    private static String secret(Path data) {
        Path file = data.resolve("auth.secret");
        try {
            if (!Files.exists(file)) {
                byte[] random = new byte[32];
                new SecureRandom().nextBytes(random);
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
                Files.writeString(file, HexFormat.of().formatHex(random));
            }
            return Files.readString(file).strip();
        } catch (IOException e) {
            throw new IllegalStateException("cannot keep the token secret in " + file + ": " + e.getMessage(), e);
        }
    }

    private static synchronized void closeAll(List<AutoCloseable> owned) {
        for (int i = owned.size() - 1; i >= 0; i--) {
            try {
                owned.get(i).close();
            } catch (Exception e) {
                System.err.println("switchboard: stopping " + owned.get(i) + " failed: " + e.getMessage());
            }
        }
        owned.clear();
    }
}
