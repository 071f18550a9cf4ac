/**
 * Bounded retries with capped exponential backoff (full jitter) for API
 * failures worth retrying: no answer (connection), 429 and 5xx. Anything else
 * (404, 409, 403, 422) is an answer and returned to the caller at once.
 */
import { KubeApiError } from '../../../core/kube/errors.js';

export interface RetryPolicy {
  /** Tries in all (1 = no retry). */
  readonly attempts: number;
  readonly baseMs: number;
  readonly maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseMs: 200, maxMs: 3000 } as const;

export function retryable(e: unknown): boolean {
  if (!(e instanceof KubeApiError)) return false;
  return e.status === 0 || e.status === 429 || e.status >= 500;
}

/** Wait before retry number `attempt` (1-based): random in [0, min(max, base·2^(attempt-1))]. */
export function backoffMs(attempt: number, p: RetryPolicy, random: () => number = Math.random): number {
  const cap = Math.min(p.maxMs, p.baseMs * 2 ** Math.max(0, attempt - 1));
  return Math.floor(random() * cap);
}

export type Sleep = (ms: number) => Promise<void>;

export const realSleep: Sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export async function withRetry<T>(
  fn: () => Promise<T>,
  p: RetryPolicy,
  sleep: Sleep = realSleep,
  onRetry?: (err: unknown, attempt: number) => void,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (e: unknown) {
      if (attempt >= p.attempts || !retryable(e)) throw e;
      onRetry?.(e, attempt);
      await sleep(backoffMs(attempt, p));
    }
  }
}
