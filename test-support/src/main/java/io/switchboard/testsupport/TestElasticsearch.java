package io.switchboard.testsupport;

import io.switchboard.embedded.EmbeddedElasticsearch;
import java.nio.file.Path;

/** A real Elasticsearch node in this JVM, shared by every test in it. Tests keep apart by index or tenant. */
public final class TestElasticsearch implements AutoCloseable {
    private final EmbeddedElasticsearch node;

    TestElasticsearch(Path dir) {
        this.node = EmbeddedElasticsearch.start(dir, "switchboard-test", 0);
    }

    public String url() {
        return node.httpUrl();
    }

    @Override
    public void close() {
        node.close();
    }
}
