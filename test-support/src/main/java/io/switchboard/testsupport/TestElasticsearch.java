package io.switchboard.testsupport;

import io.switchboard.embedded.EmbeddedElasticsearch;
import java.nio.file.Path;

/** A real Elasticsearch node in this JVM, shared by every test in it. Tests keep apart by index or tenant. */
public final class TestElasticsearch implements AutoCloseable {
    private final EmbeddedElasticsearch node;

    TestElasticsearch(Path dir) {
        this(dir, java.util.Map.of());
    }

    private TestElasticsearch(Path dir, java.util.Map<String, String> settings) {
        this.node = EmbeddedElasticsearch.start(dir, "switchboard-test", 0, settings);
    }

    /** A node of the caller's own, with node settings the shared one must not have; close it after use. */
    public static TestElasticsearch dedicated(java.util.Map<String, String> settings) {
        return new TestElasticsearch(SharedResources.tempDir("elasticsearch-dedicated"), settings);
    }

    public String url() {
        return node.httpUrl();
    }

    @Override
    public void close() {
        node.close();
    }
}
