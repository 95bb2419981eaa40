package io.switchboard.common.model;

import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Checks nodes and trace items against {@link Limits}. Every violation names the field and the limit, so that a
 * client author can fix the sender from the error alone.
 */
public final class EventValidator {
    // Character rules are checked by hand, not by regular expressions: every trace item passes through here, and
    // the regex engine was a tenth of the ingest path's time.
    private static final Rule NODE_ID = new Rule("._:-", false);
    private static final Rule NAME = new Rule("._-", false);
    private static final Rule KEY = new Rule("._:/-", true);
    private static final Pattern SEMVER = Pattern.compile(
            "(0|[1-9]\\d{0,8})\\.(0|[1-9]\\d{0,8})\\.(0|[1-9]\\d{0,8})(-[0-9A-Za-z.-]+)?(\\+[0-9A-Za-z.-]+)?");
    /** The longest W3C tracestate header value (32 entries). */
    public static final int MAX_TRACE_STATE = 512;
    /** Events and links of one span, each. */
    public static final int MAX_SPAN_EVENTS = 128;
    /** 2000-01-01T00:00:00Z in microseconds: anything earlier is a unit mistake (seconds or millis). */
    private static final long EARLIEST_MICROS = 946_684_800_000_000L;

    private final Limits limits;
    private final Clock clock;

    public EventValidator(Limits limits, Clock clock) {
        this.limits = limits;
        this.clock = clock;
    }

    public EventValidator(Limits limits) {
        this(limits, Clock.systemUTC());
    }

    public Limits limits() {
        return limits;
    }

    /** Whether a text is a service or environment name: letters and digits, then also . _ - (length not checked). */
    public static boolean isName(String value) {
        return value != null && NAME.matches(value);
    }

    /** Whether a text is a semantic version MAJOR.MINOR.PATCH with optional pre-release and build. */
    public static boolean isVersion(String value) {
        return value != null && SEMVER.matcher(value).matches();
    }

    public List<Violation> validate(Node node) {
        Checks c = new Checks();
        c.pattern("id", node.id(), limits.maxIdLength(), NODE_ID, "letters, digits and . _ : -");
        c.name("service", node.service(), true);
        c.semver("version", node.version());
        c.text("address", node.address(), limits.maxAddressLength(), true);
        if (node.address() != null && node.address().chars().anyMatch(Character::isWhitespace)) {
            c.add("address", "must not contain white space");
        }
        c.name("environment", node.environment(), true);
        c.entries("properties", node.properties());
        return c.violations;
    }

    public List<Violation> validate(TraceItem item) {
        Checks c = new Checks();
        c.eventId(item.id());
        c.timestamp("timestamp", item.timestamp());
        c.name("service", item.service(), true);
        switch (item) {
            case LogEvent log -> {
                c.nodeRef("node", log.node());
                c.name("environment", log.environment(), false);
                c.required("level", log.level());
                c.text("category", log.category(), limits.maxNameLength(), false);
                c.text("message", log.message(), limits.maxMessageLength(), true);
                c.traceId("traceId", log.traceId(), false);
                c.spanId("spanId", log.spanId(), false);
                if (log.spanId() != null && log.traceId() == null) {
                    c.add("traceId", "is required when spanId is set");
                }
                c.entries("attributes", log.attributes());
            }
            case Span span -> {
                c.nodeRef("node", span.node());
                c.name("environment", span.environment(), false);
                c.duration("durationMicros", span.durationMicros());
                c.traceId("traceId", span.traceId(), true);
                c.spanId("spanId", span.spanId(), true);
                c.spanId("parentSpanId", span.parentSpanId(), false);
                c.text("operation", span.operation(), limits.maxNameLength(), true);
                c.name("peerService", span.peerService(), false);
                c.entries("attributes", span.attributes());
                c.text("traceState", span.traceState(), MAX_TRACE_STATE, false);
                c.events(span.events());
                c.links(span.links());
            }
            case CallOutcome outcome -> {
                c.nodeRef("node", outcome.node());
                c.name("environment", outcome.environment(), false);
                c.name("calleeService", outcome.calleeService(), true);
                c.nodeRef("calleeNode", outcome.calleeNode());
                c.required("calleeNode", outcome.calleeNode());
                c.duration("latencyMicros", outcome.latencyMicros());
                c.traceId("traceId", outcome.traceId(), false);
                if (outcome.calleeVersion() != null) {
                    c.semver("calleeVersion", outcome.calleeVersion());
                }
                c.name("calleeEnvironment", outcome.calleeEnvironment(), false);
            }
        }
        return c.violations;
    }

    /** Throws {@link ValidationException} if the node breaks any rule. */
    public Node require(Node node) {
        List<Violation> v = validate(node);
        if (!v.isEmpty()) {
            throw new ValidationException(v);
        }
        return node;
    }

    /** Throws {@link ValidationException} if the item breaks any rule. */
    public <T extends TraceItem> T require(T item) {
        List<Violation> v = validate(item);
        if (!v.isEmpty()) {
            throw new ValidationException(v);
        }
        return item;
    }

    /** Letters and digits plus some punctuation; the first character is a letter or digit (or _ if allowed). */
    private record Rule(String punctuation, boolean underscoreFirst) {
        boolean matches(String s) {
            if (s.isEmpty()) {
                return false;
            }
            char first = s.charAt(0);
            if (!isAlnum(first) && !(underscoreFirst && first == '_')) {
                return false;
            }
            for (int i = 1; i < s.length(); i++) {
                char c = s.charAt(i);
                if (!isAlnum(c) && punctuation.indexOf(c) < 0) {
                    return false;
                }
            }
            return true;
        }
    }

    private static boolean isAlnum(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9';
    }

    private static boolean isHex(char c, boolean upperToo) {
        return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || upperToo && c >= 'A' && c <= 'F';
    }

    /** Exactly {@code length} lowercase hex digits, not all zero (W3C trace context). */
    static boolean isLowerHex(String s, int length) {
        if (s.length() != length) {
            return false;
        }
        boolean nonZero = false;
        for (int i = 0; i < length; i++) {
            char c = s.charAt(i);
            if (!isHex(c, false)) {
                return false;
            }
            nonZero |= c != '0';
        }
        return nonZero;
    }

    /** 32 hex digits, or a UUID in its 8-4-4-4-12 form (either case). */
    static boolean isEventId(String s) {
        if (s.length() == 32) {
            for (int i = 0; i < 32; i++) {
                if (!isHex(s.charAt(i), true)) {
                    return false;
                }
            }
            return true;
        }
        if (s.length() != 36) {
            return false;
        }
        for (int i = 0; i < 36; i++) {
            char c = s.charAt(i);
            boolean dash = i == 8 || i == 13 || i == 18 || i == 23;
            if (dash ? c != '-' : !isHex(c, true)) {
                return false;
            }
        }
        return true;
    }

    /** Collects violations for one object; each method checks one rule shape. */
    private final class Checks {
        final List<Violation> violations = new ArrayList<>();

        void add(String field, String message) {
            violations.add(new Violation(field, message));
        }

        void required(String field, Object value) {
            if (value == null) {
                add(field, "is required");
            }
        }

        boolean text(String field, String value, int max, boolean required) {
            if (value == null || value.isEmpty()) {
                if (required) {
                    add(field, "is required");
                }
                return false;
            }
            if (value.length() > max) {
                add(field, "is " + value.length() + " characters long; the limit is " + max);
                return false;
            }
            for (int i = 0; i < value.length(); i++) {
                char ch = value.charAt(i);
                if (ch < 0x20 && ch != '\n' && ch != '\t' && ch != '\r') {
                    add(field, "must not contain control characters");
                    return false;
                }
            }
            return true;
        }

        void pattern(String field, String value, int max, Rule rule, String allowed) {
            if (text(field, value, max, true) && !rule.matches(value)) {
                add(field, "must be " + allowed + " (1 to " + max + " characters), got '" + value + "'");
            }
        }

        void name(String field, String value, boolean required) {
            if (text(field, value, limits.maxNameLength(), required) && !NAME.matches(value)) {
                add(field, "must start with a letter or digit and contain only letters, digits and . _ - (1 to "
                        + limits.maxNameLength() + " characters), got '" + value + "'");
            }
        }

        void nodeRef(String field, String value) {
            if (text(field, value, limits.maxIdLength(), false) && !NODE_ID.matches(value)) {
                add(field, "must be letters, digits and . _ : - (1 to " + limits.maxIdLength()
                        + " characters), got '" + value + "'");
            }
        }

        void eventId(String value) {
            if (value == null || value.isEmpty()) {
                add("id", "is required");
            } else if (!isEventId(value)) {
                add("id", "must be a UUID or 32 hex digits, got '" + abbreviate(value) + "'");
            }
        }

        void semver(String field, String value) {
            if (text(field, value, limits.maxVersionLength(), true) && !SEMVER.matcher(value).matches()) {
                add(field, "must be a semantic version MAJOR.MINOR.PATCH such as 1.4.2, got '" + value + "'");
            }
        }

        void traceId(String field, String value, boolean required) {
            if (value == null) {
                if (required) {
                    add(field, "is required");
                }
            } else if (!isLowerHex(value, 32)) {
                add(field, "must be 32 lowercase hex digits, not all zero, got '" + abbreviate(value) + "'");
            }
        }

        void spanId(String field, String value, boolean required) {
            if (value == null) {
                if (required) {
                    add(field, "is required");
                }
            } else if (!isLowerHex(value, 16)) {
                add(field, "must be 16 lowercase hex digits, not all zero, got '" + abbreviate(value) + "'");
            }
        }

        void timestamp(String field, long micros) {
            Instant now = clock.instant();
            long latestMicros = ChronoUnit.MICROS.between(Instant.EPOCH, now.plus(limits.maxFutureSkew()));
            long oldestMicros = ChronoUnit.MICROS.between(Instant.EPOCH, now.minus(limits.maxAge()));
            if (micros < EARLIEST_MICROS) {
                add(field, "must be microseconds since the Unix epoch, after 2000-01-01 (got " + micros
                        + "; seconds or milliseconds by mistake?)");
            } else if (micros < oldestMicros) {
                add(field, "is " + ChronoUnit.HOURS.between(Instant.EPOCH.plus(micros, ChronoUnit.MICROS), now)
                        + " h in the past; history keeps " + limits.maxAge().toDays() + " days of events, so the "
                        + "oldest accepted is " + now.minus(limits.maxAge()).truncatedTo(ChronoUnit.SECONDS));
            } else if (micros > latestMicros) {
                add(field, "is more than " + limits.maxFutureSkew().toSeconds()
                        + " s ahead of the server's clock");
            }
        }

        void duration(String field, long micros) {
            long max = limits.maxDuration().toNanos() / 1_000;
            if (micros < 0) {
                add(field, "must not be negative");
            } else if (micros > max) {
                add(field, "is " + micros + " µs; the limit is " + max + " µs (" + limits.maxDuration().toDays()
                        + " days)");
            }
        }

        void entries(String field, Map<String, String> map) {
            if (map.size() > limits.maxEntries()) {
                add(field, "has " + map.size() + " entries; the limit is " + limits.maxEntries());
                return;
            }
            for (Map.Entry<String, String> e : map.entrySet()) {
                String key = e.getKey();
                if (key.length() > limits.maxKeyLength() || !KEY.matches(key)) {
                    add(field, "key '" + abbreviate(key) + "' must be letters, digits and . _ : / - (1 to "
                            + limits.maxKeyLength() + " characters)");
                } else {
                    text(field + "." + key, e.getValue(), limits.maxValueLength(), true);
                }
            }
        }

        void events(List<Span.Event> events) {
            if (events.size() > MAX_SPAN_EVENTS) {
                add("events", "has " + events.size() + " events; the limit is " + MAX_SPAN_EVENTS);
                return;
            }
            for (int i = 0; i < events.size(); i++) {
                Span.Event e = events.get(i);
                String at = "events[" + i + "]";
                if (e == null) {
                    add(at, "must be an object");
                    continue;
                }
                if (e.timestamp() < 0) {
                    add(at + ".timestamp", "must not be negative");
                }
                text(at + ".name", e.name(), limits.maxNameLength(), true);
                entries(at + ".attributes", e.attributes());
            }
        }

        void links(List<Span.Link> links) {
            if (links.size() > MAX_SPAN_EVENTS) {
                add("links", "has " + links.size() + " links; the limit is " + MAX_SPAN_EVENTS);
                return;
            }
            for (int i = 0; i < links.size(); i++) {
                Span.Link l = links.get(i);
                String at = "links[" + i + "]";
                if (l == null) {
                    add(at, "must be an object");
                    continue;
                }
                traceId(at + ".traceId", l.traceId(), true);
                spanId(at + ".spanId", l.spanId(), true);
                text(at + ".traceState", l.traceState(), MAX_TRACE_STATE, false);
                entries(at + ".attributes", l.attributes());
            }
        }

        private String abbreviate(String s) {
            return s.length() <= 40 ? s : s.substring(0, 40) + "...";
        }
    }
}
