package io.switchboard.bench;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.common.codec.Json;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * The propagation benchmark's load on etcd (Debian's etcd-server), the peer a control plane is usually measured
 * against: 20 HTTP connections put 200 keys each, 2 ms apart (10,000 a second in all), while one watcher streams the prefix (etcd's JSON
 * gateway, /v3/kv/put and /v3/watch, over pipelined keep-alive connections); then they delete them. The time from sending a put (or delete) to the watcher
 * receiving its event.
 */
final class EtcdPeer {
    private static final Base64.Encoder B64 = Base64.getEncoder();

    private EtcdPeer() {
    }

    static void propagation(Path dir) throws Exception {
        Path etcd = Path.of("/usr/bin/etcd");
        if (!Files.isExecutable(etcd)) {
            System.out.println("  etcd         not installed (apt-get install etcd-server); no peer figures");
            return;
        }
        int client = freePort();
        int peer = freePort();
        Files.createDirectories(dir);
        Process process = new ProcessBuilder(etcd.toString(), "--name", "bench", "--data-dir", dir.resolve("data").toString(),
                "--listen-client-urls", "http://127.0.0.1:" + client, "--advertise-client-urls", "http://127.0.0.1:" + client,
                "--listen-peer-urls", "http://127.0.0.1:" + peer, "--initial-advertise-peer-urls", "http://127.0.0.1:" + peer,
                "--initial-cluster", "bench=http://127.0.0.1:" + peer)
                .redirectErrorStream(true).redirectOutput(dir.resolve("etcd.log").toFile()).start();
        String base = "http://127.0.0.1:" + client;
        try {
            HttpClient probe = HttpClient.newHttpClient();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (true) {
                try {
                    if (probe.send(HttpRequest.newBuilder(URI.create(base + "/health")).build(),
                            HttpResponse.BodyHandlers.ofString()).body().contains("true")) {
                        break;
                    }
                } catch (IOException e) {
                    if (System.nanoTime() > deadline) {
                        throw new IllegalStateException("etcd did not start; see " + dir.resolve("etcd.log"));
                    }
                }
                Thread.sleep(100); // polling a child process until it serves
            }
            round(base, "warmup/", false);
            double before = ServerProcess.cpuSecondsOf(Long.toString(process.pid()));
            round(base, "bench/", true);
            System.out.printf("  etcd 3.4     CPU %.3f s per 1,000 puts and deletes (through its JSON gateway, /v3/kv/*, over HTTP/1.1:"
                            + " the load its gRPC clients send costs it less)%n",
                    (ServerProcess.cpuSecondsOf(Long.toString(process.pid())) - before) * 1000 / (2.0 * PropagationBench.CONNECTIONS * PropagationBench.NODES_PER_CONNECTION));
        } finally {
            process.destroy();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }

    private static void round(String base, String prefix, boolean print) throws Exception {
        int total = PropagationBench.CONNECTIONS * PropagationBench.NODES_PER_CONNECTION;
        Map<String, Long> sentPut = new ConcurrentHashMap<>();
        Map<String, Long> sentDelete = new ConcurrentHashMap<>();
        Histogram put = new Histogram(60_000_000_000L, 3);
        Histogram delete = new Histogram(60_000_000_000L, 3);
        CountDownLatch puts = new CountDownLatch(total);
        CountDownLatch deletes = new CountDownLatch(total);
        String end = prefix.substring(0, prefix.length() - 1) + (char) (prefix.charAt(prefix.length() - 1) + 1);
        String watch = "{\"create_request\":{\"key\":\"" + b64(prefix) + "\",\"range_end\":\"" + b64(end) + "\"}}";
        HttpClient watcher = HttpClient.newHttpClient();
        CountDownLatch watching = new CountDownLatch(1);
        var stream = watcher.sendAsync(HttpRequest.newBuilder(URI.create(base + "/v3/watch"))
                .POST(HttpRequest.BodyPublishers.ofString(watch)).build(), HttpResponse.BodyHandlers.fromLineSubscriber(
                new java.util.concurrent.Flow.Subscriber<String>() {
                    @Override
                    public void onSubscribe(java.util.concurrent.Flow.Subscription s) {
                        s.request(Long.MAX_VALUE);
                    }

                    @Override
                    public void onNext(String line) {
                        long now = System.nanoTime();
                        JsonNode result = Json.parse(line).path("result");
                        if (result.path("created").asBoolean(false)) {
                            watching.countDown();
                        }
                        for (JsonNode e : result.path("events")) {
                            String key = new String(Base64.getDecoder().decode(e.path("kv").path("key").asText()), StandardCharsets.UTF_8);
                            boolean deleted = "DELETE".equals(e.path("type").asText());
                            Long sent = (deleted ? sentDelete : sentPut).remove(key);
                            if (sent != null) {
                                (deleted ? delete : put).recordValue(now - sent);
                                (deleted ? deletes : puts).countDown();
                            }
                        }
                    }

                    @Override
                    public void onError(Throwable t) {
                    }

                    @Override
                    public void onComplete() {
                    }
                }));
        if (!watching.await(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("the etcd watch did not start");
        }
        List<Pipelined> connections = new ArrayList<>();
        for (int c = 0; c < PropagationBench.CONNECTIONS; c++) {
            connections.add(new Pipelined(base));
        }
        PropagationBench.paced(total, i -> {
            String key = prefix + "n-" + (i % PropagationBench.CONNECTIONS) + "-" + (i / PropagationBench.CONNECTIONS);
            sentPut.put(key, System.nanoTime());
            connections.get(i % PropagationBench.CONNECTIONS).post("/v3/kv/put",
                    "{\"key\":\"" + b64(key) + "\",\"value\":\"" + b64("10.0.0.1:8080") + "\"}");
        });
        if (!puts.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException(puts.getCount() + " puts never reached the etcd watcher");
        }
        PropagationBench.paced(total, i -> {
            String key = prefix + "n-" + (i % PropagationBench.CONNECTIONS) + "-" + (i / PropagationBench.CONNECTIONS);
            sentDelete.put(key, System.nanoTime());
            connections.get(i % PropagationBench.CONNECTIONS).post("/v3/kv/deleterange", "{\"key\":\"" + b64(key) + "\"}");
        });
        if (!deletes.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException(deletes.getCount() + " deletes never reached the etcd watcher");
        }
        stream.cancel(true);
        connections.forEach(Pipelined::close);
        if (print) {
            System.out.printf("  etcd 3.4     put -> watcher             p50 %6.2f ms   p99 %6.2f ms   max %6.2f ms%n",
                    PropagationBench.ms(put, 50), PropagationBench.ms(put, 99), put.getMaxValue() / 1e6);
            System.out.printf("  etcd 3.4     delete -> watcher          p50 %6.2f ms   p99 %6.2f ms   max %6.2f ms%n",
                    PropagationBench.ms(delete, 50), PropagationBench.ms(delete, 99), delete.getMaxValue() / 1e6);
        }
    }

    /**
     * One keep-alive HTTP/1.1 connection that writes requests without waiting for answers (pipelining; etcd answers
     * them in order) and drains the answers on a thread of its own. The JDK's HttpClient opens a connection per
     * concurrent request instead, and at 10,000 requests a second it, not etcd, was what the figures measured.
     */
    private static final class Pipelined {
        private final java.net.Socket socket;
        private final java.io.OutputStream out;
        private final String host;

        Pipelined(String base) {
            URI uri = URI.create(base);
            try {
                socket = new java.net.Socket(uri.getHost(), uri.getPort());
                socket.setTcpNoDelay(true);
                out = socket.getOutputStream();
            } catch (IOException e) {
                throw new IllegalStateException("cannot connect to etcd at " + base, e);
            }
            host = uri.getHost() + ":" + uri.getPort();
            Thread.ofVirtual().start(() -> {
                byte[] sink = new byte[65536];
                try (var in = socket.getInputStream()) {
                    while (in.read(sink) >= 0) {
                        // answers are not needed: the watcher times the events
                    }
                } catch (IOException e) {
                    // closed
                }
            });
        }

        synchronized void post(String path, String body) {
            byte[] b = body.getBytes(StandardCharsets.UTF_8);
            String head = "POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: application/json\r\nContent-Length: "
                    + b.length + "\r\n\r\n";
            try {
                out.write(head.getBytes(StandardCharsets.US_ASCII));
                out.write(b);
                out.flush();
            } catch (IOException e) {
                throw new IllegalStateException("etcd closed the connection", e);
            }
        }

        void close() {
            try {
                socket.close();
            } catch (IOException e) {
                // already closed
            }
        }
    }

    private static String b64(String s) {
        return B64.encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
