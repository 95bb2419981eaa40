package io.switchboard.common.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** One case per validation rule: a valid object with exactly one thing broken must fail naming that field. */
class EventValidatorTest {
    static final Instant NOW = Instant.parse("2026-11-27T12:00:00Z");
    static final long NOW_MICROS = NOW.toEpochMilli() * 1_000;
    static final EventValidator V = new EventValidator(Limits.DEFAULT, Clock.fixed(NOW, ZoneOffset.UTC));
    static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";
    static final String SPAN = "00f067aa0ba902b7";
    static final String ID = "0af7651916cd43dd8448eb211c80319c";

    static Node node() {
        return new Node("t", "orders-1", "orders", "1.4.2", "10.0.0.7:8080", "prod", Map.of("zone", "eu-1"));
    }

    static LogEvent log() {
        return new LogEvent("t", ID, NOW_MICROS, "orders", "orders-1", "prod", Level.INFO, "com.example.Orders",
                "order placed", TRACE, SPAN, Map.of("order.id", "42"));
    }

    static Span span() {
        return new Span("t", ID, NOW_MICROS, 1_500, "orders", "orders-1", "prod", TRACE, SPAN, null, "POST /orders",
                Span.SpanKind.SERVER, Span.Status.OK, null, Map.of());
    }

    static CallOutcome outcome() {
        return new CallOutcome("t", ID, NOW_MICROS, "orders", "orders-1", "prod", "payments", "payments-2", true, 800, TRACE);
    }

    @Test
    void validObjectsPass() {
        assertThat(V.validate(node())).isEmpty();
        assertThat(V.validate(log())).isEmpty();
        assertThat(V.validate(span())).isEmpty();
        assertThat(V.validate(outcome())).isEmpty();
        assertThat(V.validate(new LogEvent("t", "0AF76519-16CD-43DD-8448-EB211C80319C", NOW_MICROS, "orders", null, null,
                Level.WARN, null, "x", null, null, null))).as("UUID id, optional fields absent").isEmpty();
    }

    static Stream<Arguments> nodeCases() {
        String longName = "s".repeat(101);
        Map<String, String> tooMany = new HashMap<>();
        for (int i = 0; i < 65; i++) {
            tooMany.put("k" + i, "v");
        }
        return Stream.of(
                nodeCase("id is required", "id", n -> new Node(n.tenant(), null, n.service(), n.version(), n.address(), n.environment(), n.properties())),
                nodeCase("id characters", "id", n -> new Node(n.tenant(), "orders 1", n.service(), n.version(), n.address(), n.environment(), n.properties())),
                nodeCase("id length", "id", n -> new Node(n.tenant(), "x".repeat(129), n.service(), n.version(), n.address(), n.environment(), n.properties())),
                nodeCase("service is required", "service", n -> new Node(n.tenant(), n.id(), null, n.version(), n.address(), n.environment(), n.properties())),
                nodeCase("service length", "service", n -> new Node(n.tenant(), n.id(), longName, n.version(), n.address(), n.environment(), n.properties())),
                nodeCase("service characters", "service", n -> new Node(n.tenant(), n.id(), "orders/v2", n.version(), n.address(), n.environment(), n.properties())),
                nodeCase("version is semver", "version", n -> new Node(n.tenant(), n.id(), n.service(), "1.4", n.address(), n.environment(), n.properties())),
                nodeCase("version has no leading zero", "version", n -> new Node(n.tenant(), n.id(), n.service(), "01.4.2", n.address(), n.environment(), n.properties())),
                nodeCase("address is required", "address", n -> new Node(n.tenant(), n.id(), n.service(), n.version(), "", n.environment(), n.properties())),
                nodeCase("address has no white space", "address", n -> new Node(n.tenant(), n.id(), n.service(), n.version(), "10.0.0.7 8080", n.environment(), n.properties())),
                nodeCase("address length", "address", n -> new Node(n.tenant(), n.id(), n.service(), n.version(), "h".repeat(513), n.environment(), n.properties())),
                nodeCase("environment is required", "environment", n -> new Node(n.tenant(), n.id(), n.service(), n.version(), n.address(), null, n.properties())),
                nodeCase("properties count", "properties", n -> new Node(n.tenant(), n.id(), n.service(), n.version(), n.address(), n.environment(), tooMany)),
                nodeCase("property key characters", "properties", n -> new Node(n.tenant(), n.id(), n.service(), n.version(), n.address(), n.environment(), Map.of("bad key", "v"))),
                nodeCase("property value length", "properties.zone", n -> new Node(n.tenant(), n.id(), n.service(), n.version(), n.address(), n.environment(), Map.of("zone", "v".repeat(1025)))),
                nodeCase("property value control characters", "properties.zone", n -> new Node(n.tenant(), n.id(), n.service(), n.version(), n.address(), n.environment(), Map.of("zone", "a\u0000b"))));
    }

    static Arguments nodeCase(String rule, String field, UnaryOperator<Node> breaking) {
        return Arguments.of(rule, field, breaking);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("nodeCases")
    void eachNodeRuleNamesItsField(String rule, String field, UnaryOperator<Node> breaking) {
        assertThat(V.validate(breaking.apply(node())))
                .as(rule).singleElement().extracting(Violation::field).isEqualTo(field);
    }

    static Stream<Arguments> itemCases() {
        return Stream.of(
                Arguments.of("id is required", "id", log(new LogEvent("t", null, NOW_MICROS, "orders", null, null, Level.INFO, null, "m", null, null, null))),
                Arguments.of("id is a UUID or 32 hex digits", "id", log(new LogEvent("t", "abc", NOW_MICROS, "orders", null, null, Level.INFO, null, "m", null, null, null))),
                Arguments.of("timestamp in microseconds", "timestamp", log(new LogEvent("t", ID, NOW.toEpochMilli(), "orders", null, null, Level.INFO, null, "m", null, null, null))),
                Arguments.of("timestamp within the history's retention (a backdated item would create an old daily index)",
                        "timestamp", log(new LogEvent("t", ID, NOW_MICROS - 8L * 86_400_000_000L, "orders", null, null, Level.INFO, null, "m", null, null, null))),
                Arguments.of("timestamp not far in the future", "timestamp", log(new LogEvent("t", ID, NOW_MICROS + 3_600_000_000L, "orders", null, null, Level.INFO, null, "m", null, null, null))),
                Arguments.of("service is required", "service", log(new LogEvent("t", ID, NOW_MICROS, null, null, null, Level.INFO, null, "m", null, null, null))),
                Arguments.of("level is required", "level", log(new LogEvent("t", ID, NOW_MICROS, "orders", null, null, null, null, "m", null, null, null))),
                Arguments.of("message is required", "message", log(new LogEvent("t", ID, NOW_MICROS, "orders", null, null, Level.INFO, null, "", null, null, null))),
                Arguments.of("message length", "message", log(new LogEvent("t", ID, NOW_MICROS, "orders", null, null, Level.INFO, null, "m".repeat(32_769), null, null, null))),
                Arguments.of("trace id format", "traceId", log(new LogEvent("t", ID, NOW_MICROS, "orders", null, null, Level.INFO, null, "m", "4BF92F3577B34DA6A3CE929D0E0E4736", null, null))),
                Arguments.of("trace id not all zero", "traceId", log(new LogEvent("t", ID, NOW_MICROS, "orders", null, null, Level.INFO, null, "m", "0".repeat(32), null, null))),
                Arguments.of("span id needs a trace id", "traceId", log(new LogEvent("t", ID, NOW_MICROS, "orders", null, null, Level.INFO, null, "m", null, SPAN, null))),
                Arguments.of("node reference characters", "node", log(new LogEvent("t", ID, NOW_MICROS, "orders", "a b", null, Level.INFO, null, "m", null, null, null))),
                Arguments.of("span id format", "spanId", span(new Span("t", ID, NOW_MICROS, 10, "orders", null, null, TRACE, "xyz", null, "op", null, null, null, null))),
                Arguments.of("parent span id format", "parentSpanId", span(new Span("t", ID, NOW_MICROS, 10, "orders", null, null, TRACE, SPAN, "0000000000000000", "op", null, null, null, null))),
                Arguments.of("trace id is required on spans", "traceId", span(new Span("t", ID, NOW_MICROS, 10, "orders", null, null, null, SPAN, null, "op", null, null, null, null))),
                Arguments.of("operation is required", "operation", span(new Span("t", ID, NOW_MICROS, 10, "orders", null, null, TRACE, SPAN, null, null, null, null, null, null))),
                Arguments.of("duration not negative", "durationMicros", span(new Span("t", ID, NOW_MICROS, -1, "orders", null, null, TRACE, SPAN, null, "op", null, null, null, null))),
                Arguments.of("duration at most 7 days", "durationMicros", span(new Span("t", ID, NOW_MICROS, 8L * 86_400_000_000L, "orders", null, null, TRACE, SPAN, null, "op", null, null, null, null))),
                Arguments.of("peer service characters", "peerService", span(new Span("t", ID, NOW_MICROS, 10, "orders", null, null, TRACE, SPAN, null, "op", Span.SpanKind.CLIENT, null, "pay ments", null))),
                Arguments.of("callee service is required", "calleeService", outcome(new CallOutcome("t", ID, NOW_MICROS, "orders", null, null, null, "payments-2", true, 5, null))),
                Arguments.of("callee node is required", "calleeNode", outcome(new CallOutcome("t", ID, NOW_MICROS, "orders", null, null, "payments", null, true, 5, null))),
                Arguments.of("latency not negative", "latencyMicros", outcome(new CallOutcome("t", ID, NOW_MICROS, "orders", null, null, "payments", "payments-2", false, -5, null))),
                Arguments.of("callee version is a semantic version", "calleeVersion", outcome(new CallOutcome("t", ID, NOW_MICROS, "orders", null, null, "payments", "payments-2", true, 5, null).ofCallee("latest", "prod"))),
                Arguments.of("callee environment characters", "calleeEnvironment", outcome(new CallOutcome("t", ID, NOW_MICROS, "orders", null, null, "payments", "payments-2", true, 5, null).ofCallee("1.2.0", "pr od"))));
    }

    private static TraceItem log(LogEvent e) {
        return e;
    }

    private static TraceItem span(Span s) {
        return s;
    }

    private static TraceItem outcome(CallOutcome o) {
        return o;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("itemCases")
    void eachItemRuleNamesItsField(String rule, String field, TraceItem item) {
        assertThat(V.validate(item)).as(rule).singleElement().extracting(Violation::field).isEqualTo(field);
    }

    @Test
    void itemsFromWithinTheHistorysRetentionAreAcceptedAndOlderOnesSayWhy() {
        long sixDays = 6L * 86_400_000_000L;
        assertThat(V.validate(new LogEvent("t", ID, NOW_MICROS - sixDays, "orders", null, null, Level.INFO, null, "m", null, null, null)))
                .isEmpty();
        assertThat(V.validate(new LogEvent("t", ID, NOW_MICROS - 2 * sixDays, "orders", null, null, Level.INFO, null, "m", null, null, null)))
                .singleElement().extracting(Violation::message).asString()
                .contains("288 h in the past").contains("history keeps 7 days of events");
    }

    @Test
    void violationsNameTheLimit() {
        LogEvent tooLong = new LogEvent("t", ID, NOW_MICROS, "orders", null, null, Level.INFO, null, "m".repeat(40_000), null, null, null);
        assertThatThrownBy(() -> V.require(tooLong)).isInstanceOf(ValidationException.class)
                .hasMessage("message: is 40000 characters long; the limit is 32768");
    }

    @Test
    void everyViolationIsReportedNotJustTheFirst() {
        Node bad = new Node("t", "", "", "x", "", "", Map.of());
        assertThat(V.validate(bad)).extracting(Violation::field)
                .containsExactlyInAnyOrder("id", "service", "version", "address", "environment");
    }
}
