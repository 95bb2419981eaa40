package io.switchboard.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.client.internal.CircuitBreaker;
import io.switchboard.client.internal.EnvironmentSpec;
import io.switchboard.client.internal.ManagedConnection;
import io.switchboard.client.internal.VersionRange;
import io.switchboard.common.codec.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The test vectors every client runs (clients/vectors, described in docs/client-behaviour.md), so that the Java
 * and the Node clients cannot drift apart.
 */
class SharedVectorsTest {
    private static JsonNode vectors(String name) throws IOException {
        // Tests run in the module's directory; the vectors are the repository's, beside the other clients.
        return Json.parse(Files.readString(Path.of("..", "clients", "vectors", name)));
    }

    @Test
    void versionMatching() throws IOException {
        JsonNode v = vectors("versions.json");
        assertThat(v.path("cases").size()).isPositive();
        for (JsonNode c : v.path("cases")) {
            assertThat(VersionRange.parse(c.path("range").asText()).matches(c.path("version").asText()))
                    .as(c.toString()).isEqualTo(c.path("matches").asBoolean());
        }
        for (JsonNode bad : v.path("invalid")) {
            assertThatThrownBy(() -> VersionRange.parse(bad.asText())).as(bad.asText())
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void environmentSpecs() throws IOException {
        JsonNode v = vectors("environments.json");
        assertThat(v.path("cases").size()).isPositive();
        for (JsonNode c : v.path("cases")) {
            EnvironmentSpec spec = EnvironmentSpec.parse(c.path("spec").asText());
            assertThat(spec.primary()).as(c.toString()).isEqualTo(c.path("primary").asText());
            assertThat(spec.fallback()).as(c.toString()).isEqualTo(c.path("fallback").isNull() ? null : c.path("fallback").asText());
        }
        for (JsonNode bad : v.path("invalid")) {
            assertThatThrownBy(() -> EnvironmentSpec.parse(bad.asText())).as(bad.asText())
                    .isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void traceContext() throws IOException {
        JsonNode v = vectors("tracecontext.json");
        assertThat(v.path("cases").size()).isPositive();
        for (JsonNode c : v.path("cases")) {
            SpanContext ctx = SpanContext.fromHeaders(text(c.path("traceparent")), text(c.path("tracestate")));
            JsonNode e = c.path("expected");
            if (e.isNull()) {
                assertThat(ctx).as(c.toString()).isNull();
                continue;
            }
            assertThat(ctx).as(c.toString()).isEqualTo(new SpanContext(e.path("traceId").asText(),
                    e.path("spanId").asText(), e.path("sampled").asBoolean(), text(e.path("traceState"))));
        }
    }

    @Test
    void circuitBreaker() throws IOException {
        JsonNode v = vectors("breaker.json");
        ResolutionRulesTest.MutableClock clock = new ResolutionRulesTest.MutableClock();
        CircuitBreaker breaker = new CircuitBreaker(v.path("failures").asInt(),
                Duration.ofMillis(v.path("openForMs").asLong()), clock);
        int i = 0;
        for (JsonNode step : v.path("steps")) {
            if (step.has("advance")) {
                clock.advance(Duration.ofMillis(step.path("advance").asLong()));
            } else {
                switch (step.path("do").asText()) {
                    case "failure" -> breaker.failure();
                    case "success" -> breaker.success();
                    case "callStarted" -> breaker.callStarted();
                    default -> throw new AssertionError("unknown step " + step);
                }
            }
            String desc = "step " + i++ + " " + step;
            assertThat(breaker.state().name().toLowerCase().replace('_', '-')).as(desc).isEqualTo(step.path("state").asText());
            assertThat(breaker.allowsCall()).as(desc).isEqualTo(step.path("allows").asBoolean());
        }
    }

    @Test
    void reconnectDelays() throws IOException {
        JsonNode v = vectors("reconnect.json");
        assertThat(v.path("cases").size()).isPositive();
        for (JsonNode c : v.path("cases")) {
            assertThat(ManagedConnection.delay(c.path("failures").asInt(), c.path("minMs").asLong(),
                    c.path("maxMs").asLong(), c.path("random").asDouble())).as(c.toString()).isEqualTo(c.path("delayMs").asLong());
        }
    }

    private static String text(JsonNode n) {
        return n == null || n.isNull() || n.isMissingNode() ? null : n.asText();
    }
}
