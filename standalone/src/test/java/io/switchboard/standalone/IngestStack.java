package io.switchboard.standalone;

import com.hazelcast.core.HazelcastInstance;
import io.switchboard.common.protocol.ProtocolLimits;
import io.switchboard.query.ElasticsearchConfig;
import io.switchboard.query.HistoryConfig;
import io.switchboard.query.HistoryStore;
import io.switchboard.query.QueryService;
import io.switchboard.tracing.TracingConfig;
import io.switchboard.tracing.TracingService;
import io.switchboard.testsupport.ServiceHarness;
import io.switchboard.testsupport.TcpProxy;
import io.switchboard.testsupport.TestElasticsearch;
import io.switchboard.testsupport.TestHazelcast;
import io.switchboard.testsupport.Tokens;
import io.switchboard.testsupport.WsTestClient;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;

/**
 * The tracing and query services on one Hazelcast member, serving on one port as standalone does, the history
 * indexer reaching a real Elasticsearch node through a TCP proxy (to cut it), searches going to it directly.
 */
record IngestStack(ServiceHarness harness, TcpProxy proxy, HistoryStore direct, HistoryStore viaProxy,
                   TracingService tracing) implements AutoCloseable {
    static final ProtocolLimits LIMITS = new ProtocolLimits(1 << 20, 4 << 20, Duration.ofSeconds(10), Duration.ofSeconds(30));

    static IngestStack start(TestHazelcast cluster, TestElasticsearch es, TracingConfig tracingConfig) throws Exception {
        HazelcastInstance member = cluster.member();
        ServiceHarness harness = new ServiceHarness();
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        TcpProxy proxy = new TcpProxy(harness.vertx(), URI.create(es.url()).getPort(), port);
        HistoryStore direct = new HistoryStore(harness.vertx(), new ElasticsearchConfig(List.of(URI.create(es.url())), null, null));
        HistoryStore viaProxy = new HistoryStore(harness.vertx(),
                new ElasticsearchConfig(List.of(URI.create("http://127.0.0.1:" + port)), null, null));
        TracingService tracing = new TracingService(harness.vertx(), LIMITS, tracingConfig, member, Tokens.verifier(), harness.registry());
        harness.serve(LIMITS, vertx -> List.of(tracing, new QueryService(vertx, viaProxy, member,
                HistoryConfig.DEFAULT, Tokens.verifier(), harness.registry())));
        return new IngestStack(harness, proxy, direct, viaProxy, tracing);
    }

    WsTestClient client(String tenant) {
        return WsTestClient.open(harness.vertx(), harness.port(), TracingService.PATH, Tokens.client(tenant));
    }

    long searchable(String tenant) throws Exception {
        direct.client().indices().refresh(r -> r.index("switchboard-events-*").ignoreUnavailable(true)).get();
        return direct.client().count(c -> c.index("switchboard-events-*").ignoreUnavailable(true).allowNoIndices(true)
                .query(q -> q.term(t -> t.field("tenant").value(tenant)))).get().count();
    }

    double counter(String name) {
        return harness.registry().find(name).counters().stream().mapToDouble(c -> c.count()).sum();
    }

    @Override
    public void close() throws Exception {
        proxy.close(); // on the harness's Vert.x, so first
        harness.close();
        direct.close();
        viaProxy.close();
    }
}
