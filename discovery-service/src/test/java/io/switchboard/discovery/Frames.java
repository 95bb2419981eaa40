package io.switchboard.discovery;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.testsupport.WsTestClient;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;

/** Builds discovery frames and keeps a subscriber's view by applying snapshots and changes, as a client would. */
final class Frames {
    private Frames() {
    }

    static String register(String id, String service, String version, String address, String env, Integer ttl) {
        return "{\"type\":\"register\",\"ref\":\"" + id + "\"" + (ttl == null ? "" : ",\"ttl\":" + ttl)
                + ",\"node\":{\"id\":\"" + id + "\",\"service\":\"" + service + "\",\"version\":\"" + version
                + "\",\"address\":\"" + address + "\",\"environment\":\"" + env + "\"}}";
    }

    static String register(String id, String service, Integer ttl) {
        return register(id, service, "1.0.0", "10.0.0.1:" + (1000 + Math.abs(id.hashCode() % 60000)), "prod", ttl);
    }

    static String subscribe(String id, String service, String env) {
        return "{\"type\":\"subscribe\",\"id\":\"" + id + "\"" + (service == null ? "" : ",\"service\":\"" + service + "\"")
                + (env == null ? "" : ",\"environment\":\"" + env + "\"") + "}";
    }

    /** A subscriber's local view, kept up to date from the frames it reads. */
    static final class View {
        final Map<String, JsonNode> nodes = new HashMap<>();
        final Map<String, String> removedReasons = new HashMap<>();
        int snapshots;
        int changeFrames;
        long revision;

        void apply(JsonNode frame) {
            switch (frame.path("type").asText()) {
                case "snapshot" -> {
                    snapshots++;
                    revision = frame.get("revision").asLong();
                    nodes.clear();
                    frame.get("nodes").forEach(n -> nodes.put(n.get("id").asText(), n));
                }
                case "changes" -> {
                    changeFrames++;
                    long r = frame.get("revision").asLong();
                    if (r != revision + 1) {
                        throw new AssertionError("revision jumped from " + revision + " to " + r);
                    }
                    revision = r;
                    frame.get("upserted").forEach(n -> nodes.put(n.get("id").asText(), n));
                    frame.get("removed").forEach(r2 -> {
                        nodes.remove(r2.get("id").asText());
                        removedReasons.put(r2.get("id").asText(), r2.get("reason").asText());
                    });
                }
                default -> { }
            }
        }

        /** Reads frames until the view satisfies the condition (or the deadline passes). */
        View until(WsTestClient c, Predicate<View> condition) {
            while (!condition.test(this)) {
                apply(c.next(f -> f.path("type").asText().matches("snapshot|changes")));
            }
            return this;
        }

        Set<String> ids() {
            return new HashSet<>(nodes.keySet());
        }
    }
}
