package io.switchboard.query;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.common.codec.Json;
import io.switchboard.common.model.Level;
import io.switchboard.common.model.LogEvent;
import io.switchboard.testsupport.RealStores;
import io.switchboard.testsupport.TestElasticsearch;
import io.switchboard.testsupport.Tokens;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Answers are bounded by bytes as well as by count: a tenant whose items are large gets shorter pages whose cursor
 * goes on, and a truncated trace, never an answer that fails; errors say what happened.
 */
@ExtendWith(RealStores.class)
class AnswerBoundsTest {
    private static final long PAGE_BYTES = 256 << 10;
    private static final String TENANT = "big" + UUID.randomUUID().toString().substring(0, 6);
    private static final String TRACE = "0af7651916cd43dd8448eb211c80319c";
    private static final int ITEMS = 60;
    private static QueryFixture fixture;

    @BeforeAll
    static void start(TestElasticsearch es) throws Exception {
        long now = System.currentTimeMillis() * 1_000;
        List<LogEvent> logs = new ArrayList<>();
        for (int i = 0; i < ITEMS; i++) {
            logs.add(new LogEvent(TENANT, UUID.randomUUID().toString().replace("-", ""), now - i * 1_000L, "orders",
                    "orders-1", "prod", Level.INFO, "c", i + " " + "x".repeat(30_000), TRACE, null, java.util.Map.of()));
        }
        fixture = new QueryFixture(es, logs, HistoryConfig.DEFAULT.withAnswerBytes(PAGE_BYTES, 1 << 20));
    }

    @AfterAll
    static void stop() throws Exception {
        fixture.close();
    }

    @Test
    void aPageEndsAtItsByteBudgetAndTheCursorGoesOnToEveryItem() {
        Set<String> seen = new HashSet<>();
        String cursor = null;
        int pages = 0;
        do {
            HttpResponse<String> r = fixture.harness.get("/api/v1/logs?limit=1000&service=orders"
                    + (cursor == null ? "" : "&cursor=" + cursor), Tokens.operator(TENANT));
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(r.headers().firstValue("transfer-encoding")).as("streamed").hasValue("chunked");
            JsonNode page = Json.parse(r.body());
            int bytes = 0;
            for (JsonNode item : page.path("items")) {
                assertThat(seen.add(item.path("id").asText())).as("no item twice").isTrue();
                bytes += Json.write(item).length();
            }
            if (page.path("items").size() > 0) {
                // Within the budget, give or take the one item that crossed it.
                assertThat(bytes).isLessThanOrEqualTo((int) PAGE_BYTES + 31_000);
                assertThat(page.path("items").size()).isLessThan(ITEMS);
            }
            cursor = page.path("next").isNull() || page.path("items").isEmpty() ? null : page.path("next").asText();
            pages++;
        } while (cursor != null && pages < 30);
        assertThat(seen).hasSize(ITEMS);
        assertThat(pages).isGreaterThan(5);
    }

    @Test
    void aTraceOverItsByteBudgetIsAnsweredTruncated() {
        HttpResponse<String> r = fixture.harness.get("/api/v1/traces/" + TRACE, Tokens.operator(TENANT));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode trace = Json.parse(r.body());
        assertThat(trace.path("truncated").asBoolean()).isTrue();
        assertThat(trace.path("logs").size()).isBetween(20, ITEMS - 1);
    }

    @Test
    void errorsSayWhatHappened() {
        var unreachable = HistoryResponses.Failure.of(new java.util.concurrent.CompletionException(
                new java.io.IOException("refused", new java.net.ConnectException("Connection refused"))));
        assertThat(unreachable.status()).isEqualTo(503);
        assertThat(unreachable.message()).contains("unreachable");
        var slow = HistoryResponses.Failure.of(new java.net.SocketTimeoutException("Read timed out"));
        assertThat(slow.status()).isEqualTo(504);
        assertThat(slow.message()).contains("did not answer in time");
    }
}
