package io.switchboard.query;

import com.hazelcast.core.HazelcastInstance;
import io.switchboard.common.config.ServiceConfig;
import io.switchboard.common.hazelcast.HazelcastConnector;
import io.switchboard.common.service.ServiceMain;
import java.time.Clock;

/** Runs the query service alone, against the Elasticsearch and Hazelcast clusters its configuration names (query.properties). */
public final class QueryMain {
    private QueryMain() {
    }

    public static void main(String[] args) {
        ServiceMain.run("query", "query.properties", (vertx, source, registry, owned) -> {
            ServiceConfig config = ServiceConfig.from(source);
            HistoryConfig historyConfig = HistoryConfig.from(source);
            HistoryStore history = new HistoryStore(vertx, ElasticsearchConfig.from(source));
            owned.add(history);
            HazelcastInstance hazelcast = HazelcastConnector.start(config.hazelcast());
            owned.add(hazelcast::shutdown);
            return new QueryService(vertx, history, hazelcast, historyConfig, config.auth().verifier(Clock.systemUTC()), registry);
        });
    }
}
