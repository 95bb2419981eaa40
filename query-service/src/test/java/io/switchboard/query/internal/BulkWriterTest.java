package io.switchboard.query.internal;

import static org.assertj.core.api.Assertions.assertThat;

import co.elastic.clients.elasticsearch.core.bulk.BulkOperation;
import co.elastic.clients.util.BinaryData;
import co.elastic.clients.util.ContentType;
import io.switchboard.query.ElasticsearchConfig;
import io.switchboard.query.HistoryStore;
import io.switchboard.testsupport.RealStores;
import io.switchboard.testsupport.TestElasticsearch;
import io.switchboard.testsupport.WsTestClient;
import io.vertx.core.Vertx;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** What becomes of each document of a bulk request, against a real Elasticsearch node. */
@ExtendWith(RealStores.class)
class BulkWriterTest {

    private static BulkWriter.Doc doc(String index, String id, String json) {
        byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
        BinaryData data = BinaryData.of(bytes, ContentType.APPLICATION_JSON);
        return new BulkWriter.Doc("t", id, BulkOperation.of(o -> o.index(i -> i.index(index).id(id).document(data))), bytes.length);
    }

    @Test
    void aRequestRefusedWholeIsSplitUntilTheBadDocumentIsFoundAndOnlyItIsSetAside(TestElasticsearch es) throws Exception {
        Vertx vertx = Vertx.vertx();
        try (HistoryStore store = new HistoryStore(vertx, new ElasticsearchConfig(List.of(URI.create(es.url())), null, null))) {
            BulkWriter writer = new BulkWriter(vertx, store.client());
            String index = "bulk-writer-" + UUID.randomUUID();
            List<BulkWriter.Doc> docs = new ArrayList<>();
            for (int i = 0; i < 9; i++) {
                // A newline inside a document breaks the bulk body's lines: Elasticsearch refuses the whole request (400).
                String json = i == 5 ? "{\"n\":\n5}" : "{\"n\":" + i + "}";
                docs.add(doc(index, "d" + i, json));
            }
            BulkWriter.Result result = WsTestClient.await(writer.write(docs));
            assertThat(result.retry()).as("nothing waits forever on one bad document").isEmpty();
            assertThat(result.refused()).singleElement().satisfies(r -> {
                assertThat(r.doc().id()).isEqualTo("d5");
                assertThat(r.reason()).isEqualTo("request_refused");
                assertThat(r.message()).isNotBlank();
            });
            assertThat(result.indexed()).isEqualTo(8);
        } finally {
            vertx.close();
        }
    }
}
