package io.switchboard.query.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.common.codec.Json;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The indexer's byte path makes the same documents as the tree path, and steps aside when it cannot. */
class EventDocumentsTest {

    @Test
    void rawDocumentsEqualTreeDocuments() throws Exception {
        List<String> items = List.of(
                "{\"kind\":\"log\",\"id\":\"a1\",\"timestamp\":1795700000123456,\"service\":\"orders\",\"level\":\"warn\","
                        + "\"message\":\"stock \\\"low\\\" \\u00e9\\n\",\"attributes\":{\"order\":\"42\",\"k=\\\"v\\\"\":\"x\\\\y\"}}",
                "{ \"kind\" : \"span\", \"id\":\"s1\", \"timestamp\":1795700000000000, \"durationMicros\": 1200, "
                        + "\"operation\":\"GET /x\", \"attributes\": {} }",
                "{\"kind\":\"outcome\",\"id\":\"o1\",\"timestamp\":1795700000000000,\"calleeService\":\"payments\","
                        + "\"calleeNode\":\"p-1\",\"success\":false,\"latencyMicros\":7,\"unknown\":{\"nested\":[1,2]}}",
                "{\"kind\":\"log\",\"id\":\"a2\",\"timestamp\":1795700000000000,\"message\":\"no level\"}");
        for (String item : items) {
            EventDocuments.RawDocument raw = EventDocuments.rawDocument("acme \"corp\"", item);
            assertThat(raw).as(item).isNotNull();
            assertThat(Json.parse(new String(raw.json(), StandardCharsets.UTF_8)))
                    .as(item).isEqualTo(EventDocuments.document("acme \"corp\"", item));
            assertThat(raw.id()).isEqualTo(Json.parse(item).path("id").asText());
            assertThat(raw.timestampMicros()).isEqualTo(Json.parse(item).path("timestamp").asLong());
        }
    }

    @Test
    void aPrettyPrintedItemBecomesADocumentOfOneLineWithItsStringsIntact() throws Exception {
        String item = "{\n  \"kind\": \"log\",\r\n  \"id\": \"p1\",\n  \"timestamp\": 1795700000123456,\n"
                + "  \"service\": \"orders\", \"level\": \"info\", \"message\": \"two\\nlines\"\n}";
        var raw = EventDocuments.rawDocument("acme", item);
        String doc = new String(raw.json(), StandardCharsets.UTF_8);
        assertThat(doc).doesNotContain("\n").doesNotContain("\r");
        assertThat(Json.parse(doc).get("message").asText()).isEqualTo("two\nlines");
        assertThat(Json.parse(doc).get("id").asText()).isEqualTo("p1");
    }

    @Test
    void itemsThatNameADerivedFieldOrRepeatOneTakeTheTreePath() throws Exception {
        assertThat(EventDocuments.rawDocument("acme", "{\"id\":\"x\",\"timestamp\":1,\"tenant\":\"other\"}")).isNull();
        assertThat(EventDocuments.rawDocument("acme", "{\"id\":\"x\",\"timestamp\":1,\"levelNum\":9}")).isNull();
        assertThat(EventDocuments.rawDocument("acme", "{\"id\":\"x\",\"id\":\"y\",\"timestamp\":1}")).isNull();
        // The tree path overrides what the item says.
        assertThat(EventDocuments.document("acme", "{\"id\":\"x\",\"timestamp\":1,\"tenant\":\"other\"}").path("tenant").asText())
                .isEqualTo("acme");
    }
}
