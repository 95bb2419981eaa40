package io.switchboard.common.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.switchboard.common.protocol.MessageHandler;
import io.switchboard.common.protocol.SessionListener;
import io.switchboard.testsupport.Tokens;
import io.switchboard.testsupport.WsTestClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A peer that keeps sending but never reads what the server answers cannot grow the server's memory: once the
 * connection's outbound queue is full the server stops reading from it, and after the slow-client timeout closes it
 * with 4008. A peer that reads again is served in full.
 */
class OutboundBackPressureTest {
    private static final String ANSWER = "a".repeat(4_000);
    private static final int FRAMES = 20_000;

    private static TestHost host(AtomicInteger handled, SessionListener listener, Duration slowClientTimeout) {
        Map<String, MessageHandler> handlers = Map.of("ping", (session, frame) -> {
            handled.incrementAndGet();
            session.send(session.frame("pong").put("body", ANSWER));
        });
        return new TestHost(handlers, listener, List.of(), Duration.ofSeconds(10), slowClientTimeout);
    }

    private static List<String> pings() {
        List<String> out = new ArrayList<>(FRAMES);
        for (int i = 0; i < FRAMES; i++) {
            out.add("{\"type\":\"ping\",\"n\":" + i + "}");
        }
        return out;
    }

    @Test
    void theServerStopsReadingAPeerThatDoesNotReadAndServesItAllOnceItDoes() {
        AtomicInteger handled = new AtomicInteger();
        try (TestHost host = host(handled, SessionListener.NONE, Duration.ofSeconds(60));
             WsTestClient c = WsTestClient.open(host.vertx, host.port, "/v1/test", Tokens.client("acme"))) {
            c.pause();
            c.sendAllNoWait(pings());
            // 20,000 answers of 4 KB would be 80 MB queued in the server; it stops after what the socket holds.
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                    .during(Duration.ofSeconds(2)).until(() -> handled.get() < FRAMES / 2);
            int plateau = handled.get();
            await().atMost(Duration.ofSeconds(10)).until(() -> handled.get() == plateau);
            assertThat(plateau).as("frames the server read while the peer did not read").isLessThan(FRAMES / 2);

            c.resume();
            int received = 0;
            while (received < FRAMES) {
                if ("pong".equals(c.next().path("type").asText())) {
                    received++;
                }
            }
            assertThat(handled.get()).isEqualTo(FRAMES);
        }
    }

    @Test
    void aPeerThatLeavesTheQueueFullIsClosedWith4008() {
        AtomicInteger handled = new AtomicInteger();
        try (TestHost host = host(handled, SessionListener.NONE, Duration.ofSeconds(2));
             WsTestClient c = WsTestClient.open(host.vertx, host.port, "/v1/test", Tokens.client("acme"))) {
            c.pause();
            c.sendAllNoWait(pings());
            await().atMost(Duration.ofSeconds(30)).until(() ->
                    host.registry.get("switchboard.ws.slow.clients").tag("service", "test").counter().count() == 1.0);
            assertThat(handled.get()).isLessThan(FRAMES);
            // The close frame comes after what the client left unread: once it reads, it gets it.
            c.resume();
                        await().atMost(Duration.ofSeconds(30)).until(c::isClosed);
            assertThat(c.awaitClose()).isEqualTo((short) 4008);
            assertThat(c.pending()).anyMatch(f -> "close".equals(f.path("type").asText()) && f.path("code").asInt() == 4008);
        }
    }
}
