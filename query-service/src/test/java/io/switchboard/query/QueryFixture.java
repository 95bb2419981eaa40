package io.switchboard.query;

import io.switchboard.common.model.TraceItem;
import io.switchboard.query.internal.EventDocuments;
import io.switchboard.testsupport.ServiceHarness;
import io.switchboard.testsupport.TestElasticsearch;
import io.switchboard.testsupport.Tokens;
import io.switchboard.testsupport.WsTestClient;
import java.net.URI;
import java.util.List;

/**
 * The query service on a real Elasticsearch node holding the given items, stored as the indexer stores them (index
 * template, daily indices, document ids) and refreshed, so that a test can query them at once.
 */
final class QueryFixture implements AutoCloseable {
    final ServiceHarness harness = new ServiceHarness();
    final HistoryStore store;

    QueryFixture(TestElasticsearch es, List<? extends TraceItem> items) throws Exception {
        this(es, items, HistoryConfig.DEFAULT);
    }

    QueryFixture(TestElasticsearch es, List<? extends TraceItem> items, HistoryConfig config) throws Exception {
        store = new HistoryStore(harness.vertx(), new ElasticsearchConfig(List.of(URI.create(es.url())), null, null));
        WsTestClient.await(store.installTemplate(0));
        for (TraceItem item : items) {
            store.client().index(i -> i.index(EventDocuments.index(item)).id(EventDocuments.id(item))
                    .document(EventDocuments.document(item))).get();
        }
        store.client().indices().refresh(r -> r.index(EventDocuments.INDEX_PATTERN)).get();
        harness.serve(vertx -> List.of(new QueryService(vertx, store, null, config, Tokens.verifier(),
                harness.registry())));
    }

    @Override
    public void close() throws Exception {
        store.close();
        harness.close();
    }
}
