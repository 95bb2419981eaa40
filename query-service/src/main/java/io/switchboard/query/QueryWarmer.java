package io.switchboard.query;

import io.switchboard.common.service.WarmUp;
import io.switchboard.common.service.WarmUpItems;
import io.vertx.core.Future;

/**
 * Query's warm-up load: the history indexer's document building (ring record to bulk operation) for a batch of
 * logs, spans and outcomes each round, off the event loop as the indexer does it. Nothing is sent to Elasticsearch:
 * documents indexed there could not be removed without trace, so the warm-up stops short of the bulk request.
 */
final class QueryWarmer implements WarmUp.Warmer {
    private final WarmUp.Context context;

    QueryWarmer(WarmUp.Context context) {
        this.context = context;
    }

    @Override
    public Future<Void> round(int round) {
        return context.vertx().executeBlocking(() -> {
            for (int batch = 0; batch < 8; batch++) {
                for (String json : WarmUpItems.items(30, 10, 10)) {
                    if (HistoryIndexer.document(context.tenant() + "\n" + json) == null) {
                        throw new IllegalStateException("the warm-up's item made no document: " + json);
                    }
                }
            }
            return null;
        }, false);
    }

    @Override
    public Future<Void> finish() {
        return Future.succeededFuture();
    }
}
