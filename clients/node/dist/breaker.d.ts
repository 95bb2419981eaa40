export type BreakerState = "closed" | "open" | "half-open";
/**
 * The circuit breaker of one node (docs/client-behaviour.md, section 3): closed until `failures` consecutive
 * failures, then open for `openForMs`, then half-open, letting one trial call through; the trial's success closes
 * it, its failure opens it again.
 */
export declare class CircuitBreaker {
    private readonly failures;
    private readonly openForMs;
    private readonly now;
    private consecutiveFailures;
    private openedAt;
    private trialInFlight;
    constructor(failures: number, openForMs: number, now?: () => number);
    state(): BreakerState;
    /** True if a call may go to the node now; half-open lets one trial at a time through. */
    allowsCall(): boolean;
    /** A call was sent: half-open lets no second trial through until this one reports. */
    callStarted(): void;
    success(): void;
    failure(): void;
}
