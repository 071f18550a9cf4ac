/**
 * Is a held thread still stopped where the probe stopped it? The probe's
 * SIGSTOP stops the whole thread group; only the agent may resume it. A
 * sibling's SIGCONT or a tracer (PTRACE_SEIZE, then dropping the stop) lets
 * it run on: the agent checks before judging and after rewriting, and kills
 * a process that escaped its hold (Event reason HoldEscaped).
 */
import { readFileSync } from 'node:fs';
import { statFields } from '../kernel/proc-state.js';

/** How long a thread may take from the probe's SIGSTOP to being seen stopped (it is returning to user mode). */
const STOP_WAIT_MS = 20;
/**
 * How long the agent waits for a thread whose SIGSTOP is still pending (it
 * has not reached the point where it stops: a slow CPU, an emulated one, an
 * exec finishing): not escaped, only late.
 */
const PENDING_WAIT_MS = 2000;
const SIGSTOP_BIT = 1n << 18n; // signal 19
const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Is SIGSTOP pending for the thread (its own or its process's pending set)? False when it cannot be read. */
export function stopPending(pid: number, tid: number): boolean {
  try {
    const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
    return [...status.matchAll(/^(?:SigPnd|ShdPnd):\s*([0-9a-f]+)$/gm)].some((m) => (BigInt(`0x${m[1] ?? '0'}`) & SIGSTOP_BIT) !== 0n);
  } catch {
    return false;
  }
}

export type HoldLook = 'stopped' | 'wait' | 'escaped';

/**
 * One look at a held thread: stopped (or gone); still on its way to the stop
 * (wait); or running without a stop pending after the grace time, which only
 * a resume by someone else explains (a SIGCONT also discards a pending stop).
 */
export function holdLook(state: string | null, pending: boolean, elapsedMs: number, waitMs = STOP_WAIT_MS, pendingWaitMs = PENDING_WAIT_MS): HoldLook {
  if (state === null || state === 'T' || state === 'Z' || state === 'X') return 'stopped';
  if (elapsedMs < waitMs) return 'wait';
  return pending && elapsedMs < pendingWaitMs ? 'wait' : 'escaped';
}

/**
 * The state letter of the held thread ('T' stopped, 't' stopped by a tracer,
 * 'R', 'S', ...), waiting up to STOP_WAIT_MS for a thread that has not
 * stopped yet, and up to PENDING_WAIT_MS while its SIGSTOP is pending; null
 * when it is gone.
 */
export function heldThreadState(pid: number, tid: number, waitMs = STOP_WAIT_MS): string | null {
  const start = Date.now();
  for (let i = 0; i < 100_000; i++) {
    const state = statFields(pid, tid)?.[0] ?? null;
    const elapsed = Date.now() - start;
    const look = holdLook(state, elapsed >= waitMs && stopPending(pid, tid), elapsed, waitMs);
    if (look !== 'wait') return state;
    Atomics.wait(sleeper, 0, 0, 0.2);
  }
  return statFields(pid, tid)?.[0] ?? null;
}

/** Did the thread escape its hold? (Gone is not escaped: there is nothing left to stop.) */
export function holdEscaped(state: string | null): boolean {
  return state !== null && state !== 'T' && state !== 'Z' && state !== 'X';
}
