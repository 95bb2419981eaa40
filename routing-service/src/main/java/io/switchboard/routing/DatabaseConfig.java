package io.switchboard.routing;

import io.switchboard.common.config.ConfigSource;

/**
 * The PostgreSQL database of routing strategies and reputation.
 *
 * @param poolSize         the most connections held open at once
 * @param statementTimeout how long the database may work on one statement before it cancels it
 * @param socketTimeout    how long a call may wait for the database to answer at all (a hung server, a lost network)
 */
public record DatabaseConfig(String url, String user, String password, int poolSize, java.time.Duration statementTimeout,
                             java.time.Duration socketTimeout) {

    /** With the default timeouts (10 s a statement, 30 s without an answer). */
    public DatabaseConfig(String url, String user, String password, int poolSize) {
        this(url, user, password, poolSize, java.time.Duration.ofSeconds(10), java.time.Duration.ofSeconds(30));
    }
    public static DatabaseConfig from(ConfigSource c) {
        String url = c.nonEmpty("db.url");
        if (!url.startsWith("jdbc:postgresql://")) {
            throw c.bad("db.url", url, "a PostgreSQL JDBC URL such as jdbc:postgresql://host:5432/switchboard");
        }
        return new DatabaseConfig(url, c.nonEmpty("db.user"), c.string("db.password"), c.integer("db.pool-size", 1, 200),
                c.duration("db.statement-timeout", java.time.Duration.ofMillis(100), java.time.Duration.ofHours(1)),
                c.duration("db.socket-timeout", java.time.Duration.ofSeconds(1), java.time.Duration.ofHours(1)));
    }

    @Override
    public String toString() {
        return "DatabaseConfig[url=" + url + ", user=" + user + ", poolSize=" + poolSize + ", statementTimeout="
                + statementTimeout + ", socketTimeout=" + socketTimeout + "]";
    }
}
