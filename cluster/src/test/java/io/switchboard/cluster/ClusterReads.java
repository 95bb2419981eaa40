package io.switchboard.cluster;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.client.SwitchboardOptions;
import io.switchboard.common.codec.Json;
import io.switchboard.testsupport.Tokens;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What the multi-process tests share: the Java clients' options and how long a client may be away, and an
 * operator's reads through a local cluster's gateway (the registry, history, a replica's Hazelcast health).
 */
final class ClusterReads {
    static final String TENANT = "acme";
    static final Duration RECONNECT_MAX = Duration.ofSeconds(1);
    /** The longest a client can be away: the longest reconnect delay (with +50 % jitter) and the handshake. */
    static final Duration RECONNECT_CYCLE = RECONNECT_MAX.multipliedBy(2);
    static final SwitchboardOptions OPTIONS = SwitchboardOptions.defaults()
            .withTtl(Duration.ofSeconds(10))
            .withResolveTimeout(Duration.ofSeconds(20))
            .withReconnect(Duration.ofMillis(200), RECONNECT_MAX)
            .withBuffer(100_000, Duration.ofMillis(50));
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    private ClusterReads() {
    }

    /** The hazelcast component of a replica's /health (members, safe). */
    static JsonNode hazelcast(ServiceProcess p) throws Exception {
        return Json.parse(send(URI.create(p.url("/health")), null)).path("components").path("hazelcast");
    }

    /** Whether a node's last refresh in the registry is later than {@code since} (it is kept alive). */
    static boolean refreshedSince(LocalCluster cluster, String id, long since) throws Exception {
        for (JsonNode service : get(cluster, "/api/v1/services").path("services")) {
            for (JsonNode n : service.path("nodes")) {
                if (id.equals(n.path("id").asText())) {
                    return java.time.Instant.parse(n.path("lastSeen").asText()).toEpochMilli() > since;
                }
            }
        }
        return false;
    }

    /** Every log message of a service of {@link #TENANT} in history, page by page. */
    static List<String> allLogMessages(LocalCluster cluster, String service) throws Exception {
        return allLogItems(cluster, service).stream().map(item -> item.path("message").asText()).toList();
    }

    /**
     * Every log of a service of {@link #TENANT} in history, oldest first, read page by page. The tests of this module
     * share one Elasticsearch node: each logs as a service of its own, so that none reads another's logs.
     */
    static List<JsonNode> allLogItems(LocalCluster cluster, String service) throws Exception {
        List<JsonNode> out = new ArrayList<>();
        String cursor = null;
        do {
            JsonNode page = get(cluster, "/api/v1/logs?service=" + service + "&since=1h&limit=1000&sort=asc"
                    + (cursor == null ? "" : "&cursor=" + URLEncoder.encode(cursor, StandardCharsets.UTF_8)));
            page.path("items").forEach(out::add);
            cursor = page.path("items").isEmpty() ? null : page.path("next").asText(null);
        } while (cursor != null);
        return out;
    }

    /** GET through the gateway as an operator of {@link #TENANT}; fails unless it answers 200. */
    static JsonNode get(LocalCluster cluster, String path) throws Exception {
        return Json.parse(send(URI.create(cluster.gatewayUrl() + path), Tokens.operator(TENANT)));
    }

    static String send(URI uri, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(15));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new AssertionError("GET " + uri + " answered " + r.statusCode() + ": " + r.body());
        }
        return r.body();
    }
}
