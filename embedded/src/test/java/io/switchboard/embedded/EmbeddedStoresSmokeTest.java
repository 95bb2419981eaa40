package io.switchboard.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedStoresSmokeTest {
    @TempDir
    Path dir;

    @Test
    void elasticsearchAnswersRoot() throws Exception {
        try (EmbeddedElasticsearch es = EmbeddedElasticsearch.start(dir.resolve("es"), "smoke", 0)) {
            HttpResponse<String> r = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create(es.httpUrl() + "/")).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("\"number\":\"9.5.3\"");
        }
    }

    @Test
    void postgresKeepsDataAcrossRestarts() throws Exception {
        Path data = dir.resolve("pg");
        try (EmbeddedPostgresql pg = EmbeddedPostgresql.start(data, 0);
             Connection c = DriverManager.getConnection(pg.jdbcUrl("postgres"), pg.user(), pg.password())) {
            c.createStatement().execute("create table kept(v int); insert into kept values (42)");
        }
        try (EmbeddedPostgresql pg = EmbeddedPostgresql.start(data, 0);
             Connection c = DriverManager.getConnection(pg.jdbcUrl("postgres"), pg.user(), pg.password());
             ResultSet rs = c.createStatement().executeQuery("select v from kept")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).isEqualTo(42);
        }
    }
}
