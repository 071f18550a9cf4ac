/**
 * The event-loop thread runs real-time (SCHED_FIFO) while it waits for
 * events and handles a wake-up's I/O callbacks, and normal (its nice value)
 * otherwise: a held call is a stopped process waiting for this thread, which
 * must win the CPU the moment the kernel wakes it. The mechanism and why a
 * nice value is not enough: node-agent/native/src/realtime.cc.
 */
import { native } from '../bpf/errors.js';
import { binding } from '../bpf/native.js';

export interface RealtimeStatus {
  readonly active: boolean;
  readonly priority: number;
  /** The errno of the last refusal (0: none); a refusal while running stops it. */
  readonly errno: number;
  /** Waits for events entered at real-time priority. */
  readonly waits: number;
}

/** Start (or change the priority of) real-time waiting; throws a typed error when the kernel refuses. */
export function realtimeWhileWaiting(priority: number): void {
  native(() => { binding().realtimeWhileWaiting(priority); });
}

export function stopRealtime(): void {
  native(() => { binding().realtimeStop(); });
}

export function realtimeStatus(): RealtimeStatus {
  return native(() => binding().realtimeStatus());
}
