package io.switchboard.query;

import io.switchboard.common.config.ServiceConfig;
import io.switchboard.common.service.ServiceMain;
import java.time.Clock;

/** Runs the query service alone, against the Elasticsearch cluster its configuration names (query.properties). */
public final class QueryMain {
    private QueryMain() {
    }

    public static void main(String[] args) {
        ServiceMain.run("query", "query.properties", (vertx, source, registry, owned) -> {
            ServiceConfig config = ServiceConfig.from(source);
            HistoryStore history = new HistoryStore(vertx, ElasticsearchConfig.from(source));
            owned.add(history);
            return new QueryService(vertx, history, config.auth().verifier(Clock.systemUTC()));
        });
    }
}
