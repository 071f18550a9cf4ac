/**
 * Is a held thread still stopped where the probe stopped it? The probe's
 * SIGSTOP stops the whole thread group; only the agent may resume it. A
 * sibling's SIGCONT or a tracer (PTRACE_SEIZE, then dropping the stop) lets
 * it run on: the agent checks before judging and after rewriting, and kills
 * a process that escaped its hold (Event reason HoldEscaped).
 */
import { statFields } from '../kernel/proc-state.js';

/** How long a thread may take from the probe's SIGSTOP to being seen stopped (it is returning to user mode). */
const STOP_WAIT_MS = 20;
const sleeper = new Int32Array(new SharedArrayBuffer(4));

/**
 * The state letter of the held thread ('T' stopped, 't' stopped by a tracer,
 * 'R', 'S', ...), waiting up to STOP_WAIT_MS for a thread that has not
 * stopped yet; null when it is gone.
 */
export function heldThreadState(pid: number, tid: number, waitMs = STOP_WAIT_MS): string | null {
  const until = Date.now() + waitMs;
  for (let i = 0; i < 10_000; i++) {
    const state = statFields(pid, tid)?.[0] ?? null;
    if (state === null || state === 'T' || state === 'Z' || state === 'X') return state;
    if (Date.now() >= until) return state;
    Atomics.wait(sleeper, 0, 0, 0.2);
  }
  return statFields(pid, tid)?.[0] ?? null;
}

/** Did the thread escape its hold? (Gone is not escaped: there is nothing left to stop.) */
export function holdEscaped(state: string | null): boolean {
  return state !== null && state !== 'T' && state !== 'Z' && state !== 'X';
}
