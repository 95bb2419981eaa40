package io.switchboard.cluster.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.client.Switchboard;
import io.switchboard.client.SwitchboardOptions;
import io.switchboard.common.model.Level;
import io.switchboard.common.model.Node;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * {@code ./switchboard deploy smoke URL}: the gate after a rollout, through the public URL as users reach it, one
 * check per service. Discovery: a node registered over the WebSocket appears in the operators' list. Tracing: a
 * log is acknowledged. Query: that log can be searched (so tracing's rings reach Elasticsearch through query's
 * indexer). Routing: the strategies answer. Uses a client and an operator token of a tenant kept for it
 * (SWITCHBOARD_SMOKE_CLIENT_TOKEN, SWITCHBOARD_SMOKE_OPERATOR_TOKEN); what it registers it removes.
 */
public final class Smoke {
    static final String SERVICE = "switchboard-smoke";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    /** A check that did not pass: which service, and what was seen. */
    public static final class Failure extends Exception {
        public Failure(String message) {
            super(message);
        }
    }

    private Smoke() {
    }

    /** Runs every check within {@code deadline} each; prints a line per check; throws on the first that fails. */
    public static void run(URI publicUrl, String clientToken, String operatorToken, Duration deadline, PrintStream out)
            throws Failure, InterruptedException {
        String base = publicUrl.toString().replaceAll("/+$", "");
        URI ws = URI.create(base.replaceFirst("^http", "ws"));
        String marker = "smoke-" + UUID.randomUUID();
        String nodeId = marker;
        SwitchboardOptions options = SwitchboardOptions.defaults().withTtl(Duration.ofSeconds(30))
                .withReconnect(Duration.ofMillis(200), Duration.ofSeconds(2)).withIdentity(SERVICE, "smoke", nodeId);
        try (Switchboard sb = Switchboard.connect(ws, () -> clientToken, options)) {
            long t = System.nanoTime();
            await(sb.discovery().register(new Node(null, nodeId, SERVICE, "1.0.0", "127.0.0.1:1", "smoke", Map.of())),
                    deadline, "discovery: registering node " + nodeId + " over " + ws + "/v1/discovery");
            poll(deadline, "discovery: node " + nodeId + " in GET /api/v1/services", () -> {
                JsonNode body = get(base + "/api/v1/services", operatorToken);
                for (JsonNode s : body.path("services")) {
                    for (JsonNode n : s.path("nodes")) {
                        if (nodeId.equals(n.path("id").asText())) {
                            return true;
                        }
                    }
                }
                return false;
            });
            out.printf("ok  discovery: registered %s over the WebSocket and listed it (%d ms)%n", nodeId, millis(t));

            t = System.nanoTime();
            sb.tracing().log(Level.INFO, "switchboard.smoke", marker);
            await(sb.tracing().flush(deadline), deadline, "tracing: acknowledgement of a log over " + ws + "/v1/tracing");
            out.printf("ok  tracing: a log was acknowledged (%d ms)%n", millis(t));

            t = System.nanoTime();
            String search = base + "/api/v1/logs?service=" + SERVICE + "&since=1h&q=" + URLEncoder.encode("\"" + marker
                    + "\"", StandardCharsets.UTF_8);
            poll(deadline, "query: the acknowledged log in GET /api/v1/logs", () ->
                    get(search, operatorToken).path("items").size() > 0);
            out.printf("ok  query: the log was searchable (%d ms after its acknowledgement)%n", millis(t));

            t = System.nanoTime();
            JsonNode routing = get(base + "/api/v1/routing", operatorToken);
            if (!routing.isObject()) {
                throw new Failure("routing: GET /api/v1/routing answered " + routing + ", not a JSON object");
            }
            out.printf("ok  routing: the strategies answered (%d ms)%n", millis(t));
            await(sb.discovery().deregister(nodeId), deadline, "discovery: deregistering " + nodeId);
        }
    }

    /** As a command: {@code Smoke URL}, tokens from the environment; exit 0 when every check passed. */
    public static void main(String[] args) throws InterruptedException {
        if (args.length != 1) {
            System.err.println("usage: ./switchboard deploy smoke URL   (with SWITCHBOARD_SMOKE_CLIENT_TOKEN and "
                    + "SWITCHBOARD_SMOKE_OPERATOR_TOKEN set)");
            System.exit(2);
        }
        String client = System.getenv("SWITCHBOARD_SMOKE_CLIENT_TOKEN");
        String operator = System.getenv("SWITCHBOARD_SMOKE_OPERATOR_TOKEN");
        if (client == null || client.isBlank() || operator == null || operator.isBlank()) {
            System.err.println("switchboard deploy smoke: set SWITCHBOARD_SMOKE_CLIENT_TOKEN and "
                    + "SWITCHBOARD_SMOKE_OPERATOR_TOKEN to a client and an operator token of the tenant kept for smoke "
                    + "tests (docs/deploy.md)");
            System.exit(2);
        }
        try {
            run(URI.create(args[0]), client, operator, Duration.ofSeconds(60), System.out);
            System.out.println("smoke test passed: discovery, tracing, query and routing answer through " + args[0]);
            System.exit(0);
        } catch (Failure e) {
            System.err.println("smoke test FAILED: " + e.getMessage());
            System.exit(1);
        }
    }

    @FunctionalInterface
    private interface Check {
        boolean passed() throws Failure, InterruptedException;
    }

    private static void poll(Duration deadline, String what, Check check) throws Failure, InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        Failure last = null;
        while (System.nanoTime() < end) {
            try {
                if (check.passed()) {
                    return;
                }
                last = null;
            } catch (Failure e) {
                last = e;
            }
            TimeUnit.MILLISECONDS.sleep(250); // the pace of asking again, not a wait for something
        }
        throw new Failure(what + ": not seen within " + deadline.toSeconds() + " s"
                + (last == null ? "" : " (last answer: " + last.getMessage() + ")"));
    }

    private static void await(java.util.concurrent.CompletableFuture<Void> f, Duration deadline, String what)
            throws Failure, InterruptedException {
        try {
            f.get(deadline.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new Failure(what + ": " + e.getCause().getMessage());
        } catch (TimeoutException e) {
            throw new Failure(what + ": no answer within " + deadline.toSeconds() + " s");
        }
    }

    private static JsonNode get(String url, String token) throws Failure, InterruptedException {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(15))
                    .header("Authorization", "Bearer " + token).build(), HttpResponse.BodyHandlers.ofString());
            if (r.statusCode() != 200) {
                throw new Failure("GET " + url + " answered " + r.statusCode() + ": " + r.body());
            }
            return JSON.readTree(r.body());
        } catch (IOException e) {
            throw new Failure("GET " + url + ": " + e.getMessage());
        }
    }

    private static long millis(long since) {
        return (System.nanoTime() - since) / 1_000_000;
    }
}
