package io.switchboard.query;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.common.codec.Json;
import io.switchboard.common.model.Level;
import io.switchboard.common.model.LogEvent;
import io.switchboard.query.internal.EventDocuments;
import io.switchboard.testsupport.RealStores;
import io.switchboard.testsupport.ServiceHarness;
import io.switchboard.testsupport.TestElasticsearch;
import io.switchboard.testsupport.Tokens;
import io.switchboard.testsupport.WsTestClient;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** GET /api/v1/logs against a real Elasticsearch node, with documents written as the indexer writes them. */
@ExtendWith(RealStores.class)
class LogsSearchTest {
    static ServiceHarness harness;
    static HistoryStore store;
    static final String TENANT = "logs" + UUID.randomUUID().toString().substring(0, 6);
    static final String OTHER = "other" + UUID.randomUUID().toString().substring(0, 6);
    static final long NOW = System.currentTimeMillis() * 1_000;
    static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";

    @BeforeAll
    static void start(TestElasticsearch es) throws Exception {
        harness = new ServiceHarness();
        store = new HistoryStore(harness.vertx(), new ElasticsearchConfig(List.of(URI.create(es.url())), null, null));
        WsTestClient.await(store.installTemplate(0));
        harness.serve(vertx -> List.of(new QueryService(vertx, store, null, HistoryConfig.DEFAULT, Tokens.verifier(), harness.registry())));
        List<LogEvent> events = new ArrayList<>();
        events.add(log(TENANT, NOW - 1_000_000, "orders", "prod", "orders-1", Level.ERROR, "payment timeout for order 42", TRACE));
        events.add(log(TENANT, NOW - 2_000_000, "orders", "prod", "orders-2", Level.WARN, "slow payment answer", null));
        events.add(log(TENANT, NOW - 3_000_000, "payments", "prod", "pay-1", Level.INFO, "payment accepted", TRACE));
        events.add(log(TENANT, NOW - 4_000_000, "orders", "staging", "orders-9", Level.ERROR, "timeout in staging", null));
        events.add(log(TENANT, NOW - 7_200_000_000L, "orders", "prod", "orders-1", Level.ERROR, "an old timeout", null));
        events.add(log(OTHER, NOW - 1_000_000, "orders", "prod", "orders-1", Level.ERROR, "payment timeout of another tenant", null));
        for (int i = 0; i < 25; i++) {
            events.add(log(TENANT, NOW - 10_000_000 - i * 1_000L, "pager", "prod", "p-1", Level.INFO, "page item " + i, null));
        }
        index(events);
    }

    @AfterAll
    static void stop() throws Exception {
        store.close();
        harness.close();
    }

    static LogEvent log(String tenant, long micros, String service, String env, String node, Level level, String message, String trace) {
        return new LogEvent(tenant, UUID.randomUUID().toString().replace("-", ""), micros, service, node, env, level,
                "c", message, trace, null, Map.of());
    }

    static void index(List<LogEvent> events) throws Exception {
        for (LogEvent e : events) {
            store.client().index(i -> i.index(EventDocuments.index(e)).id(EventDocuments.id(e)).document(EventDocuments.document(e))).get();
        }
        store.client().indices().refresh(r -> r.index(EventDocuments.INDEX_PATTERN)).get();
    }

    static JsonNode get(String query) {
        var response = harness.get("/api/v1/logs?" + query, Tokens.operator(TENANT));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return Json.parse(response.body());
    }

    static List<String> messages(JsonNode page) {
        List<String> out = new ArrayList<>();
        page.get("items").forEach(i -> out.add(i.get("message").asText()));
        return out;
    }

    static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    @Test
    void fullTextAndFiltersFindExactlyTheMatchingEventsOfTheTenant() {
        assertThat(messages(get("q=timeout&since=1h"))).containsExactly("payment timeout for order 42", "timeout in staging");
        assertThat(messages(get("q=timeout&since=1h&environment=prod"))).containsExactly("payment timeout for order 42");
        assertThat(messages(get("q=payment&level=warn&since=1h"))).containsExactly("payment timeout for order 42", "slow payment answer");
        assertThat(messages(get("service=payments&since=1h"))).containsExactly("payment accepted");
        assertThat(messages(get("node=orders-2&since=1h"))).containsExactly("slow payment answer");
        assertThat(messages(get("traceId=" + TRACE + "&since=1h&sort=asc"))).containsExactly("payment accepted", "payment timeout for order 42");
        assertThat(messages(get("q=timeout&since=3h"))).contains("an old timeout");
        assertThat(messages(get("q=" + enc("\"payment timeout\"") + "&since=1h"))).containsExactly("payment timeout for order 42");
    }

    @Test
    void hostileQueryStringsNeverReachAnotherTenant() {
        for (String hostile : List.of("* OR tenant:" + OTHER, "tenant:" + OTHER, "\") OR (\"", "{\"match_all\":{}}",
                "another | tenant", "*", "payment timeout of another tenant")) {
            JsonNode page = get("q=" + enc(hostile) + "&since=1h");
            assertThat(messages(page)).as(hostile).noneMatch(m -> m.contains("another tenant"));
        }
    }

    @Test
    void operatorsThatExpandToManyTermsAreReadAsTextAndWindowsAreBounded() {
        assertThat(messages(get("q=timeout&since=1h"))).isNotEmpty();
        assertThat(messages(get("q=" + enc("time*") + "&since=1h"))).as("a prefix query").isEmpty();
        assertThat(messages(get("q=" + enc("timout~2") + "&since=1h"))).as("a fuzzy query").isEmpty();
        var tooLong = harness.get("/api/v1/logs?since=40d", Tokens.operator(TENANT));
        assertThat(tooLong.statusCode()).isEqualTo(400);
        assertThat(Json.parse(tooLong.body()).at("/error/message").asText()).contains("at most 31 days");
        assertThat(harness.get("/api/v1/stats?since=400d", Tokens.operator(TENANT)).statusCode()).isEqualTo(400);
    }

    @Test
    void cursorsPageThroughWithoutGapsOrDuplicatesWhileEventsArrive() throws Exception {
        Set<String> seen = new HashSet<>();
        List<String> order = new ArrayList<>();
        JsonNode page = get("service=pager&since=1h&limit=10");
        int pages = 0;
        while (page.get("items").size() > 0) {
            page.get("items").forEach(i -> {
                assertThat(seen.add(i.get("id").asText())).as("no duplicates").isTrue();
                order.add(i.get("message").asText());
            });
            if (pages++ == 0) {
                // Newer events arrive between pages: they are before the cursor and do not shift the pages.
                index(List.of(log(TENANT, NOW, "pager", "prod", "p-1", Level.INFO, "arrived meanwhile", null)));
            }
            page = get("service=pager&since=1h&limit=10&cursor=" + page.get("next").asText());
        }
        assertThat(order).hasSize(25).startsWith("page item 0").endsWith("page item 24").doesNotContain("arrived meanwhile");
    }

    @Test
    void badParametersGet400NamingThem() {
        for (String[] bad : new String[][] {{"limit=0", "limit"}, {"limit=5000", "limit"}, {"level=loud", "level"},
                {"since=yesterday", "since"}, {"from=monday", "from"}, {"traceId=XYZ", "traceId"}, {"sort=up", "sort"},
                {"cursor=bm90LWEtY3Vyc29y", "cursor"}, {"colour=red", "colour"}, {"service=" + enc("a b"), "service"},
                {"since=1h&from=2026-11-27T00:00:00Z", "since"}}) {
            var response = harness.get("/api/v1/logs?" + bad[0], Tokens.operator(TENANT));
            assertThat(response.statusCode()).as(bad[0]).isEqualTo(400);
            assertThat(Json.parse(response.body()).at("/error/field").asText()).as(bad[0]).isEqualTo(bad[1]);
        }
        assertThat(harness.get("/api/v1/logs", Tokens.client(TENANT)).statusCode()).isEqualTo(403);
        assertThat(harness.get("/api/v1/logs", null).statusCode()).isEqualTo(401);
    }

    @Test
    void anUnreachableStoreGets503WithRetryAfter() throws Exception {
        try (ServiceHarness h = new ServiceHarness();
             HistoryStore down = new HistoryStore(h.vertx(), new ElasticsearchConfig(List.of(URI.create("http://127.0.0.1:1")), null, null))) {
            h.serve(vertx -> List.of(new QueryService(vertx, down, null, HistoryConfig.DEFAULT, Tokens.verifier(), h.registry())));
            var response = h.get("/api/v1/logs?since=1h", Tokens.operator(TENANT));
            assertThat(response.statusCode()).isEqualTo(503);
            assertThat(response.headers().firstValue("Retry-After")).hasValue("5");
            assertThat(response.body()).doesNotContain("Exception").contains("unavailable");
        }
    }
}
