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
 * @param maxPageBytes   about the most bytes of items a page of history answers with; the page ends there and its
 *                       cursor goes on ({@code history.max-page-bytes})
 * @param maxTraceBytes  about the most bytes of items a whole trace is assembled from; beyond, it is truncated
 *                       ({@code history.max-trace-bytes})
 */
public record HistoryConfig(boolean indexerEnabled, int batchSize, long maxBulkBytes, int ringShards, int replicas,
                            Duration retention, long maxPageBytes, long maxTraceBytes) {
    public static final long DEFAULT_PAGE_BYTES = 4L << 20;
    public static final long DEFAULT_TRACE_BYTES = 32L << 20;

    public static final HistoryConfig DEFAULT = new HistoryConfig(true, 5_000, 8L << 20, 8, 1, Duration.ofDays(7));

    /** With the default answer budgets. */
    public HistoryConfig(boolean indexerEnabled, int batchSize, long maxBulkBytes, int ringShards, int replicas,
                         Duration retention) {
        this(indexerEnabled, batchSize, maxBulkBytes, ringShards, replicas, retention, DEFAULT_PAGE_BYTES,
                DEFAULT_TRACE_BYTES);
    }

    public static HistoryConfig from(ConfigSource c) {
        return new HistoryConfig(c.bool("indexer.enabled"), c.integer("indexer.batch-size", 1, 20_000),
                c.bytes("indexer.max-bulk-bytes", 64L << 10, 1L << 30, null),
                c.integer("tracing.buffer-shards", 1, 256), c.integer("history.replicas", 0, 10),
                c.duration("history.retention", Duration.ofDays(1), Duration.ofDays(3_650)),
                c.bytes("history.max-page-bytes", 64L << 10, 1L << 30, null),
                c.bytes("history.max-trace-bytes", 1L << 20, 1L << 31, null));
    }

    /** With other answer budgets. */
    public HistoryConfig withAnswerBytes(long page, long trace) {
        return new HistoryConfig(indexerEnabled, batchSize, maxBulkBytes, ringShards, replicas, retention, page, trace);
    }

    /** With another indexing batch: documents and bytes per bulk request. */
    public HistoryConfig withBatch(int size, long bytes) {
        return new HistoryConfig(indexerEnabled, size, bytes, ringShards, replicas, retention, maxPageBytes, maxTraceBytes);
    }
}
