package io.switchboard.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.common.auth.DevTokens;
import io.switchboard.common.auth.Role;
import io.switchboard.common.codec.Json;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.HdrHistogram.Histogram;

/**
 * The noisy neighbour: tenant B sends events, registers nodes and reads its history at a steady rate while tenant
 * A floods, one way at a time: events past its quotas, half-sent frames, registrations fanned out to many
 * subscriptions, pages of large logs, outcomes with made-up names. For each, B's ack p99, register -> subscriber p99
 * and small-query p99 beside a quiet baseline, and what A was refused. Standalone with its default quotas; the
 * figures are measured here, in another process.
 */
final class NoisyNeighbourBench {
    private static final int PHASE_SECONDS = Integer.getInteger("bench.phase-seconds", 15);
    /** The floods to run, by name (events, partial, fanout, history, outcomes); all by default. */
    private static final List<String> FLOODS = List.of(System.getProperty("bench.noisy.floods",
            "events,partial,fanout,history,outcomes").split(","));
    private static final String A = "noisy";
    private static final String B = "steady";

    private NoisyNeighbourBench() {
    }

    /** B's figures over one phase. */
    private static final class Victim {
        final Histogram ack = new Histogram(600_000_000_000L, 3);
        final Histogram propagation = new Histogram(600_000_000_000L, 3);
        final Histogram query = new Histogram(600_000_000_000L, 3);
        /** Cores the server used during the phase, and this load generator (A's flood and B's load). */
        double serverCores;
        double benchCores;
    }

    static void run(Path work) throws Exception {
        System.out.printf("== noisy neighbour: tenant B steady (1,000 events/s, 20 registrations/s, a small query every"
                + " 200 ms) while tenant A floods, %d s a phase (standalone, default quotas)%n", PHASE_SECONDS);
        try (ServerProcess server = new ServerProcess(work.resolve("noisy"), "2g", Map.of())) {
            System.out.printf("  standalone started in %.1f s (pid %d)%n", server.start().toMillis() / 1e3, server.pid());
            String a = DevTokens.issue(DevTokens.DEV_SECRET, A, Role.CLIENT, Duration.ofHours(2), Instant.now());
            String aOperator = DevTokens.issue(DevTokens.DEV_SECRET, A, Role.OPERATOR, Duration.ofHours(2), Instant.now());
            phase(server, "warm-up", () -> { });
            System.out.println("  phase                 B ack p99   B register->subscriber p99   B query p99   A refused"
                    + "   server cores   bench cores");
            report(server, "quiet", phase(server, "quiet", () -> { }));
            flood(server, "events flood", "events", () -> floodEvents(server, a));
            flood(server, "half-sent frames", "partial", () -> halfSentFrames(server, a));
            flood(server, "registration fan-out", "fanout", () -> fanOut(server, a));
            if (FLOODS.contains("history")) {
                storeLargeLogs(server, a);
            }
            flood(server, "pages of large logs", "history", () -> largePages(server, aOperator));
            flood(server, "made-up outcomes", "outcomes", () -> junkOutcomes(server, a));
        }
    }

    private static void flood(ServerProcess server, String label, String name, Flood flood) throws Exception {
        if (FLOODS.contains(name)) {
            report(server, label, phase(server, name, flood));
        }
    }

    private static double refusedBefore;

    /** One line: B's figures, and what A was refused during the phase (quota refusals, or connections dropped). */
    private static void report(ServerProcess server, String label, Victim v) throws Exception {
        double refused = server.metric("switchboard_quota_exceeded_total", "tenant=\"" + A + "\"")
                + server.metric("switchboard_routing_outcomes_refused_total", "tenant=\"" + A + "\"") + DROPPED.get();
        System.out.printf("  %-20s %8.1f ms %20.1f ms %15.1f ms   %,10.0f   %12.2f   %11.2f%n", label,
                PropagationBench.ms(v.ack, 99), PropagationBench.ms(v.propagation, 99), PropagationBench.ms(v.query, 99),
                refused - refusedBefore, v.serverCores, v.benchCores);
        refusedBefore = refused;
    }

    /** A's half-sent-frame connections the server dropped. */
    private static final AtomicLong DROPPED = new AtomicLong();

    /** Runs B's steady load for a phase while {@code flood} runs on its own thread until the phase ends. */
    private static Victim phase(ServerProcess server, String name, Flood flood) throws Exception {
        Victim v = new Victim();
        String b = DevTokens.issue(DevTokens.DEV_SECRET, B, Role.CLIENT, Duration.ofHours(2), Instant.now());
        String bOperator = DevTokens.issue(DevTokens.DEV_SECRET, B, Role.OPERATOR, Duration.ofHours(2), Instant.now());
        AtomicBoolean running = new AtomicBoolean(true);
        double serverCpu = server.cpuSeconds();
        double benchCpu = ServerProcess.cpuSecondsOf("self");
        long began = System.nanoTime();
        Thread noise = Thread.ofPlatform().name("flood-" + name).start(() -> {
            while (running.get()) {
                try {
                    flood.once();
                } catch (Exception e) {
                    // A flood the server refuses or closes is the point; go on flooding.
                }
            }
        });
        Map<String, Long> sent = new ConcurrentHashMap<>();
        Ws subscriber = Ws.open(server.ws("/v1/discovery"), b, (text, nanos) -> {
            if (text.contains("\"changes\"")) {
                for (JsonNode n : Json.parse(text).path("upserted")) {
                    Long at = sent.remove(n.path("id").asText());
                    if (at != null) {
                        synchronized (v.propagation) {
                            v.propagation.recordValue(nanos - at);
                        }
                    }
                }
            }
        });
        subscriber.send("{\"type\":\"subscribe\",\"id\":\"all\"}");
        Ws registrar = Ws.open(server.ws("/v1/discovery"), b, Ws.ignore());
        try (TracingSender events = new TracingSender(server, b)) {
            long start = System.nanoTime();
            long end = start + TimeUnit.SECONDS.toNanos(PHASE_SECONDS);
            long seq = 0;
            int registered = 0;
            long nextQuery = start;
            for (long tick = start; tick < end; tick += 50_000_000L) {
                LockSupport.parkNanos(Math.max(0, tick - System.nanoTime()));
                // Every 50 ms: 50 events, one registration; every 200 ms a small query.
                seq++;
                events.send(seq, steadyBatch(seq));
                String id = name + "-" + registered++;
                sent.put(id, System.nanoTime());
                registrar.send("{\"type\":\"register\",\"ttl\":60,\"node\":{\"id\":\"" + id + "\",\"service\":\"web\","
                        + "\"version\":\"1.0.0\",\"address\":\"10.9." + (registered / 250) + "." + (registered % 250)
                        + ":80\",\"environment\":\"prod\"}}");
                if (System.nanoTime() >= nextQuery) {
                    nextQuery += 200_000_000L;
                    long q = System.nanoTime();
                    int status = server.get("/api/v1/logs?limit=10", bOperator).statusCode();
                    if (status == 200) {
                        v.query.recordValue(System.nanoTime() - q);
                    }
                }
            }
            events.drain();
            synchronized (events.ackLatency) {
                v.ack.add(events.ackLatency);
            }
        } finally {
            running.set(false);
            noise.join(30_000);
            registrar.close();
            subscriber.close();
        }
        double seconds = (System.nanoTime() - began) / 1e9;
        v.serverCores = (server.cpuSeconds() - serverCpu) / seconds;
        v.benchCores = (ServerProcess.cpuSecondsOf("self") - benchCpu) / seconds;
        return v;
    }

    /** 50 small logs of B. */
    private static String steadyBatch(long seq) {
        StringBuilder b = new StringBuilder(50 * 200).append("{\"type\":\"events\",\"seq\":").append(seq)
                .append(",\"dropped\":0,\"items\":[");
        long now = System.currentTimeMillis() * 1_000;
        for (int i = 0; i < 50; i++) {
            b.append(i == 0 ? "" : ",").append("{\"kind\":\"log\",\"id\":\"").append(UUID.randomUUID().toString().replace("-", ""))
                    .append("\",\"timestamp\":").append(now + i).append(",\"service\":\"web\",\"level\":\"info\","
                            + "\"message\":\"request served\"}");
        }
        return b.append("]}").toString();
    }

    @FunctionalInterface
    private interface Flood {
        void once() throws Exception;
    }

    /** Batches of 500 on 4 connections as fast as the server answers, far past 10,000 events/s. */
    private static void floodEvents(ServerProcess server, String token) throws Exception {
        List<TracingSender> senders = new ArrayList<>();
        for (int c = 0; c < 4; c++) {
            senders.add(new TracingSender(server, token));
        }
        try {
            for (int b = 1; b <= 40; b++) {
                for (TracingSender s : senders) {
                    s.send(b, IngestBench.batch(b, "a", null));
                }
            }
        } finally {
            senders.forEach(TracingSender::close);
        }
    }

    /** 40 raw connections each sending 1.9 MiB of a 2 MiB frame, then waiting. */
    private static void halfSentFrames(ServerProcess server, String token) throws Exception {
        List<Socket> sockets = new ArrayList<>();
        try {
            byte[] chunk = new byte[64 * 1024];
            java.util.Arrays.fill(chunk, (byte) 'x');
            for (int c = 0; c < 40; c++) {
                Socket s = new Socket("127.0.0.1", server.port);
                sockets.add(s);
                OutputStream out = s.getOutputStream();
                out.write(("GET /v1/tracing HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                        + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\nAuthorization: Bearer "
                        + token + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                long length = 2L << 20;
                out.write(new byte[] {(byte) 0x81, (byte) (0x80 | 127), 0, 0, 0, 0, (byte) (length >>> 24),
                        (byte) (length >>> 16), (byte) (length >>> 8), (byte) length, 0, 0, 0, 0});
                for (int k = 0; k < 30; k++) {
                    out.write(chunk);
                }
                out.flush();
            }
            // Those the server refuses (over the tenant's or the process's bytes, or too slow) it closes.
            for (Socket s : sockets) {
                s.setSoTimeout(2_000);
                try {
                    java.io.InputStream in = s.getInputStream();
                    byte[] buf = new byte[4_096];
                    while (in.read(buf) >= 0) {
                        // the upgrade answer, then perhaps a close frame
                    }
                    DROPPED.incrementAndGet();
                } catch (java.net.SocketTimeoutException e) {
                    // still open: held within the budgets
                } catch (java.io.IOException e) {
                    DROPPED.incrementAndGet();
                }
            }
        } finally {
            for (Socket s : sockets) {
                s.close();
            }
        }
    }

    /** 60 subscriptions, then registrations as fast as they go, each fanned out to all of them. */
    private static void fanOut(ServerProcess server, String token) throws Exception {
        Ws watcher = Ws.open(server.ws("/v1/discovery"), token, Ws.ignore());
        Ws registrar = Ws.open(server.ws("/v1/discovery"), token, Ws.ignore());
        try {
            for (int i = 0; i < 60; i++) {
                watcher.send("{\"type\":\"subscribe\",\"id\":\"s" + i + "\"}");
            }
            // Under the 1,000 nodes one connection may keep; each new node is a change for all 60 subscriptions.
            for (int i = 0; i < 900; i++) {
                String id = "a-" + UUID.randomUUID().toString().substring(0, 8);
                registrar.send("{\"type\":\"register\",\"ttl\":10,\"node\":{\"id\":\"" + id + "\",\"service\":\"churn\","
                        + "\"version\":\"1.0.0\",\"address\":\"" + id + ":80\",\"environment\":\"prod\"}}");
            }
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(500));
        } finally {
            registrar.close();
            watcher.close();
        }
    }

    /** 300 logs of about 100 KB for A, so that its pages are large. */
    private static void storeLargeLogs(ServerProcess server, String token) throws Exception {
        try (TracingSender s = new TracingSender(server, token)) {
            String big = "m".repeat(100_000);
            for (int b = 0; b < 30; b++) {
                StringBuilder items = new StringBuilder();
                for (int i = 0; i < 10; i++) {
                    items.append(i == 0 ? "" : ",").append("{\"kind\":\"log\",\"id\":\"").append(UUID.randomUUID().toString()
                            .replace("-", "")).append("\",\"timestamp\":").append(System.currentTimeMillis() * 1_000)
                            .append(",\"service\":\"bulk\",\"level\":\"info\",\"message\":\"").append(big).append("\"}");
                }
                s.send(b + 1, "{\"type\":\"events\",\"seq\":" + (b + 1) + ",\"dropped\":0,\"items\":[" + items + "]}");
            }
            s.drain();
        }
        LockSupport.parkNanos(TimeUnit.SECONDS.toNanos(5)); // indexed and refreshed (2 s)
    }

    /** Four readers of the largest pages A can ask for, back to back. */
    private static void largePages(ServerProcess server, String operatorToken) throws Exception {
        List<Thread> readers = new ArrayList<>();
        AtomicLong pages = new AtomicLong();
        for (int r = 0; r < 4; r++) {
            readers.add(Thread.ofVirtual().start(() -> {
                try {
                    server.get("/api/v1/logs?limit=1000&service=bulk", operatorToken);
                    pages.incrementAndGet();
                } catch (Exception e) {
                    // counted by the absence of a page
                }
            }));
        }
        for (Thread t : readers) {
            t.join();
        }
    }

    /** Outcomes naming a new caller, service and node each. */
    private static void junkOutcomes(ServerProcess server, String token) throws Exception {
        try (TracingSender s = new TracingSender(server, token)) {
            for (int b = 1; b <= 20; b++) {
                StringBuilder items = new StringBuilder();
                for (int i = 0; i < 500; i++) {
                    String n = UUID.randomUUID().toString().substring(0, 8);
                    items.append(i == 0 ? "" : ",").append("{\"kind\":\"outcome\",\"id\":\"").append(UUID.randomUUID())
                            .append("\",\"timestamp\":").append(System.currentTimeMillis() * 1_000).append(",\"service\":\"c-")
                            .append(n).append("\",\"calleeService\":\"s-").append(n).append("\",\"calleeNode\":\"n-").append(n)
                            .append("\",\"success\":false,\"latencyMicros\":500}");
                }
                s.send(b, "{\"type\":\"events\",\"seq\":" + b + ",\"dropped\":0,\"items\":[" + items + "]}");
            }
            s.drain();
        }
    }
}
