package io.switchboard.standalone;

import com.hazelcast.core.HazelcastInstance;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.switchboard.common.auth.TokenVerifier;
import io.switchboard.common.config.HttpConfig;
import io.switchboard.common.hazelcast.HazelcastConnector;
import io.switchboard.common.observe.Metrics;
import io.switchboard.common.protocol.ProtocolLimits;
import io.switchboard.common.service.HttpHostVerticle;
import io.switchboard.common.service.WarmUp;
import io.switchboard.common.service.ServiceMain;
import io.switchboard.common.service.SwitchboardService;
import io.switchboard.discovery.DiscoveryConfig;
import io.switchboard.discovery.DiscoveryService;
import io.switchboard.common.config.ConfigSource;
import io.switchboard.embedded.DataDirLock;
import io.switchboard.embedded.EmbeddedElasticsearch;
import io.switchboard.embedded.EmbeddedPostgresql;
import io.switchboard.query.ElasticsearchConfig;
import io.switchboard.query.HistoryConfig;
import io.switchboard.query.HistoryStore;
import io.switchboard.query.QueryService;
import io.switchboard.routing.DatabaseConfig;
import io.switchboard.routing.RoutingConfig;
import io.switchboard.routing.RoutingDatabase;
import io.switchboard.routing.RoutingService;
import io.switchboard.tracing.TracingConfig;
import io.switchboard.tracing.TracingService;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Everything in one process: an embedded Hazelcast member, PostgreSQL and Elasticsearch under the data
 * directory, and the four services behind one HTTP port. Starts components in dependency order, printing one
 * line each, and stops them in reverse.
 */
final class StandaloneServer {
    private static final String DATABASE = "switchboard";

    private final StandaloneConfig config;
    private final PrintStream out;
    private final List<AutoCloseable> owned = new ArrayList<>();
    private boolean stopping;
    private Vertx vertx;
    private int port;

    StandaloneServer(StandaloneConfig config, PrintStream out) {
        this.config = config;
        this.out = out;
    }

    int port() {
        return port;
    }

    void start() throws Exception {
        Path data = config.dataDir();
        DataDirLock lock;
        try {
            lock = own(DataDirLock.acquire(data));
        } catch (IllegalStateException e) {
            throw new StartupException(e.getMessage());
        }
        checkPortFree(config.http());
        // A cluster of its own, named after the data directory: two standalones on one machine never meet.
        HazelcastInstance hazelcast = step("hazelcast", () -> HazelcastConnector.isolatedMember(lock.clusterName("switchboard-standalone"),
                config.hazelcastPort()), hz -> "member " + hz.getCluster().getLocalMember().getAddress()
                + ", cluster " + hz.getConfig().getClusterName());
        own(hazelcast::shutdown);
        EmbeddedPostgresql postgres = step("postgresql", () -> EmbeddedPostgresql.start(data.resolve("postgres"), 0),
                pg -> "127.0.0.1:" + pg.port() + ", data in " + data.resolve("postgres"));
        own(postgres);
        String jdbcUrl = postgres.ensureDatabase(DATABASE);
        EmbeddedElasticsearch elasticsearch = step("elasticsearch",
                () -> EmbeddedElasticsearch.start(data.resolve("elasticsearch"), "switchboard-standalone", 0),
                es -> es.httpUrl() + ", data in " + data.resolve("elasticsearch"));
        own(elasticsearch);

        long started = System.nanoTime();
        PrometheusMeterRegistry registry = Metrics.registry("switchboard-standalone");
        vertx = Metrics.vertx(registry);
        TokenVerifier verifier = config.auth().verifier(Clock.systemUTC());
        RoutingDatabase database = new RoutingDatabase(vertx,
                new DatabaseConfig(jdbcUrl, postgres.user(), postgres.password(), 8), registry);
        own(database);
        HistoryStore history = new HistoryStore(vertx,
                new ElasticsearchConfig(List.of(URI.create(elasticsearch.httpUrl())), null, null));
        own(history);
        // Owned after the store clients, so closed before them: the services (routing's outcome counting, the
        // history indexer) stop while their stores are still open.
        own(() -> ServiceMain.shutdown(vertx).await(20, TimeUnit.SECONDS));
        ProtocolLimits ws = config.ws();
        TracingConfig tracing = TracingConfig.from(serviceDefaults("tracing.properties"));
        List<SwitchboardService> services = List.of(
                new DiscoveryService(vertx, ws, DiscoveryConfig.from(serviceDefaults("discovery.properties")),
                        hazelcast, verifier, registry),
                new TracingService(vertx, ws, tracing, hazelcast, verifier, registry),
                new QueryService(vertx, history, hazelcast, historyConfig(tracing), verifier, registry),
                new RoutingService(vertx, database, hazelcast, verifier,
                        RoutingConfig.from(serviceDefaults("routing.properties")), registry));
        HttpHostVerticle host = new HttpHostVerticle(config.http(), ws, services, List.of(), registry, config.warmUp());
        try {
            vertx.deployVerticle(host).await(2, TimeUnit.MINUTES);
        } catch (Exception e) {
            if (isBindFailure(e)) {
                throw portInUse(config.http());
            }
            throw e;
        }
        port = host.actualPort();
        line("services", started, "discovery, tracing, query, routing on port " + port);
        if (config.warmUp().enabled()) {
            // The URL is printed once this is done: until then /ready answers 503.
            long warming = System.nanoTime();
            WarmUp.Report report = host.warmedUp().await(config.warmUp().maxDuration().toMillis() + 60_000,
                    TimeUnit.MILLISECONDS);
            line("warm-up", warming, report.describe());
        }
    }

    /**
     * The query service's indexer.* and history.* settings (SWITCHBOARD_INDEXER_ENABLED=false, say, to measure
     * ingest alone), with the rings the tracing service has and no index replicas, since there is one node.
     */
    private static HistoryConfig historyConfig(TracingConfig tracing) {
        HistoryConfig q = HistoryConfig.from(serviceDefaults("query.properties"));
        return new HistoryConfig(q.indexerEnabled(), q.batchSize(), q.maxBulkBytes(),
                tracing.bufferShards(), 0, q.retention(), q.maxPageBytes(), q.maxTraceBytes());
    }

    /**
     * A service's own settings (discovery.*, tracing.*) for standalone: its defaults and the environment. Not the
     * file named by SWITCHBOARD_CONFIG_FILE, which in standalone mode holds standalone.properties keys.
     */
    private static ConfigSource serviceDefaults(String resource) {
        return ConfigSource.load(resource, null, System.getenv());
    }

    /** Stops everything in reverse order of starting; safe to call more than once, and during start(). */
    synchronized void stop() {
        stopping = true;
        ServiceMain.closeAll(owned);
    }

    /** Takes ownership of a started component; if stop() came first, closes it at once and aborts start-up. */
    private synchronized <T extends AutoCloseable> T own(T component) {
        if (stopping) {
            ServiceMain.closeAll(new ArrayList<>(List.of(component)));
            throw new StartupException("stopped during start-up");
        }
        owned.add(component);
        return component;
    }

    /** True if nothing is running (never started, or stopped). */
    synchronized boolean isIdle() {
        return owned.isEmpty();
    }

    private <T> T step(String name, Supplier<T> start, java.util.function.Function<T, String> detail) {
        long started = System.nanoTime();
        T component = start.get();
        line(name, started, detail.apply(component));
        return component;
    }

    private void line(String name, long startedNanos, String detail) {
        double seconds = (System.nanoTime() - startedNanos) / 1e9;
        out.printf("  %-14s up in %4.1f s   %s%n", name, seconds, detail);
    }

    /** Fails fast, before the stores spend seconds starting, if the port is taken. */
    private static void checkPortFree(HttpConfig http) {
        if (http.port() == 0) {
            return;
        }
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getByName(http.host()), http.port()));
        } catch (IOException e) {
            throw portInUse(http);
        }
    }

    private static StartupException portInUse(HttpConfig http) {
        return new StartupException("port " + http.port() + " on " + http.host() + " is already in use; stop what "
                + "holds it (is Switchboard already running?) or start with --port N");
    }

    private static boolean isBindFailure(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof java.net.BindException) {
                return true;
            }
        }
        return false;
    }
}
