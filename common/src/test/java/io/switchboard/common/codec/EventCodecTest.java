package io.switchboard.common.codec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.common.model.EventValidator;
import io.switchboard.common.model.Level;
import io.switchboard.common.model.Limits;
import io.switchboard.common.model.LogEvent;
import io.switchboard.common.model.Node;
import io.switchboard.common.model.Span;
import io.switchboard.common.model.TraceItem;
import io.switchboard.common.model.ValidationException;
import io.switchboard.common.model.Violation;
import org.junit.jupiter.api.Test;

class EventCodecTest {
    private final EventCodec codec = new EventCodec(new EventValidator(Limits.DEFAULT));
    private final long now = System.currentTimeMillis() * 1_000;

    @Test
    void theTenantComesFromTheCallerNeverFromThePayload() {
        Node node = codec.node(Json.parse("""
                {"id":"n1","service":"orders","version":"1.0.0","address":"h:1","environment":"prod","tenant":"evil"}
                """), "acme", "node");
        assertThat(node.tenant()).isEqualTo("acme");
        TraceItem item = codec.item(Json.parse("""
                {"kind":"log","id":"0af7651916cd43dd8448eb211c80319c","timestamp":%d,"service":"orders",
                 "level":"warn","message":"hi","tenant":"evil"}""".formatted(now)), "acme", "items[0]");
        assertThat(item).isInstanceOf(LogEvent.class);
        assertThat(item.tenant()).isEqualTo("acme");
        assertThat(((LogEvent) item).level()).isEqualTo(Level.WARN);
    }

    @Test
    void itemsRoundTripThroughJsonWithTheirKind() {
        String json = """
                {"kind":"span","id":"0af7651916cd43dd8448eb211c80319c","timestamp":%d,"durationMicros":12,
                 "service":"orders","traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"00f067aa0ba902b7",
                 "operation":"GET /x","spanKind":"client","status":"error","peerService":"payments"}""".formatted(now);
        Span span = (Span) codec.item(Json.parse(json), "acme", "");
        String written = Json.write(span);
        assertThat(Json.parse(written).get("kind").asText()).isEqualTo("span");
        assertThat(Json.parse(written).get("status").asText()).isEqualTo("error");
        assertThat(codec.item(Json.parse(written), "acme", "")).isEqualTo(span);
    }

    @Test
    void aWrongTypeNamesTheFieldWithItsPrefix() {
        assertThatThrownBy(() -> codec.item(Json.parse("""
                {"kind":"log","id":"0af7651916cd43dd8448eb211c80319c","timestamp":"yesterday","service":"orders",
                 "level":"info","message":"hi"}"""), "acme", "items[3]"))
                .isInstanceOf(ValidationException.class)
                .extracting(e -> ((ValidationException) e).violations().getFirst())
                .isEqualTo(new Violation("items[3].timestamp", "must be an integer"));
    }

    @Test
    void anUnknownKindOrLevelIsNamed() {
        assertThatThrownBy(() -> codec.item(Json.parse("{\"kind\":\"metric\",\"id\":\"x\"}"), "acme", "items[0]"))
                .isInstanceOf(ValidationException.class).hasMessageContaining("items[0]").hasMessageContaining("unknown kind");
        assertThatThrownBy(() -> codec.item(Json.parse("{\"id\":\"x\"}"), "acme", "items[0]"))
                .isInstanceOf(ValidationException.class).hasMessageContaining("needs a kind");
        assertThatThrownBy(() -> codec.item(Json.parse("""
                {"kind":"log","id":"0af7651916cd43dd8448eb211c80319c","timestamp":%d,"service":"orders",
                 "level":"loud","message":"hi"}""".formatted(now)), "acme", "items[0]"))
                .isInstanceOf(ValidationException.class).hasMessageContaining("items[0].level")
                .hasMessageContaining("unknown level 'loud'");
    }

    @Test
    void validationViolationsArePrefixed() {
        assertThatThrownBy(() -> codec.node(Json.parse("""
                {"id":"n1","service":"orders","version":"one","address":"h:1","environment":"prod"}"""), "acme", "node"))
                .isInstanceOf(ValidationException.class)
                .extracting(e -> ((ValidationException) e).violations().getFirst().field()).isEqualTo("node.version");
    }

    @Test
    void nullPropertyValuesAndNonObjectsAreRefused() {
        assertThatThrownBy(() -> codec.node(Json.parse("""
                {"id":"n1","service":"orders","version":"1.0.0","address":"h:1","environment":"prod","properties":{"a":null}}"""),
                "acme", "node")).isInstanceOf(ValidationException.class).hasMessageContaining("null");
        assertThatThrownBy(() -> codec.node(Json.parse("[1,2]"), "acme", "node"))
                .isInstanceOf(ValidationException.class).hasMessageContaining("node: must be an object");
    }

    @Test
    void deepNestingIsRefusedAsMalformed() {
        String deep = "[".repeat(100) + "]".repeat(100);
        assertThatThrownBy(() -> Json.parse(deep)).isInstanceOf(Json.DecodeException.class).hasMessageContaining("not valid JSON");
    }
}
