package io.switchboard.tracing;

import io.switchboard.common.auth.Principal;
import io.switchboard.common.buffer.RingSlots;
import io.switchboard.common.buffer.TraceRings;
import io.switchboard.common.codec.EventCodec;
import io.switchboard.common.model.TraceItem;
import io.switchboard.common.model.ValidationException;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Ingest for the HTTP receivers (OTLP, Zipkin): the same checks, quotas, buffer and loss ledger as an
 * {@code events} frame of protocol v1, for items another format was mapped to: items of a trace to the trace's ring,
 * others to a ring taken in turn ({@link BatchSlots}), admitted as a whole by {@link BufferAdmission}.
 */
final class HttpIngest {
    /** Requests being written to the buffer at once on this replica before more get 503. */
    static final int MAX_IN_FLIGHT = 256;

    private final Vertx vertx;
    private final TraceRings rings;
    private final EventCodec codec;
    private final TracingQuotas quotas;
    private final TracingMetrics metrics;
    private final BufferAdmission admission;
    private final int maxItems;
    private final int maxBytes;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger nextShard = new AtomicInteger();

    HttpIngest(Vertx vertx, TraceRings rings, EventCodec codec, TracingQuotas quotas, TracingMetrics metrics,
               BufferAdmission admission, int maxItems, int maxBytes) {
        this.vertx = vertx;
        this.rings = rings;
        this.codec = codec;
        this.quotas = quotas;
        this.metrics = metrics;
        this.admission = admission;
        this.maxItems = maxItems;
        this.maxBytes = maxBytes;
    }

    /** Items in one request; more is refused whole (the quota's burst could never admit it). */
    int maxItems() {
        return maxItems;
    }

    /** Bytes of one request once inflated; more is refused whole. */
    int maxBytes() {
        return maxBytes;
    }

    /** A mapped item, or why the source item could not be mapped; {@code label} names it in a rejection. */
    record Candidate(String label, TraceItem item, String problem) {
        static Candidate of(String label, TraceItem item) {
            return new Candidate(label, item, null);
        }

        static Candidate refused(String label, String problem) {
            return new Candidate(label, null, problem);
        }
    }

    /** What happened to a request's items: how many were stored, and why each other one was not. */
    record Result(int accepted, List<String> rejected) {
        /** Rejection reasons quoted in a message; the count covers them all. */
        private static final int QUOTED_REASONS = 5;

        /** The first few reasons, and how many more there are. */
        String reasons() {
            StringBuilder b = new StringBuilder();
            for (int i = 0; i < Math.min(QUOTED_REASONS, rejected.size()); i++) {
                b.append(i == 0 ? "" : "; ").append(rejected.get(i));
            }
            if (rejected.size() > QUOTED_REASONS) {
                b.append("; and ").append(rejected.size() - QUOTED_REASONS).append(" more");
            }
            return b.toString();
        }
    }

    /** The request was refused whole, with the HTTP status to answer and, for 429/503, when to try again. */
    static final class Refused extends RuntimeException {
        final int status;
        final long retryAfterMillis;

        Refused(int status, String message, long retryAfterMillis) {
            super(message, null, false, false);
            this.status = status;
            this.retryAfterMillis = retryAfterMillis;
        }

        /** Sets Retry-After (whole seconds, at least 1) on a 429 or 503 that says when to try again. */
        void retryAfter(io.vertx.core.http.HttpServerResponse response) {
            if (retryAfterMillis > 0 && (status == 429 || status == 503)) {
                response.putHeader("Retry-After", Long.toString(Math.max(1, (retryAfterMillis + 999) / 1000)));
            }
        }
    }

    /**
     * Spends a request's bytes of the tenant's byte rate before its body is decoded (refuse before working), or
     * refuses it with 429. What was spent is given back by {@link #refundBytes} if the request is not stored.
     */
    void admitBytes(Principal principal, int requestBytes) {
        try {
            quotas.admitBytes(principal.tenant(), 1, Math.min(requestBytes, maxBytes));
        } catch (io.switchboard.common.quota.QuotaExceeded e) {
            throw new Refused(429, e.getMessage(), Math.max(e.retryAfterMillis(), 1));
        }
    }

    void refundBytes(Principal principal, int requestBytes) {
        quotas.bytes.refund(principal.tenant(), Math.min(requestBytes, maxBytes));
    }

    /**
     * Checks each item as protocol v1 does (rules, the token's service, size as stored), spends the tenant's item
     * rate on what passed (its bytes were spent by {@link #admitBytes}), and appends it to the buffer. Fails with {@link Refused} when the request is refused whole:
     * 429 over quota, 503 when the buffer cannot take it now; nothing of it is stored then.
     */
    Future<Result> store(Principal principal, List<Candidate> candidates, int requestBytes) {
        List<String> rejected = new ArrayList<>();
        BatchSlots records = new BatchSlots(rings.shards(), Math.floorMod(nextShard.getAndIncrement(), rings.shards()));
        int accepted = 0;
        for (Candidate c : candidates) {
            if (c.item() == null) {
                rejected.add(c.label() + ": " + c.problem());
                continue;
            }
            TraceItem item = c.item().withTenant(principal.tenant());
            try {
                codec.validate(item, c.label());
            } catch (ValidationException e) {
                rejected.add(e.getMessage());
                continue;
            }
            if (!principal.mayActAs(item.service())) {
                rejected.add(c.label() + ".service: this token is for service '" + principal.service()
                        + "'; it may send only that service's items, not '" + item.service() + "'");
                continue;
            }
            String record = TraceRings.encode(item);
            int bytes = RingSlots.utf8Length(record);
            if (bytes > RingSlots.MAX_ITEM_BYTES) {
                rejected.add(c.label() + ": is " + bytes + " bytes as stored; the limit is " + RingSlots.MAX_ITEM_BYTES
                        + ": shorten its attributes or events");
                continue;
            }
            records.add(item, record);
            accepted++;
        }
        metrics.rejected.increment(rejected.size());
        if (records.isEmpty()) {
            refundBytes(principal, requestBytes);
            return Future.succeededFuture(new Result(0, rejected));
        }
        try {
            // The bytes were spent before decoding (admitBytes); the items now.
            quotas.admitItems(principal.tenant(), accepted, Math.min(requestBytes, maxBytes));
        } catch (io.switchboard.common.quota.QuotaExceeded e) {
            return Future.failedFuture(new Refused(429, e.getMessage(), Math.max(e.retryAfterMillis(), 1)));
        }
        if (inFlight.incrementAndGet() > MAX_IN_FLIGHT) {
            inFlight.decrementAndGet();
            quotas.refund(principal.tenant(), accepted, Math.min(requestBytes, maxBytes));
            return Future.failedFuture(new Refused(503, "this replica is already storing " + MAX_IN_FLIGHT
                    + " requests; nothing of this one was stored: send it again shortly", 1_000));
        }
        int stored = accepted;
        int spent = Math.min(requestBytes, maxBytes);
        return records.append(vertx, rings, admission, principal.tenant()).transform(ar -> {
            inFlight.decrementAndGet();
            if (ar.succeeded()) {
                metrics.accepted.increment(stored);
                return Future.succeededFuture(new Result(stored, rejected));
            }
            if (ar.cause() instanceof io.switchboard.common.quota.QuotaExceeded e) {
                quotas.refund(principal.tenant(), stored, spent); // pushed back: nothing was stored
                return Future.failedFuture(new Refused(503, e.getMessage(), Math.max(e.retryAfterMillis(), 1)));
            }
            return Future.failedFuture(new Refused(503, "the buffer did not take the request ("
                    + ar.cause().getMessage() + "); send it again", 1_000));
        });
    }
}
