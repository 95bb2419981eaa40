export type BreakerState = "closed" | "open" | "half-open";

/**
 * The circuit breaker of one node (docs/client-behaviour.md, section 3): closed until `failures` consecutive
 * failures, then open for `openForMs`, then half-open, letting one trial call through; the trial's success closes
 * it, its failure opens it again.
 */
export class CircuitBreaker {
  private consecutiveFailures = 0;
  private openedAt = -1;
  private trialInFlight = false;

  constructor(private readonly failures: number, private readonly openForMs: number,
              private readonly now: () => number = Date.now) {}

  state(): BreakerState {
    if (this.openedAt < 0) {
      return "closed";
    }
    return this.now() - this.openedAt >= this.openForMs ? "half-open" : "open";
  }

  /** True if a call may go to the node now; half-open lets one trial at a time through. */
  allowsCall(): boolean {
    const state = this.state();
    return state === "closed" || (state === "half-open" && !this.trialInFlight);
  }

  /** A call was sent: half-open lets no second trial through until this one reports. */
  callStarted(): void {
    if (this.state() === "half-open") {
      this.trialInFlight = true;
    }
  }

  success(): void {
    this.consecutiveFailures = 0;
    this.openedAt = -1;
    this.trialInFlight = false;
  }

  failure(): void {
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
