/**
 * A token bucket: `burst` tokens at most, refilled at `perSecond`. Pure
 * arithmetic on the time passed in, so tables can drive it with any clock.
 */
export interface BucketSpec {
  readonly perSecond: number;
  readonly burst: number;
}

export class TokenBucket {
  private tokens: number;
  private at: number;

  constructor(private readonly spec: BucketSpec, now: number) {
    this.tokens = spec.burst;
    this.at = now;
  }

  private refill(now: number): void {
    if (now > this.at) {
      this.tokens = Math.min(this.spec.burst, this.tokens + ((now - this.at) / 1000) * this.spec.perSecond);
    }
    this.at = Math.max(this.at, now);
  }

  /** Whether a token is available now (does not take it). */
  available(now: number): boolean {
    this.refill(now);
    return this.tokens >= 1;
  }

  /** Take a token if one is available. */
  take(now: number): boolean {
    if (!this.available(now)) return false;
    this.tokens -= 1;
    return true;
  }

  /** True when the bucket is full again (its state carries no information: it can be forgotten). */
  full(now: number): boolean {
    this.refill(now);
    return this.tokens >= this.spec.burst;
  }

  /** Milliseconds until a token is available (0 when one is). */
  waitMs(now: number): number {
    this.refill(now);
    if (this.tokens >= 1) return 0;
    return Math.ceil(((1 - this.tokens) / this.spec.perSecond) * 1000);
  }
}
