package io.switchboard.query;

import co.elastic.clients.elasticsearch.ElasticsearchAsyncClient;
import co.elastic.clients.json.jackson.JacksonJsonpMapper;
import co.elastic.clients.transport.rest5_client.Rest5ClientTransport;
import co.elastic.clients.transport.rest5_client.low_level.Rest5Client;
import co.elastic.clients.transport.rest5_client.low_level.Rest5ClientBuilder;
import io.switchboard.common.codec.Json;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.apache.hc.core5.http.Header;
import org.apache.hc.core5.http.message.BasicHeader;

/**
 * The connection to Elasticsearch that holds event history. Calls are asynchronous (the client's own I/O
 * threads) and come back as Vert.x futures on the caller's context.
 */
public final class HistoryStore implements AutoCloseable {
    private final Vertx vertx;
    private final Rest5Client rest;
    private final ElasticsearchAsyncClient client;

    public HistoryStore(Vertx vertx, ElasticsearchConfig config) {
        this.vertx = vertx;
        Rest5ClientBuilder builder = Rest5Client.builder(config.urls());
        if (config.username() != null) {
            String basic = Base64.getEncoder().encodeToString(
                    (config.username() + ":" + (config.password() == null ? "" : config.password()))
                            .getBytes(StandardCharsets.UTF_8));
            builder.setDefaultHeaders(new Header[] {new BasicHeader("Authorization", "Basic " + basic)});
        }
        this.rest = builder.build();
        this.client = new ElasticsearchAsyncClient(new Rest5ClientTransport(rest, new JacksonJsonpMapper(Json.MAPPER)));
    }

    public ElasticsearchAsyncClient client() {
        return client;
    }

    /** Succeeds if the cluster answers; fails with a message saying where it looked. */
    public Future<Void> ping() {
        return Future.fromCompletionStage(client.ping(), vertx.getOrCreateContext()).compose(r -> r.value()
                ? Future.succeededFuture()
                : Future.failedFuture("Elasticsearch did not answer the ping"));
    }

    /** Installs (or updates) the composable index template of the daily history indices. */
    public Future<Void> installTemplate(int replicas) {
        String json = io.switchboard.query.internal.EventDocuments.template(replicas);
        return Future.fromCompletionStage(client.indices().putIndexTemplate(t -> t.name("switchboard-events")
                .withJson(new java.io.StringReader(json))), vertx.getOrCreateContext()).mapEmpty();
    }

    /** Deletes whole daily indices of days before {@code cutoff}; returns their names. */
    public Future<java.util.List<String>> deleteIndicesBefore(java.time.LocalDate cutoff) {
        var indices = Future.fromCompletionStage(client.indices().get(g -> g
                .index(io.switchboard.query.internal.EventDocuments.INDEX_PATTERN)), vertx.getOrCreateContext());
        return indices.compose(response -> {
            java.util.List<String> old = response.indices().keySet().stream().filter(name -> {
                java.time.LocalDate day = io.switchboard.query.internal.EventDocuments.day(name);
                return day != null && day.isBefore(cutoff);
            }).sorted().toList();
            if (old.isEmpty()) {
                return Future.succeededFuture(old);
            }
            return Future.fromCompletionStage(client.indices().delete(d -> d.index(old)), vertx.getOrCreateContext())
                    .map(v -> old);
        });
    }

    @Override
    public void close() throws IOException {
        rest.close();
    }
}
