package io.switchboard.query;

import io.switchboard.common.config.ConfigSource;
import java.time.Duration;

/**
 * The query service's history settings (indexer.*, history.*, tracing.buffer-shards of query.properties).
 *
 * @param indexerEnabled whether this replica takes part in indexing the trace buffer
 * @param batchSize      most items per bulk request (gathered from several ring reads while there is a backlog)
 * @param maxBulkBytes   most bytes of documents per bulk request (under Elasticsearch's http.max_content_length)
 * @param ringShards     rings of the trace buffer (as the tracing service has them)
 * @param replicas       replicas of each history index
 * @param retention      daily indices older than this are deleted
 */
public record HistoryConfig(boolean indexerEnabled, int batchSize, long maxBulkBytes, int ringShards, int replicas,
                            Duration retention) {

    public static final HistoryConfig DEFAULT = new HistoryConfig(true, 5_000, 8L << 20, 8, 1, Duration.ofDays(7));

    public static HistoryConfig from(ConfigSource c) {
        return new HistoryConfig(c.bool("indexer.enabled"), c.integer("indexer.batch-size", 1, 20_000),
                c.bytes("indexer.max-bulk-bytes", 64L << 10, 1L << 30, null),
                c.integer("tracing.buffer-shards", 1, 256), c.integer("history.replicas", 0, 10),
                c.duration("history.retention", Duration.ofDays(1), Duration.ofDays(3_650)));
    }

    /** With another indexing batch: documents and bytes per bulk request. */
    public HistoryConfig withBatch(int size, long bytes) {
        return new HistoryConfig(indexerEnabled, size, bytes, ringShards, replicas, retention);
    }
}
