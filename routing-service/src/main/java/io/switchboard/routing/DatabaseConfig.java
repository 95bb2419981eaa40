package io.switchboard.routing;

import io.switchboard.common.config.ConfigSource;

/**
 * The PostgreSQL database of routing strategies and reputation.
 *
 * @param poolSize the most connections held open at once
 */
public record DatabaseConfig(String url, String user, String password, int poolSize) {
    public static DatabaseConfig from(ConfigSource c) {
        String url = c.nonEmpty("db.url");
        if (!url.startsWith("jdbc:postgresql://")) {
            throw c.bad("db.url", url, "a PostgreSQL JDBC URL such as jdbc:postgresql://host:5432/switchboard");
        }
        return new DatabaseConfig(url, c.nonEmpty("db.user"), c.string("db.password"), c.integer("db.pool-size", 1, 200));
    }

    @Override
    public String toString() {
        return "DatabaseConfig[url=" + url + ", user=" + user + ", poolSize=" + poolSize + "]";
    }
}
