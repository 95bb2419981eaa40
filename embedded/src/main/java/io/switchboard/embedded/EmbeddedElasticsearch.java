package io.switchboard.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.elasticsearch.common.logging.LogConfigurator;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.common.transport.TransportAddress;
import org.elasticsearch.env.Environment;
import org.elasticsearch.http.HttpServerTransport;
import org.elasticsearch.node.ClasspathNode;
import org.elasticsearch.node.InternalSettingsPreparer;
import org.elasticsearch.node.Node;
import org.elasticsearch.transport.netty4.Netty4Plugin;

/**
 * A real single-node Elasticsearch 9 running inside this JVM, serving its REST API on 127.0.0.1.
 *
 * <p>Used by standalone mode and by tests; production talks to a real cluster through the same client code.
 * Data persists across restarts with the same home directory. See docs/architecture.md for what is missing
 * compared with a full distribution (modules that are not on Maven Central).
 */
public final class EmbeddedElasticsearch implements AutoCloseable {
    private static boolean loggingConfigured;
    /** Held so that the level sticks (JUL keeps loggers weakly): Lucene's notice that the optional vector API is off. */
    private static final java.util.logging.Logger LUCENE_VECTORS =
            java.util.logging.Logger.getLogger("org.apache.lucene.internal.vectorization");

    private final Node node;
    private final int httpPort;

    private EmbeddedElasticsearch(Node node, int httpPort) {
        this.node = node;
        this.httpPort = httpPort;
    }

    /**
     * Starts a node whose data, logs and config live under {@code home}.
     *
     * @param port the HTTP port, or 0 for any free one
     */
    public static EmbeddedElasticsearch start(Path home, String clusterName, int port) {
        return start(home, clusterName, port, Map.of());
    }

    /** As {@link #start(Path, String, int)}, with more node settings (such as http.max_content_length, for tests). */
    public static EmbeddedElasticsearch start(Path home, String clusterName, int port, Map<String, String> extra) {
        try {
            Files.createDirectories(home.resolve("config"));
            Files.createDirectories(home.resolve("data"));
            Files.createDirectories(home.resolve("logs"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create Elasticsearch directories under " + home, e);
        }
        Settings settings = Settings.builder()
                .put("cluster.name", clusterName)
                .put("node.name", "switchboard-embedded")
                .put("path.home", home.toAbsolutePath().toString())
                .put("path.data", home.resolve("data").toAbsolutePath().toString())
                .put("path.logs", home.resolve("logs").toAbsolutePath().toString())
                .put("discovery.type", "single-node")
                .put("network.host", "127.0.0.1")
                .put("http.port", port)
                .put("transport.port", 0)
                .put("transport.type", "netty4")
                .put("http.type", "netty4")
                .put("cluster.routing.allocation.disk.threshold_enabled", false)
                // Security, ML and the rest of x-pack are not part of the embeddable server jar.
                .put("action.auto_create_index", true)
                .put(Settings.builder().loadFromMap(extra).build())
                .build();
        configureLogging(home);
        Environment env = InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), null, () -> "switchboard-embedded");
        Node node = new ClasspathNode(env, List.of(Netty4Plugin.class, RootInfoPlugin.class));
        try {
            node.start();
        } catch (Exception e) {
            closeQuietly(node);
            throw new IllegalStateException("Elasticsearch did not start under " + home + ": " + e.getMessage(), e);
        }
        TransportAddress bound = node.injector().getInstance(HttpServerTransport.class).boundAddress().publishAddress();
        return new EmbeddedElasticsearch(node, bound.getPort());
    }

    private static synchronized void configureLogging(Path home) {
        if (loggingConfigured) {
            return;
        }
        // Native helpers (zstd, memory locking) are looked up under this path; without it Elasticsearch logs a
        // stack trace and falls back to Java code. With it, the system's libraries are used where present.
        if (System.getProperty("es.nativelibs.path") == null) {
            System.setProperty("es.nativelibs.path", nativeLibraries(home).toString());
        }
        System.setProperty("log4j.shutdownHookEnabled", "false");
        System.setProperty("log4j2.disable.jmx", "true");
        System.setProperty("es.set.netty.runtime.available.processors", "false");
        // libvec (native vector code) is not on Maven Central; Lucene's Java code is used instead.
        System.setProperty("org.elasticsearch.nativeaccess.enableVectorLibrary", "false");
        LUCENE_VECTORS.setLevel(java.util.logging.Level.SEVERE);
        LogConfigurator.configureESLogging();
        LogConfigurator.configureWithoutConfig(Settings.builder().put("logger.level", "WARN").build());
        loggingConfigured = true;
    }

    /**
     * A directory where Elasticsearch finds the system's zstd under the name it looks for (libzstd.so), so that
     * best_compression works without the -dev package. Without zstd it falls back to Java code and logs a warning.
     */
    private static Path nativeLibraries(Path home) {
        Path dir = home.toAbsolutePath().resolve("native");
        try {
            Files.createDirectories(dir);
            Path link = dir.resolve("libzstd.so");
            for (String candidate : List.of("/usr/lib/x86_64-linux-gnu/libzstd.so.1", "/usr/lib/aarch64-linux-gnu/libzstd.so.1",
                    "/usr/lib64/libzstd.so.1", "/usr/lib/libzstd.so.1")) {
                Path lib = Path.of(candidate);
                if (Files.exists(lib) && !Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    Files.createSymbolicLink(link, lib);
                    break;
                }
            }
        } catch (IOException e) {
            // Only an optimisation: Elasticsearch works without it.
        }
        return dir;
    }

    public int httpPort() {
        return httpPort;
    }

    public String httpUrl() {
        return "http://127.0.0.1:" + httpPort;
    }

    @Override
    public void close() {
        closeQuietly(node);
    }

    private static void closeQuietly(Node node) {
        try {
            node.close();
            node.awaitClose(30, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
