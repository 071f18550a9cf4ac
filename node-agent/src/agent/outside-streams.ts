/**
 * The stdio a protected pod was given from outside (lib/fd.h ziriz_outside):
 * the kernel notes it when a program the runtime starts in the pod executes
 * (tp_sched_exec); this notes it for programs that were already running
 * when this agent started (a pod protected before ziriz was installed, or
 * whose policy came later). Only processes older than the agent: a process
 * started since is the kernel's to sort, so no process of the pod can get
 * its own pipes noted by re-parenting itself. A stream not noted is judged
 * (the fail-closed side).
 */
import { readlinkSync } from 'node:fs';
import type { BpfMap } from '../bpf/map.js';
import { statFields } from '../kernel/proc-state.js';
import { errorMessage } from '../../../core/errors/ziriz-error.js';
import type { LogFn } from '../../../core/log/json-log.js';

/** The inode number behind a /proc/<pid>/fd link to a pipe or socket ("pipe:[123]"), or null. */
export function streamInode(link: string): bigint | null {
  const m = /^(?:pipe|socket):\[(\d+)\]$/.exec(link);
  return m?.[1] === undefined ? null : BigInt(m[1]);
}

/** Process facts the decision needs (pure inputs: see outsideInodes). */
export interface ProcFacts {
  readonly pid: number;
  readonly ppid: number;
  /** Clock ticks since boot. */
  readonly startTicks: number;
  /** Targets of fds 0, 1 and 2 (missing: closed). */
  readonly stdio: readonly (string | undefined)[];
}

/**
 * The stream inodes given from outside the pod whose processes are `procs`:
 * the stdio of each process older than `agentStartTicks` whose parent is
 * not one of them. Pure.
 */
export function outsideInodes(procs: readonly ProcFacts[], agentStartTicks: number): bigint[] {
  const inPod = new Set(procs.map((p) => p.pid));
  const out = new Set<bigint>();
  for (const p of procs) {
    if (p.startTicks >= agentStartTicks || inPod.has(p.ppid)) continue;
    for (const link of p.stdio) {
      const ino = link === undefined ? null : streamInode(link);
      if (ino !== null) out.add(ino);
    }
  }
  return [...out];
}

function procFacts(pid: number, proc: string): ProcFacts | null {
  const f = statFields(pid);
  const ppid = Number(f?.[1]);
  const startTicks = Number(f?.[19]);
  if (!f || !Number.isFinite(ppid) || !Number.isFinite(startTicks)) return null;
  const stdio = [0, 1, 2].map((fd) => {
    try {
      return readlinkSync(`${proc}/${pid}/fd/${fd}`);
    } catch {
      return undefined;
    }
  });
  return { pid, ppid, startTicks, stdio };
}

export class OutsideStreams {
  private readonly agentStart: number;
  /** Processes already sorted: each is looked at once. */
  private done = new Set<number>();

  constructor(private readonly map: BpfMap | undefined, private readonly log: LogFn, private readonly proc = '/proc') {
    this.agentStart = Number(statFields(process.pid)?.[19] ?? 0);
  }

  /** Note the outside stdio of the pod whose processes are `pids` (each process looked at once). */
  note(pids: readonly number[]): void {
    if (!this.map || pids.every((p) => this.done.has(p))) return;
    const procs = pids.map((p) => procFacts(p, this.proc)).filter((p): p is ProcFacts => p !== null);
    const fresh = procs.filter((p) => !this.done.has(p.pid));
    for (const p of fresh) this.done.add(p.pid);
    // Parents are looked up among all the pod's processes; only the new ones are noted.
    const inodes = outsideInodes(procs, this.agentStart).filter((ino) => fresh.some((p) => p.stdio.some((l) => l !== undefined && streamInode(l) === ino)));
    for (const ino of inodes) {
      const key = Buffer.alloc(8);
      key.writeBigUInt64LE(ino);
      try {
        this.map.set(key, Buffer.from([1]));
      } catch (e: unknown) {
        // Lost: that stream is judged like the pod's own (fail closed).
        this.log('warn', 'could not note a stream given from outside the pod', { inode: ino.toString(), error: errorMessage(e) });
      }
    }
    if (inodes.length > 0) this.log('debug', 'streams given from outside the pod noted', { count: inodes.length });
  }

  /** Forget the processes not in `pids` (gone). */
  retain(pids: ReadonlySet<number>): void {
    this.done = new Set([...this.done].filter((p) => pids.has(p)));
  }
}
