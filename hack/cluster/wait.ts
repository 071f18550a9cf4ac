/** Bounded polling: every wait in the harness has a deadline. */
import { setTimeout as sleep } from 'node:timers/promises';
import { ClusterTimeoutError } from './errors.js';

export interface WaitOptions {
  readonly timeoutMs: number;
  readonly intervalMs?: number;
  /** Called on every round; a throw ends the wait at once (e.g. a process exited). */
  readonly check?: () => void;
}

/**
 * Poll `probe` until it returns a value other than undefined, or throw
 * ClusterTimeoutError (with the last probe error as cause) after timeoutMs.
 */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, opts: WaitOptions): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  let last: unknown;
  for (;;) {
    opts.check?.();
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    if (Date.now() >= deadline) throw new ClusterTimeoutError(what, opts.timeoutMs, { cause: last });
    await sleep(opts.intervalMs ?? 250);
  }
}
