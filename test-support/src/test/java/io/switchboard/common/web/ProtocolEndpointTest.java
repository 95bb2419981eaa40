package io.switchboard.common.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.common.auth.Role;
import io.switchboard.common.model.ValidationException;
import io.switchboard.common.model.Violation;
import io.switchboard.common.protocol.CloseCode;
import io.switchboard.common.protocol.MessageHandler;
import io.switchboard.common.protocol.Session;
import io.switchboard.common.protocol.SessionListener;
import io.switchboard.testsupport.Tokens;
import io.switchboard.testsupport.WsTestClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The protocol v1 handshake and frame checks over real WebSocket connections. */
class ProtocolEndpointTest {
    static final List<String> events = new CopyOnWriteArrayList<>();
    static TestHost host;

    @BeforeAll
    static void start() {
        Map<String, MessageHandler> handlers = Map.of(
                "echo", (session, frame) -> session.send(session.frame("echo").put("tenant", session.tenant())
                        .set("body", frame.get("body"))),
                "strict", (session, frame) -> {
                    throw new ValidationException(List.of(new Violation("node.version", "must be a semantic version")));
                },
                "broken", (session, frame) -> {
                    throw new IllegalStateException("boom");
                });
        SessionListener listener = new SessionListener() {
            @Override
            public void opened(Session session) {
                events.add("opened " + session.tenant());
            }

            @Override
            public void closed(Session session, boolean graceful) {
                events.add("closed " + session.tenant() + " graceful=" + graceful);
            }
        };
        host = new TestHost(handlers, listener, List.of(), Duration.ofSeconds(2));
    }

    @AfterAll
    static void stop() {
        host.close();
    }

    private WsTestClient open(String tenant) {
        return WsTestClient.open(host.vertx, host.port, "/v1/test", Tokens.client(tenant));
    }

    @Test
    void openAnswersWithTheSessionTenantRoleAndLimits() {
        try (WsTestClient c = WsTestClient.connect(host.vertx, host.port, "/v1/test", Tokens.operator("acme"))) {
            c.send("{\"type\":\"open\",\"protocol\":1,\"ref\":\"r1\"}");
            JsonNode open = c.next();
            assertThat(open.get("type").asText()).isEqualTo("open");
            assertThat(open.get("protocol").asInt()).isEqualTo(1);
            assertThat(open.get("tenant").asText()).isEqualTo("acme");
            assertThat(open.get("role").asText()).isEqualTo("operator");
            assertThat(open.get("ref").asText()).isEqualTo("r1");
            assertThat(open.at("/limits/maxFrameBytes").asInt()).isEqualTo(4_096);
            assertThat(open.get("session").asText()).isNotBlank();
        }
    }

    @Test
    void messagesAreDispatchedWithTheTenantFromTheToken() {
        try (WsTestClient c = open("acme")) {
            c.send("{\"type\":\"echo\",\"body\":{\"x\":1},\"tenant\":\"other\"}");
            JsonNode echo = c.next("echo");
            assertThat(echo.get("tenant").asText()).isEqualTo("acme");
            assertThat(echo.at("/body/x").asInt()).isEqualTo(1);
        }
    }

    @Test
    void badFramesGetPreciseErrorsAndTheConnectionSurvives() {
        try (WsTestClient c = open("acme")) {
            c.send("{not json");
            assertError(c.next(), "malformed_frame", null);
            c.send("[1,2,3]");
            assertError(c.next(), "malformed_frame", null);
            c.send("{\"body\":1}");
            assertError(c.next(), "missing_type", "type");
            c.send("{\"type\":\"teleport\",\"ref\":\"q7\"}");
            JsonNode unknown = c.next();
            assertError(unknown, "unknown_type", "type");
            assertThat(unknown.get("ref").asText()).isEqualTo("q7");
            assertThat(unknown.get("message").asText()).contains("teleport").contains("echo");
            c.send("{\"type\":\"strict\"}");
            JsonNode invalid = c.next();
            assertError(invalid, "invalid_field", "node.version");
            c.send("{\"type\":\"broken\"}");
            assertError(c.next(), "internal", null);
            c.send("{\"type\":\"open\",\"protocol\":1}");
            assertError(c.next(), "already_open", null);
            c.sendBinary(new byte[] {1, 2, 3});
            assertError(c.next(), "unsupported_frame", null);
            c.send("{\"type\":\"echo\",\"body\":\"" + "x".repeat(5_000) + "\"}");
            assertError(c.next(), "frame_too_large", null);
            c.send("{\"type\":\"echo\",\"body\":\"still here\"}");
            assertThat(c.next("echo").get("body").asText()).isEqualTo("still here");
        }
    }

    @Test
    void aFrameOverTheHardLimitClosesWith1009() {
        try (WsTestClient c = open("acme")) {
            c.send("{\"type\":\"echo\",\"body\":\"" + "x".repeat(20_000) + "\"}");
            // Netty sends 1009 and drops the connection; the client may see the drop (1006) before the code.
            assertThat(c.awaitClose()).isIn(CloseCode.TOO_BIG, (short) 1006);
        }
    }

    @Test
    void messagesBeforeOpenAreRefusedUntilOpen() {
        try (WsTestClient c = WsTestClient.connect(host.vertx, host.port, "/v1/test", Tokens.client("acme"))) {
            c.send("{\"type\":\"echo\",\"body\":1}");
            assertError(c.next(), "not_open", null);
            c.send("{\"type\":\"open\"}");
            assertError(c.next(), "invalid_field", "protocol");
            c.send("{\"type\":\"open\",\"protocol\":1}");
            assertThat(c.next().get("type").asText()).isEqualTo("open");
        }
    }

    @Test
    void anUnsupportedProtocolVersionIsClosedWith4002() {
        try (WsTestClient c = WsTestClient.connect(host.vertx, host.port, "/v1/test", Tokens.client("acme"))) {
            c.send("{\"type\":\"open\",\"protocol\":2}");
            assertError(c.next(), "unsupported_protocol", "protocol");
            assertThat(c.next().get("type").asText()).isEqualTo("close");
            assertThat(c.awaitClose()).isEqualTo(CloseCode.UNSUPPORTED_PROTOCOL);
        }
    }

    @Test
    void closeIsAnsweredAndReportedAsGraceful() {
        events.clear();
        try (WsTestClient c = open("graceful")) {
            c.send("{\"type\":\"close\"}");
            JsonNode close = c.next();
            assertThat(close.get("type").asText()).isEqualTo("close");
            assertThat(close.get("code").asInt()).isEqualTo(1000);
            assertThat(c.awaitClose()).isEqualTo(CloseCode.NORMAL);
        }
        await().atMost(Duration.ofSeconds(10)).until(() -> events.contains("closed graceful graceful=true"));
        assertThat(events).contains("opened graceful");
    }

    @Test
    void aDroppedConnectionIsReportedAsNotGraceful() {
        events.clear();
        WsTestClient c = open("dropped");
        c.close();
        await().atMost(Duration.ofSeconds(10)).until(() -> events.contains("closed dropped graceful=false"));
    }

    @Test
    void noOpenWithinTheTimeoutClosesWith4000() {
        try (WsTestClient c = WsTestClient.connect(host.vertx, host.port, "/v1/test", Tokens.client("acme"))) {
            assertThat(c.awaitClose()).isEqualTo(CloseCode.OPEN_TIMEOUT);
        }
    }

    @Test
    void anExpiringTokenClosesTheConnectionWith4001() {
        String shortLived = Tokens.expiringIn("acme", Role.CLIENT, Duration.ofSeconds(2));
        try (WsTestClient c = WsTestClient.open(host.vertx, host.port, "/v1/test", shortLived)) {
            assertThat(c.awaitClose()).isEqualTo(CloseCode.TOKEN_EXPIRED);
        }
    }

    @Test
    void badTokensAreRefusedBeforeTheUpgradeWithTheReason() {
        var missing = WsTestClient.refused(host.vertx, host.port, "/v1/test", null);
        assertThat(missing.getStatus()).isEqualTo(401);
        assertThat(missing.getBody().toString()).contains("missing_token");
        var expired = WsTestClient.refused(host.vertx, host.port, "/v1/test",
                Tokens.expiringIn("acme", Role.CLIENT, Duration.ofSeconds(-60)));
        assertThat(expired.getStatus()).isEqualTo(401);
        assertThat(expired.getBody().toString()).contains("token_expired");
        var forged = WsTestClient.refused(host.vertx, host.port, "/v1/test", Tokens.client("acme") + "x");
        assertThat(forged.getStatus()).isEqualTo(401);
        assertThat(forged.getBody().toString()).contains("bad_signature");
    }

    @Test
    void theTokenMayComeInTheQueryString() {
        try (WsTestClient c = WsTestClient.open(host.vertx, host.port, "/v1/test?token=" + Tokens.client("qs"), null)) {
            c.send("{\"type\":\"echo\",\"body\":1}");
            assertThat(c.next("echo").get("tenant").asText()).isEqualTo("qs");
        }
    }

    /**
     * The server does not negotiate permessage-deflate: what a compressed frame inflates to is not bounded by the frame
     * limits before it is in memory, so compressed frames are not taken at all (and the JSON frames are small).
     */
    @Test
    void compressionIsNotNegotiatedSoNoFrameCanInflatePastTheLimits() throws Exception {
        try (java.net.Socket socket = new java.net.Socket("127.0.0.1", host.port)) {
            socket.setSoTimeout(10_000);
            String request = "GET /v1/test HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
                    + "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
                    + "Authorization: Bearer " + Tokens.client("acme") + "\r\n\r\n";
            socket.getOutputStream().write(request.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
            java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream(),
                    java.nio.charset.StandardCharsets.US_ASCII));
            String status = in.readLine();
            List<String> headers = new java.util.ArrayList<>();
            for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
                headers.add(line.toLowerCase(java.util.Locale.ROOT));
            }
            assertThat(status).contains("101");
            assertThat(headers).noneMatch(h -> h.startsWith("sec-websocket-extensions"));
        }
    }

    private static void assertError(JsonNode frame, String code, String field) {
        assertThat(frame.get("type").asText()).as(frame.toString()).isEqualTo("error");
        assertThat(frame.get("code").asText()).as(frame.toString()).isEqualTo(code);
        assertThat(frame.get("message").asText()).isNotBlank();
        if (field != null) {
            assertThat(frame.get("field").asText()).isEqualTo(field);
        }
    }
}
