/**
 * Per-process uprobes: every process of a pod whose policy covers MCP, A2A or
 * HTTP gets its own pid-filtered probes (breakpoints exist only in those
 * processes; others pay nothing). Attach is quick; closing a uprobe link
 * waits for the kernel, so links of exited processes are closed on the
 * thread pool.
 */
import { readFileSync } from 'node:fs';
import { errorMessage } from '../../../core/errors/ziriz-error.js';
import type { LogFn } from '../../../core/log/json-log.js';
import { BpfAttachError } from '../bpf/errors.js';
import type { Link } from '../bpf/link.js';
import type { BpfObject } from '../bpf/object.js';
import { closeMem } from './proc-mem.js';
import { probeTargets, type ProbeTarget } from './targets.js';

export interface ProbeObjects {
  readonly ssl: BpfObject;
  readonly gnutls: BpfObject;
  readonly libc: BpfObject | undefined;
}

interface Attached {
  readonly links: Link[];
  readonly start: string; // /proc/PID/stat start time: a reused pid is another process
}

function startTime(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    return '';
  }
}

export class ProbeManager {
  private readonly byPid = new Map<number, Attached>();
  failures = 0;

  /**
   * `plaintext`: also probe libc write/send for calls without TLS. It costs one
   * more probe hit per TLS call (the ciphertext write), so it can be turned off
   * where every agent uses TLS.
   */
  constructor(private readonly objects: ProbeObjects, private readonly log: LogFn, private readonly plaintext = true) {}

  private objectFor(t: ProbeTarget): BpfObject | undefined {
    if (t.program.startsWith('ziriz_ssl')) return this.objects.ssl;
    if (t.program.startsWith('ziriz_gnutls')) return this.objects.gnutls;
    return this.plaintext ? this.objects.libc : undefined;
  }

  /** Probes on process `pid` (idempotent); returns how many links it has. */
  ensure(pid: number): number {
    const start = startTime(pid);
    const have = this.byPid.get(pid);
    if (have?.start === start) return have.links.length;
    if (have) this.release(pid);
    const links: Link[] = [];
    for (const t of probeTargets(pid)) {
      const obj = this.objectFor(t);
      if (!obj) continue;
      try {
        links.push(obj.attachUprobe({ program: t.program, binary: t.binary, symbol: t.symbol, pid }));
      } catch (e: unknown) {
        // A binary without the symbol (e.g. an executable that does not embed OpenSSL) is expected.
        if (e instanceof BpfAttachError && (e.errnoName === 'ENOENT' || e.errnoName === 'ESRCH')) continue;
        this.failures++;
        this.log('warn', 'uprobe attach failed', { pid, binary: t.binary, symbol: t.symbol, error: errorMessage(e) });
      }
    }
    this.byPid.set(pid, { links, start });
    return links.length;
  }

  has(pid: number): boolean {
    return this.byPid.has(pid);
  }

  get linkCount(): number {
    let n = 0;
    for (const a of this.byPid.values()) n += a.links.length;
    return n;
  }

  private release(pid: number): void {
    const a = this.byPid.get(pid);
    this.byPid.delete(pid);
    closeMem(pid);
    for (const l of a?.links ?? []) void l.destroyAsync().catch((e: unknown) => { this.log('warn', 'uprobe detach failed', { pid, error: errorMessage(e) }); });
  }

  /** Keep probes only on these processes (others exited or left a protected pod). */
  retain(pids: ReadonlySet<number>): void {
    for (const pid of [...this.byPid.keys()]) if (!pids.has(pid)) this.release(pid);
  }

  /** Close every link (agent shutdown: probes are per process and do not outlive the agent's view). */
  async closeAll(): Promise<void> {
    const all = [...this.byPid.values()].flatMap((a) => a.links);
    this.byPid.clear();
    await Promise.all(all.map((l) => l.destroyAsync()));
  }
}
