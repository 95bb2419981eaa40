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
 * every call goes through {@link #blocking} onto a worker thread, never an event loop.
 */
public final class RoutingDatabase implements AutoCloseable {
    private final Vertx vertx;
    private final HikariDataSource pool;

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
        this.pool = new HikariDataSource(hikari);
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
        return vertx.executeBlocking(() -> {
            try (Connection c = pool.getConnection()) {
                return work.run(c);
            }
        }, false);
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
        pool.close();
    }

    /** JDBC work on one pooled connection. */
    @FunctionalInterface
    public interface JdbcWork<T> {
        T run(Connection connection) throws Exception;
    }
}
