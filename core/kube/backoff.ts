/**
 * Capped exponential backoff with jitter, for informers that restart after
 * errors: each delay is the current step times a random factor in
 * [1 - jitter, 1 + jitter]; the step doubles up to `maxMs` and goes back to
 * `minMs` on reset() (after a success).
 */
export interface BackoffOptions {
  readonly minMs?: number;
  readonly maxMs?: number;
  /** Relative jitter, 0..1 (default 0.2: ±20 %). */
  readonly jitter?: number;
  readonly random?: () => number;
}

export class Backoff {
  private readonly minMs: number;
  private readonly maxMs: number;
  private readonly jitter: number;
  private readonly random: () => number;
  private stepMs: number;

  constructor(opts: BackoffOptions = {}) {
    this.minMs = opts.minMs ?? 500;
    this.maxMs = opts.maxMs ?? 30_000;
    this.jitter = opts.jitter ?? 0.2;
    this.random = opts.random ?? Math.random;
    this.stepMs = this.minMs;
  }

  /** The next delay (ms), and move the step up. */
  next(): number {
    const step = Math.min(this.maxMs, this.stepMs);
    this.stepMs = Math.min(this.maxMs, this.stepMs * 2);
    return Math.round(step * (1 - this.jitter + this.random() * 2 * this.jitter));
  }

  reset(): void {
    this.stepMs = this.minMs;
  }
}
