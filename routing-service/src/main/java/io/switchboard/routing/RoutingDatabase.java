package io.switchboard.routing;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.sql.Connection;
import java.sql.Statement;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * The connection pool to PostgreSQL and the schema migrations (src/main/resources/db/migration). JDBC blocks, so
 * every call goes through {@link #blocking} onto a worker thread, never an event loop: a pool of threads of its own,
 * as large as the connection pool, so that a hung database ties up these threads only, never the shared workers
 * that authentication (JWKS) and the other stores need. Every statement and every wait for an answer has a timeout
 * (db.statement-timeout, db.socket-timeout), after which the call fails and the caller gets a 503.
 */
public final class RoutingDatabase implements AutoCloseable {
    private final Vertx vertx;
    private final HikariDataSource pool;
    private final io.vertx.core.WorkerExecutor workers;
    /** Calls running or waiting for a database thread; beyond {@link #maxWaiting} a call fails at once. */
    private final java.util.concurrent.atomic.AtomicInteger waiting = new java.util.concurrent.atomic.AtomicInteger();
    private final int maxWaiting;

    public RoutingDatabase(Vertx vertx, DatabaseConfig config, MeterRegistry registry) {
        this.vertx = vertx;
        HikariConfig hikari = new HikariConfig();
        hikari.setPoolName("routing-db");
        hikari.setJdbcUrl(config.url());
        hikari.setUsername(config.user());
        hikari.setPassword(config.password());
        hikari.setMaximumPoolSize(config.poolSize());
        hikari.setMinimumIdle(1);
        hikari.setConnectionTimeout(5_000);
        // Start even if the database is down: readiness reports it, and the pool reconnects when it is back.
        hikari.setInitializationFailTimeout(-1);
        hikari.setMetricRegistry(registry);
        // Lets the driver send a batch of inserts as one multi-row statement.
        hikari.addDataSourceProperty("reWriteBatchedInserts", "true");
        hikari.addDataSourceProperty("socketTimeout", Long.toString(Math.max(1, config.socketTimeout().toSeconds())));
        hikari.addDataSourceProperty("connectTimeout", "5");
        hikari.addDataSourceProperty("options", "-c statement_timeout=" + config.statementTimeout().toMillis());
        this.pool = new HikariDataSource(hikari);
        this.workers = vertx.createSharedWorkerExecutor("routing-db", config.poolSize());
        this.maxWaiting = config.poolSize() * 3;
    }

    public DataSource dataSource() {
        return pool;
    }

    /** Brings the schema up to date; blocking, so call it from a worker or before serving. */
    public void migrate() {
        Flyway.configure()
                .dataSource(pool)
                .locations("classpath:db/migration")
                .load()
                .migrate();
    }

    /** Runs JDBC work on a worker thread. */
    public <T> Future<T> blocking(JdbcWork<T> work) {
        // A hung database holds every database thread for a socket timeout: calls beyond a few per thread would only
        // wait longer for the same failure, so they fail now (503) and the caller retries.
        if (waiting.incrementAndGet() > maxWaiting) {
            waiting.decrementAndGet();
            return Future.failedFuture(new java.sql.SQLTransientConnectionException(
                    "PostgreSQL is not keeping up (" + maxWaiting + " calls already wait for it)"));
        }
        return workers.executeBlocking(() -> {
            try (Connection c = pool.getConnection()) {
                return work.run(c);
            }
        }, false).andThen(ar -> waiting.decrementAndGet());
    }

    public Future<Void> ping() {
        return blocking(c -> {
            try (Statement s = c.createStatement()) {
                s.execute("select 1");
            }
            return null;
        });
    }

    @Override
    public void close() {
        workers.close();
        pool.close();
    }

    /** JDBC work on one pooled connection. */
    @FunctionalInterface
    public interface JdbcWork<T> {
        T run(Connection connection) throws Exception;
    }
}
