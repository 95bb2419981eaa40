package io.switchboard.client.internal;

import java.time.Clock;
import java.time.Duration;

/**
 * The circuit breaker of one node: closed until {@code failures} consecutive failures, then open for
 * {@code openFor}, then half-open: one trial call goes through; its success closes the breaker, its failure opens
 * it again. Thread-safe; cheap enough to consult on every resolve.
 */
public final class CircuitBreaker {
    public enum State { CLOSED, OPEN, HALF_OPEN }

    private final int failures;
    private final Duration openFor;
    private final Clock clock;
    private int consecutiveFailures;
    private long openedAt = -1;
    private boolean trialInFlight;

    public CircuitBreaker(int failures, Duration openFor, Clock clock) {
        this.failures = failures;
        this.openFor = openFor;
        this.clock = clock;
    }

    public synchronized State state() {
        if (openedAt < 0) {
            return State.CLOSED;
        }
        return clock.millis() - openedAt >= openFor.toMillis() ? State.HALF_OPEN : State.OPEN;
    }

    /** True if a call may go to this node now; in half-open state only one trial at a time is let through. */
    public synchronized boolean allowsCall() {
        return switch (state()) {
            case CLOSED -> true;
            case OPEN -> false;
            case HALF_OPEN -> !trialInFlight;
        };
    }

    /** Marks that a call was sent, so that half-open lets no second trial through until this one reports. */
    public synchronized void callStarted() {
        if (state() == State.HALF_OPEN) {
            trialInFlight = true;
        }
    }

    public synchronized void success() {
        consecutiveFailures = 0;
        openedAt = -1;
        trialInFlight = false;
    }

    public synchronized void failure() {
        trialInFlight = false;
        if (state() != State.CLOSED) {
            openedAt = clock.millis();
            return;
        }
        if (++consecutiveFailures >= failures) {
            openedAt = clock.millis();
        }
    }
}
