package io.switchboard.query.internal;

import co.elastic.clients.elasticsearch.ElasticsearchAsyncClient;
import co.elastic.clients.elasticsearch.core.BulkResponse;
import co.elastic.clients.elasticsearch.core.bulk.BulkOperation;
import co.elastic.clients.elasticsearch.core.bulk.BulkResponseItem;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Sends documents to Elasticsearch in bulk requests and says, per document, what became of it: indexed, refused for
 * good (Elasticsearch will never take it: a mapping conflict, or too large for a request of its own), or to be sent
 * again (Elasticsearch is overloaded, unreachable, or cannot create the day's index yet). A request Elasticsearch
 * refuses whole, as too large (413) or as a bad request (400: a document that breaks the bulk body), is split in two
 * and each half sent on its own, down to single documents, so one bad document or oversized batch never stalls the
 * ring behind it: only the document refused alone is set aside.
 */
public final class BulkWriter {
    /**
     * Item errors that are about the cluster, not the document: the same document will be taken later. Creating a
     * daily index that hits the shard limit, a read-only block (disk full), an overloaded node.
     */
    private static final Set<String> TRANSIENT = Set.of("validation_exception", "index_not_found_exception",
            "cluster_block_exception", "circuit_breaking_exception", "es_rejected_execution_exception",
            "process_cluster_event_timeout_exception", "unavailable_shards_exception", "no_shard_available_action_exception",
            "resource_already_exists_exception", "master_not_discovered_exception", "node_closed_exception");

    /** One document to index, with what identifies it when it is refused. */
    public record Doc(String tenant, String id, BulkOperation operation, int bytes) {
    }

    /** A document Elasticsearch will never take, and why. */
    public record Refusal(Doc doc, String reason, String message) {
    }

    /**
     * What became of a request's documents.
     *
     * @param retry       documents to send again (all of them when the request as a whole failed)
     * @param retryReason why they must wait, for the log
     */
    public record Result(int indexed, List<Refusal> refused, List<Doc> retry, String retryReason) {
        static Result allRetry(List<Doc> docs, String why) {
            return new Result(0, List.of(), docs, why);
        }

        Result plus(Result other) {
            List<Refusal> r = new ArrayList<>(refused);
            r.addAll(other.refused);
            List<Doc> again = new ArrayList<>(retry);
            again.addAll(other.retry);
            return new Result(indexed + other.indexed, r, again, retryReason != null ? retryReason : other.retryReason);
        }
    }

    private final Vertx vertx;
    private final ElasticsearchAsyncClient client;

    public BulkWriter(Vertx vertx, ElasticsearchAsyncClient client) {
        this.vertx = vertx;
        this.client = client;
    }

    /** Indexes the documents; never fails (a failure is in the result, as documents to send again). */
    public Future<Result> write(List<Doc> docs) {
        if (docs.isEmpty()) {
            return Future.succeededFuture(new Result(0, List.of(), List.of(), null));
        }
        List<BulkOperation> ops = docs.stream().map(Doc::operation).toList();
        Future<BulkResponse> bulk;
        try {
            bulk = Future.fromCompletionStage(client.bulk(b -> b.operations(ops)), vertx.getOrCreateContext());
        } catch (RuntimeException e) {
            bulk = Future.failedFuture(e);
        }
        return bulk.transform(ar -> {
            if (ar.succeeded()) {
                return Future.succeededFuture(itemResults(docs, ar.result()));
            }
            int status = status(ar.cause());
            if (status == 413 || status == 400) {
                if (docs.size() == 1) {
                    Doc doc = docs.getFirst();
                    Refusal refusal = status == 413 ? new Refusal(doc, "request_too_large",
                            "a request of this document alone (" + doc.bytes() + " bytes) is over Elasticsearch's "
                                    + "http.max_content_length")
                            : new Refusal(doc, "request_refused", "Elasticsearch refused a request of this document "
                                    + "alone: " + ar.cause().getMessage());
                    return Future.succeededFuture(new Result(0, List.of(refusal), List.of(), null));
                }
                // Halves one after the other, so that a request never grows the load on an overwhelmed node.
                List<Doc> first = docs.subList(0, docs.size() / 2);
                List<Doc> second = docs.subList(docs.size() / 2, docs.size());
                return write(first).compose(a -> write(second).map(a::plus));
            }
            return Future.succeededFuture(Result.allRetry(docs, String.valueOf(ar.cause().getMessage())));
        });
    }

    private static Result itemResults(List<Doc> docs, BulkResponse response) {
        if (!response.errors()) {
            return new Result(docs.size(), List.of(), List.of(), null);
        }
        int indexed = 0;
        List<Refusal> refused = new ArrayList<>();
        List<Doc> retry = new ArrayList<>();
        String retryReason = null;
        List<BulkResponseItem> items = response.items();
        for (int i = 0; i < items.size(); i++) {
            BulkResponseItem r = items.get(i);
            Doc doc = docs.get(i);
            if (r.error() == null) {
                indexed++;
            } else if (r.status() == 429 || r.status() >= 500 || TRANSIENT.contains(r.error().type())) {
                retry.add(doc);
                retryReason = r.error().type() + ": " + r.error().reason();
            } else {
                refused.add(new Refusal(doc, r.error().type(), r.error().reason()));
            }
        }
        return new Result(indexed, refused, retry, retryReason);
    }

    /** The HTTP status of a failed request, or 0 if it never got an answer. */
    private static int status(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof co.elastic.clients.transport.TransportException te) {
                return te.statusCode();
            }
            if (t instanceof co.elastic.clients.elasticsearch._types.ElasticsearchException ee) {
                return ee.status();
            }
        }
        return 0;
    }
}
