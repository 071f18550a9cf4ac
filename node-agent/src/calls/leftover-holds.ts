/**
 * Holds nobody is judging. A probe that holds a call, or the exec program
 * holding a new program until its probes are on, stops the process and
 * records the hold in the pinned map ziriz_holds (tgid -> struct ziriz_hold);
 * the agent deletes the entry when it resumes or kills the process. An entry
 * that outlives its ring record means no agent will judge that hold: the
 * agent died between reading the record and resuming the process, or was
 * replaced meanwhile. Without this sweep such a process stays stopped
 * forever (fail closed, but a stuck pod). The sweep runs when the agent
 * starts (after its first reconcile) and every second: an entry older than
 * `minAgeMs` whose process is still stopped is settled now: a call is judged
 * like any hold, from the plaintext still in its memory (resumed, neutralised
 * or killed; fail closed); a program held at exec gets its probes and runs.
 * Entries of processes that are gone or running are dropped.
 */
import { DataSource } from '../../../core/abi/enums.js';
import { ziriz_hold } from '../../../core/abi/structs.js';
import { decodeStruct } from '../../../core/abi/codec.js';
import { errorMessage } from '../../../core/errors/ziriz-error.js';
import type { LogFn } from '../../../core/log/json-log.js';
import type { BpfMap } from '../bpf/map.js';
import { processState, threadOwner } from '../kernel/proc-state.js';
import type { HoldManager } from './holds.js';

export interface LeftoverHold {
  readonly tgid: number;
  readonly ktimeNs: bigint;
  readonly conn: bigint;
  readonly buf: bigint;
  readonly len: number;
  readonly tid: number;
  readonly cgroupId: bigint;
  readonly source: number;
  /** Holds of the process not judged yet (threads held together). */
  readonly count: number;
}

/** One ziriz_holds entry (key: tgid u32; value: struct ziriz_hold). */
export function decodeHold(key: Buffer, value: Buffer): LeftoverHold {
  const v = decodeStruct(ziriz_hold, value);
  return {
    tgid: key.readUInt32LE(0),
    ktimeNs: v.ktime_ns as bigint,
    conn: v.conn as bigint,
    buf: v.buf as bigint,
    len: v.len as number,
    tid: v.tid as number,
    cgroupId: v.cgroup_id as bigint,
    source: v.source as number,
    count: v.count as number,
  };
}

/** A hold entry's bytes with its count of holds not judged yet set to `count`. */
export function encodeHoldCount(value: Buffer, count: number): Buffer {
  const out = Buffer.from(value);
  out.writeUInt32LE(count, ziriz_hold.fields.count.offset);
  return out;
}

export type HoldFate = 'young' | 'gone' | 'running' | 'judge';

/**
 * Pure: what to do with a hold entry. `state` is the process's /proc state
 * letter (null: gone). Young entries belong to the ring path; a process
 * stopped by the hold shows 'T'.
 */
export function holdFate(h: LeftoverHold, nowNs: bigint, minAgeNs: bigint, state: string | null): HoldFate {
  if (state === null) return 'gone';
  if (nowNs - h.ktimeNs < minAgeNs) return 'young';
  return state === 'T' ? 'judge' : 'running';
}

export interface SweepResult {
  judged: number;
  dropped: number;
}

/** The identity a hold is judged under: its cgroup's pod (0 when the agent knows none: denied). */
export type IdentityOfCgroup = (cgroupId: bigint) => number;

export class LeftoverHolds {
  constructor(
    private readonly map: BpfMap,
    private readonly holds: HoldManager,
    private readonly identityOf: IdentityOfCgroup,
    /** Let a program held at exec run, its probes attached (events-path.ts). */
    private readonly resumeExec: (pid: number, release: () => void) => void,
    private readonly log: LogFn,
    private readonly minAgeMs = 2000,
  ) {}

  sweep(nowNs: bigint = process.hrtime.bigint()): SweepResult {
    const out: SweepResult = { judged: 0, dropped: 0 };
    for (const [key, value] of this.map.entries()) {
      let h: LeftoverHold;
      try {
        h = decodeHold(key, value);
      } catch (e: unknown) {
        this.log('warn', 'unreadable hold entry dropped', { error: errorMessage(e) });
        this.map.delete(key);
        out.dropped++;
        continue;
      }
      const fate = holdFate(h, nowNs, BigInt(this.minAgeMs) * 1_000_000n, processState(h.tgid));
      if (fate === 'young') continue;
      if (fate === 'judge' && h.source === DataSource.EXEC) {
        this.log('warn', 'resuming a program held at exec that no agent resumed', { pid: h.tgid, heldMs: Number((nowNs - h.ktimeNs) / 1_000_000n) });
        this.holds.settle(h.tgid, h.ktimeNs);
        // The entry goes just before the agent's SIGCONT (the hold guard kills a held process anyone else resumes).
        this.resumeExec(h.tgid, () => { if (this.map.get(key)?.equals(value)) this.map.delete(key); });
        out.judged++;
      } else if (fate === 'judge') {
        this.log('warn', 'judging a hold no agent judged (the agent was stopped or replaced while the process was held)', { pid: h.tgid, heldMs: Number((nowNs - h.ktimeNs) / 1_000_000n) });
        this.holds.adopt(h, this.identityOf(h.cgroupId), threadOwner(h.tgid, h.tid));
        out.judged++;
      } else {
        out.dropped++;
      }
      // Judging deletes it too. Only this entry: the resumed process may already hold a new call.
      if (this.map.get(key)?.equals(value)) this.map.delete(key);
    }
    return out;
  }
}
