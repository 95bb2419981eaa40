/**
 * The circuit breaker of one node (docs/client-behaviour.md, section 3): closed until `failures` consecutive
 * failures, then open for `openForMs`, then half-open, letting one trial call through; the trial's success closes
 * it, its failure opens it again.
 */
export class CircuitBreaker {
    failures;
    openForMs;
    now;
    consecutiveFailures = 0;
    openedAt = -1;
    trialInFlight = false;
    constructor(failures, openForMs, now = Date.now) {
        this.failures = failures;
        this.openForMs = openForMs;
        this.now = now;
    }
    state() {
        if (this.openedAt < 0) {
            return "closed";
        }
        return this.now() - this.openedAt >= this.openForMs ? "half-open" : "open";
    }
    /** True if a call may go to the node now; half-open lets one trial at a time through. */
    allowsCall() {
        const state = this.state();
        return state === "closed" || (state === "half-open" && !this.trialInFlight);
    }
    /** A call was sent: half-open lets no second trial through until this one reports. */
    callStarted() {
        if (this.state() === "half-open") {
            this.trialInFlight = true;
        }
    }
    success() {
        this.consecutiveFailures = 0;
        this.openedAt = -1;
        this.trialInFlight = false;
    }
    failure() {
        this.trialInFlight = false;
        if (this.state() !== "closed") {
            this.openedAt = this.now();
            return;
        }
        if (++this.consecutiveFailures >= this.failures) {
            this.openedAt = this.now();
        }
    }
}
