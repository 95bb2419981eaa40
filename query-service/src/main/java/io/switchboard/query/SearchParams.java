package io.switchboard.query;

import io.switchboard.common.config.ConfigSource;
import io.switchboard.common.model.Level;
import io.vertx.core.MultiMap;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The parameters of a history search, checked strictly: an unknown parameter, a bad value or an empty window is a
 * {@link BadParameter} naming the parameter and what it takes.
 *
 * @param fromMillis start of the window; {@code since} (such as 15m) counts back from now, {@code from} is absolute
 * @param toMillis   end of the window; {@code to} absolute, else now
 */
record SearchParams(String q, String service, Level minLevel, String environment, String node, String traceId,
                    long fromMillis, long toMillis, boolean ascending, int limit, LogsResource.Cursor cursor) {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");
    private static final Pattern TRACE = Pattern.compile("[0-9a-f]{32}");
    private static final Set<String> KNOWN = Set.of("q", "service", "level", "environment", "node", "traceId", "since",
            "from", "to", "sort", "limit", "cursor", "token");
    static final Duration DEFAULT_WINDOW = Duration.ofHours(1);
    /** The longest window a query may cover: a query's cost grows with the days (indices) it reads. */
    static final Duration MAX_WINDOW = Duration.ofDays(31);

    /** A parameter that cannot be used; the message says what it takes. */
    static final class BadParameter extends RuntimeException {
        private final String parameter;

        BadParameter(String parameter, String message) {
            super(parameter + ": " + message);
            this.parameter = parameter;
        }

        String parameter() {
            return parameter;
        }
    }

    static SearchParams from(MultiMap params, long nowMillis) {
        for (String name : params.names()) {
            if (!KNOWN.contains(name)) {
                throw new BadParameter(name, "unknown parameter; known: " + String.join(", ", new java.util.TreeSet<>(KNOWN)));
            }
            if (params.getAll(name).size() > 1) {
                throw new BadParameter(name, "given more than once");
            }
        }
        String q = params.get("q");
        if (q != null && (q.isBlank() || q.length() > 500)) {
            throw new BadParameter("q", "must be 1 to 500 characters");
        }
        Level level = null;
        if (params.get("level") != null) {
            try {
                level = Level.parse(params.get("level"));
            } catch (IllegalArgumentException e) {
                throw new BadParameter("level", e.getMessage());
            }
        }
        String traceId = params.get("traceId");
        if (traceId != null && !TRACE.matcher(traceId).matches()) {
            throw new BadParameter("traceId", "must be 32 lowercase hex digits");
        }
        long to = params.get("to") == null ? nowMillis : instant("to", params.get("to"));
        long from;
        if (params.get("since") != null && params.get("from") != null) {
            throw new BadParameter("since", "give since (relative) or from (absolute), not both");
        } else if (params.get("since") != null) {
            Duration d = ConfigSource.parseDuration(params.get("since"));
            if (d == null || d.isZero()) {
                throw new BadParameter("since", "must be a duration such as 15m, 24h or 7d");
            }
            from = nowMillis - d.toMillis();
        } else {
            from = params.get("from") == null ? to - DEFAULT_WINDOW.toMillis() : instant("from", params.get("from"));
        }
        if (from > to) {
            throw new BadParameter("from", "the window starts after it ends");
        }
        if (to - from > MAX_WINDOW.toMillis()) {
            throw new BadParameter(params.get("since") != null ? "since" : "from", "the window is "
                    + Duration.ofMillis(to - from).toDays() + " days long; at most " + MAX_WINDOW.toDays()
                    + " days can be searched at once");
        }
        String sort = params.get("sort");
        if (sort != null && !sort.equals("asc") && !sort.equals("desc")) {
            throw new BadParameter("sort", "must be asc or desc");
        }
        int limit = 100;
        if (params.get("limit") != null) {
            try {
                limit = Integer.parseInt(params.get("limit"));
            } catch (NumberFormatException e) {
                limit = -1;
            }
            if (limit < 1 || limit > LogsResource.MAX_LIMIT) {
                throw new BadParameter("limit", "must be a whole number from 1 to " + LogsResource.MAX_LIMIT);
            }
        }
        LogsResource.Cursor cursor = null;
        if (params.get("cursor") != null) {
            try {
                cursor = LogsResource.Cursor.decode(params.get("cursor"));
            } catch (RuntimeException e) {
                throw new BadParameter("cursor", "is not a cursor this API gave out; use the next value of a previous page");
            }
        }
        return new SearchParams(q, name("service", params.get("service")), level, name("environment", params.get("environment")),
                name("node", params.get("node")), traceId, from, to, "asc".equals(sort), limit, cursor);
    }

    /** Only the time window (since, or from and to) of a request that takes nothing else. */
    static SearchParams window(MultiMap params, long nowMillis) {
        for (String name : params.names()) {
            if (!Set.of("since", "from", "to", "token").contains(name)) {
                throw new BadParameter(name, "unknown parameter; known: since, from, to");
            }
        }
        return from(params, nowMillis);
    }

    /**
     * The daily indices the window touches (the indexer files an item under its own day): a query reads only those,
     * not every day the history keeps.
     */
    List<String> indices() {
        List<String> out = new java.util.ArrayList<>();
        java.time.LocalDate last = Instant.ofEpochMilli(toMillis).atZone(java.time.ZoneOffset.UTC).toLocalDate();
        for (java.time.LocalDate d = Instant.ofEpochMilli(fromMillis).atZone(java.time.ZoneOffset.UTC).toLocalDate();
             !d.isAfter(last); d = d.plusDays(1)) {
            out.add(io.switchboard.query.internal.EventDocuments.index(d.atStartOfDay(java.time.ZoneOffset.UTC).toEpochSecond() * 1_000_000));
        }
        return out;
    }

    /** The window as an Elasticsearch filter on @timestamp. */
    co.elastic.clients.elasticsearch._types.query_dsl.Query timeFilter() {
        return co.elastic.clients.elasticsearch._types.query_dsl.Query.of(q -> q.range(r -> r.date(d -> d.field("@timestamp")
                .gte(Long.toString(fromMillis)).lte(Long.toString(toMillis)).format("epoch_millis"))));
    }

    private static String name(String parameter, String value) {
        if (value != null && !NAME.matcher(value).matches()) {
            throw new BadParameter(parameter, "must be a name of letters, digits and . _ : -");
        }
        return value;
    }

    private static long instant(String parameter, String value) {
        try {
            return Instant.parse(value).toEpochMilli();
        } catch (DateTimeParseException e) {
            throw new BadParameter(parameter, "must be an ISO-8601 instant such as 2026-11-27T10:00:00Z");
        }
    }
}
