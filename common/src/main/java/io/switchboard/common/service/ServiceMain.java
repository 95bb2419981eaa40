package io.switchboard.common.service;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.switchboard.common.config.ConfigException;
import io.switchboard.common.config.ConfigSource;
import io.switchboard.common.config.HttpConfig;
import io.switchboard.common.observe.Metrics;
import io.switchboard.common.protocol.ProtocolLimits;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shared body of each service's own {@code main}: read the configuration, build the service and the store
 * connections it needs, serve it on its port, and stop it in order on SIGTERM. A bad configuration value stops
 * start-up with one line naming the key.
 */
public final class ServiceMain {
    /** Taken when first needed, so that {@link #run} can choose the logging configuration before Log4j starts. */
    private static Logger log() {
        return LoggerFactory.getLogger(ServiceMain.class);
    }

    /** Builds a service and the connections it owns, which are closed after it stops (last opened, first closed). */
    public interface Assembler {
        SwitchboardService assemble(Vertx vertx, ConfigSource config, PrometheusMeterRegistry registry,
                                    List<AutoCloseable> owned) throws Exception;
    }

    private ServiceMain() {
    }

    public static void run(String name, String defaultsResource, Assembler assembler) {
        // A service run on its own logs by common's configuration (INFO of Switchboard to stdout), not by Log4j's
        // default (errors only), unless the operator named another. Nothing has logged yet in this JVM.
        if (System.getProperty("log4j2.configurationFile") == null) {
            System.setProperty("log4j2.configurationFile", "switchboard-service-log4j2.xml");
        }
        ConfigSource config;
        HttpConfig http;
        ProtocolLimits limits;
        WarmUp.Config warmUp;
        try {
            config = ConfigSource.fromEnvironment(defaultsResource);
            http = HttpConfig.from(config);
            limits = ProtocolLimits.from(config);
            warmUp = WarmUp.Config.from(config);
        } catch (ConfigException e) {
            System.err.println(name + ": " + e.getMessage());
            System.exit(2);
            return;
        }
        PrometheusMeterRegistry registry = Metrics.registry("switchboard-" + name);
        Vertx vertx = Metrics.vertx(registry);
        List<AutoCloseable> owned = new ArrayList<>();
        HttpHostVerticle host;
        try {
            SwitchboardService service = assembler.assemble(vertx, config, registry, owned);
            host = new HttpHostVerticle(http, limits, List.of(service), List.of(), registry, warmUp);
            vertx.deployVerticle(host).await(2, TimeUnit.MINUTES);
        } catch (ConfigException e) {
            System.err.println(name + ": " + e.getMessage());
            closeAll(owned);
            vertx.close();
            System.exit(2);
            return;
        } catch (Exception e) {
            log().error("{} failed to start", name, e);
            closeAll(owned);
            vertx.close();
            System.exit(1);
            return;
        }
        log().info("{} listening on {}:{}{}", name, http.host(), host.actualPort(),
                host.managementPort() < 0 ? "" : ", /metrics on port " + host.managementPort());
        if (warmUp.enabled()) {
            long started = System.nanoTime();
            host.warmedUp().onSuccess(report -> log().info("{} ready: warm-up done in {} s, {}", name,
                    String.format("%.1f", (System.nanoTime() - started) / 1e9), report.describe()));
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            log().info("{} stopping", name);
            try {
                shutdown(vertx).await(20, TimeUnit.SECONDS);
            } catch (Exception e) {
                log().warn("{}: Vert.x did not close cleanly: {}", name, e.getMessage());
            }
            closeAll(owned);
        }, name + "-shutdown"));
    }

    /**
     * Undeploys every verticle (so that services can say goodbye to their clients, 1001) and then closes Vert.x.
     * Closing Vert.x alone would close the servers before the verticles' stop() runs.
     */
    public static io.vertx.core.Future<Void> shutdown(Vertx vertx) {
        var undeployed = vertx.deploymentIDs().stream().map(vertx::undeploy).toList();
        return io.vertx.core.Future.join(undeployed).eventually(vertx::close).mapEmpty();
    }

    /** Closes in reverse order of opening, logging and carrying on past failures. */
    public static void closeAll(List<AutoCloseable> owned) {
        for (int i = owned.size() - 1; i >= 0; i--) {
            try {
                owned.get(i).close();
            } catch (Exception e) {
                log().warn("closing {} failed: {}", owned.get(i), e.getMessage());
            }
        }
        owned.clear();
    }
}
