package io.switchboard.testsupport;

import io.switchboard.embedded.EmbeddedPostgresql;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real PostgreSQL server shared by every test in the JVM; each test that needs isolation asks for a fresh
 * database with {@link #newDatabase()}.
 */
public final class TestPostgres implements AutoCloseable {
    private static final AtomicInteger COUNTER = new AtomicInteger();
    private final EmbeddedPostgresql server;

    TestPostgres(Path dir) {
        this.server = EmbeddedPostgresql.start(dir.resolve("data"), 0);
    }

    public EmbeddedPostgresql server() {
        return server;
    }

    /** Creates an empty database and returns its JDBC URL. */
    public String newDatabase() {
        String name = "test_" + ProcessHandle.current().pid() + "_" + COUNTER.incrementAndGet();
        try (Connection c = DriverManager.getConnection(server.jdbcUrl("postgres"), server.user(), server.password());
             Statement s = c.createStatement()) {
            s.execute("create database " + name);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot create database " + name, e);
        }
        return server.jdbcUrl(name);
    }

    public String user() {
        return server.user();
    }

    public String password() {
        return server.password();
    }

    @Override
    public void close() {
        server.close();
    }
}
