package io.switchboard.standalone;

import io.switchboard.common.auth.DevTokens;
import io.switchboard.common.auth.Role;
import io.switchboard.common.config.AuthConfig;
import io.switchboard.common.config.ConfigException;
import io.switchboard.common.config.ConfigSource;
import io.switchboard.common.config.LauncherOptions;
import java.io.PrintStream;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** {@code ./switchboard standalone}: runs the whole control plane in this process until SIGTERM or Ctrl-C. */
public final class Standalone {
    private static final Logger LOG = LoggerFactory.getLogger(Standalone.class);

    private Standalone() {
    }

    /** What a started standalone offers its caller (the demo): the URL and the dev tokens, if any. */
    record Started(String url, String operatorToken, String clientToken) {
    }

    public static void main(String[] args) {
        launch(args, System.out);
        System.out.println("Stop with Ctrl-C (or SIGTERM).");
        System.out.flush();
    }

    /** Starts everything and prints where it runs; exits the JVM with a one-line error if it cannot start. */
    static Started launch(String[] args, PrintStream out) {
        StandaloneConfig config;
        try {
            config = StandaloneConfig.from(ConfigSource.fromEnvironment("standalone.properties"),
                    LauncherOptions.parse(args, "standalone"));
        } catch (ConfigException | StartupException e) {
            System.err.println("switchboard: " + e.getMessage());
            System.exit(2);
            return null;
        }
        out.println("Starting Switchboard standalone (data in " + config.dataDir() + ")");
        long started = System.nanoTime();
        StandaloneServer server = new StandaloneServer(config, out);
        // Registered before starting, so that Ctrl-C during start-up also stops what already runs (PostgreSQL).
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            if (server.isIdle()) {
                return;
            }
            long stopping = System.nanoTime();
            out.println("Stopping Switchboard...");
            server.stop();
            out.printf("Stopped in %.1f s%n", (System.nanoTime() - stopping) / 1e9);
        }, "switchboard-shutdown"));
        try {
            server.start();
        } catch (StartupException e) {
            server.stop();
            System.err.println("switchboard: " + e.getMessage());
            System.exit(2);
            return null;
        } catch (Exception e) {
            LOG.error("standalone failed to start", e);
            server.stop();
            System.err.println("switchboard: failed to start: " + e.getMessage() + " (details above)");
            System.exit(1);
            return null;
        }
        String host = "0.0.0.0".equals(config.http().host()) ? "127.0.0.1" : config.http().host();
        String url = "http://" + host + ":" + server.port();
        out.printf("Switchboard is running at %s (started in %.1f s)%n", url, (System.nanoTime() - started) / 1e9);
        out.println("  health:          " + url + "/health");
        out.println("  discovery:       " + url.replace("http", "ws") + "/v1/discovery");
        out.println("  tracing:         " + url.replace("http", "ws") + "/v1/tracing");
        out.println("  dashboard:       " + url + "/");
        String operator = null;
        String client = null;
        if (config.auth().mode() == AuthConfig.Mode.HS256) {
            Instant now = Instant.now();
            String ttl = config.devTokenTtl().toHours() + "h";
            operator = DevTokens.issue(config.auth().hs256Secret(), config.devTenant(), Role.OPERATOR, config.devTokenTtl(), now);
            client = DevTokens.issue(config.auth().hs256Secret(), config.devTenant(), Role.CLIENT, config.devTokenTtl(), now);
            out.println("  operator token (tenant " + config.devTenant() + ", " + ttl + "): " + operator);
            out.println("  client token   (tenant " + config.devTenant() + ", " + ttl + "): " + client);
        }
        return new Started(url, operator, client);
    }
}
