package io.switchboard.common.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.switchboard.common.protocol.MessageHandler;
import io.switchboard.common.protocol.PartialFrames;
import io.switchboard.common.protocol.ProtocolLimits;
import io.switchboard.common.protocol.SessionListener;
import io.switchboard.testsupport.RawWebSocket;
import io.switchboard.testsupport.Tokens;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What a client can make the server hold by sending messages slowly or never finishing them, tested from a raw
 * socket: a frame far over the limit is refused from its header, partly received messages are bounded per
 * connection, per tenant and per process, and a message must arrive whole in time, while quiet connections and
 * clients streaming whole frames are left alone.
 */
class PartialFramesTest {
    /** Frames up to 4 KiB handled, 8 KiB read at all; 10,000 partly received bytes per tenant, 25,000 in all. */
    private static final ProtocolLimits LIMITS = new ProtocolLimits(4_096, 8_192, Duration.ofSeconds(10),
            Duration.ofSeconds(30)).withPartial(10_000, 25_000, Duration.ofSeconds(2));
    private static final int FRAME = 4_000;
    private static final int SENT = 3_500;
    /** What one partly sent frame holds: its header (8 bytes) and the payload sent. */
    private static final long HELD = 8 + SENT;

    private TestHost host;
    private PartialFrames partial;
    private final List<RawWebSocket> sockets = new ArrayList<>();

    @BeforeEach
    void start() {
        Map<String, MessageHandler> handlers = Map.of("echo", (session, frame) -> session.send(session.frame("echo")
                .put("size", frame.path("body").asText().length())));
        host = new TestHost(handlers, SessionListener.NONE, List.of(), LIMITS);
        partial = PartialFrames.of(host.vertx, LIMITS);
    }

    @AfterEach
    void stop() {
        sockets.forEach(RawWebSocket::close);
        host.close();
    }

    private RawWebSocket open(String tenant) {
        RawWebSocket ws = RawWebSocket.connect(host.port, "/v1/test", Tokens.client(tenant));
        sockets.add(ws);
        ws.text("{\"type\":\"open\",\"protocol\":1}");
        assertThat(ws.readText()).contains("\"type\":\"open\"");
        return ws;
    }

    /** An echo frame of exactly {@code size} bytes. */
    private static byte[] echo(int size) {
        String head = "{\"type\":\"echo\",\"body\":\"";
        String tail = "\"}";
        return (head + "x".repeat(size - head.length() - tail.length()) + tail).getBytes(StandardCharsets.US_ASCII);
    }

    /** Sends the header of a 4,000-byte echo frame and its first 3,500 bytes; returns the rest. */
    private static byte[] halfSend(RawWebSocket ws) {
        byte[] frame = echo(FRAME);
        ws.send(RawWebSocket.header(RawWebSocket.TEXT, true, frame.length)).send(Arrays.copyOf(frame, SENT));
        return Arrays.copyOfRange(frame, SENT, frame.length);
    }

    private void awaitHeld(String tenant, long bytes) {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(partial.held(tenant)).as(tenant).isEqualTo(bytes));
    }

    @Test
    void aFrameFarOverTheLimitIsRefusedFromItsHeader() {
        RawWebSocket ws = open("big");
        // Only the header: the server must not wait for a megabyte to refuse it.
        ws.send(RawWebSocket.header(RawWebSocket.TEXT, true, 1 << 20));
        assertThat(ws.awaitClose(5)).isIn(1009, 1006);
        awaitHeld("big", 0);
    }

    @Test
    void aTenantsPartlySentFramesAreBoundedAndAnotherTenantIsNot() {
        List<RawWebSocket> hoarder = new ArrayList<>();
        List<byte[]> rests = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            RawWebSocket ws = open("hoarder");
            rests.add(halfSend(ws));
            hoarder.add(ws);
            awaitHeld("hoarder", HELD * (i + 1));
        }
        // The third takes the tenant over its 10,000 bytes: that connection is refused, the others are not.
        RawWebSocket third = open("hoarder");
        halfSend(third);
        assertThat(third.awaitClose(5)).isEqualTo(1013);
        awaitHeld("hoarder", HELD * 2);

        // Another tenant is held to its own budget only.
        RawWebSocket bystander = open("bystander");
        byte[] rest = halfSend(bystander);
        awaitHeld("bystander", HELD);
        bystander.send(rest);
        assertThat(bystander.readText()).contains("\"type\":\"echo\"");
        awaitHeld("bystander", 0);

        // The hoarder's connections finish their frames, which are handled; then they hold nothing.
        for (int i = 0; i < 2; i++) {
            hoarder.get(i).send(rests.get(i));
            assertThat(hoarder.get(i).readText()).contains("\"type\":\"echo\"");
        }
        awaitHeld("hoarder", 0);
        assertThat(partial.held()).isZero();
    }

    @Test
    void theProcessBoundsAllTenantsTogether() {
        // 25,000 bytes in all: seven partly sent frames (24,556 bytes) from four tenants fit, an eighth does not.
        for (int i = 0; i < 7; i++) {
            halfSend(open("tenant-" + (i % 4)));
            int n = i + 1;
            await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(partial.held()).isEqualTo(HELD * n));
        }
        RawWebSocket eighth = open("tenant-4");
        halfSend(eighth);
        assertThat(eighth.awaitClose(5)).isEqualTo(1013);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(partial.held()).isEqualTo(HELD * 7));
    }

    @Test
    void aMessageNotFinishedInTimeIsClosedButQuietConnectionsAreNot() throws Exception {
        RawWebSocket quiet = open("patient");
        RawWebSocket slow = open("patient");
        halfSend(slow);
        RawWebSocket streaming = open("patient");
        // A client streaming whole frames back to back, each write ending inside the next frame, for longer than
        // the time-out: every message finishes in time, so it is never closed.
        byte[] frames = new byte[0];
        for (int i = 0; i < 40; i++) {
            byte[] f = echo(2_000);
            byte[] h = RawWebSocket.header(RawWebSocket.TEXT, true, f.length);
            byte[] both = Arrays.copyOf(frames, frames.length + h.length + f.length);
            System.arraycopy(h, 0, both, frames.length, h.length);
            System.arraycopy(f, 0, both, frames.length + h.length, f.length);
            frames = both;
        }
        int chunk = 1_500;
        int chunks = (frames.length + chunk - 1) / chunk;
        for (int offset = 0; offset < frames.length; offset += chunk) {
            streaming.send(Arrays.copyOfRange(frames, offset, Math.min(frames.length, offset + chunk)));
            // Paces the writes over three seconds: this is the sender's rate, nothing waits on the server here.
            Thread.sleep(3_000 / chunks);
        }
        for (int i = 0; i < 40; i++) {
            assertThat(streaming.readText()).contains("\"size\"");
        }
        assertThat(slow.awaitClose(5)).isEqualTo(1008);
        // Quiet for longer than the time-out, and still served.
        quiet.text("{\"type\":\"echo\",\"body\":\"hello\"}");
        assertThat(quiet.readText()).contains("\"size\":5");
        awaitHeld("patient", 0);
    }

    @Test
    void aMessageInFragmentsHoldsItsFragmentsUpToTheHardLimit() {
        RawWebSocket ws = open("fragments");
        byte[] part = new byte[3_000];
        Arrays.fill(part, (byte) 'x');
        ws.frame(RawWebSocket.TEXT, false, part);
        ws.frame(RawWebSocket.CONTINUATION, false, part);
        // Two fragments of an unfinished message are held (their payloads; their frames left the decoder).
        awaitHeld("fragments", 6_000);
        // A third would take the message over 8,192 bytes: the connection is closed with 1009.
        ws.frame(RawWebSocket.CONTINUATION, false, part);
        assertThat(ws.awaitClose(5)).isIn(1009, 1006);
        awaitHeld("fragments", 0);
    }
}
