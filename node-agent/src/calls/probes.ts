/**
 * Per-process uprobes: every process of a pod whose policy covers MCP, A2A or
 * HTTP gets its own pid-filtered probes (breakpoints exist only in those
 * processes; others pay nothing). Attach is quick; closing a uprobe link
 * waits for the kernel, so links of exited processes are closed on the
 * thread pool.
 *
 * With a pin directory, every link is pinned there as
 * `<pid>-<start time>-<n>`: the probes outlive the agent (a restart or an
 * upgrade leaves no window in which a protected process calls tools
 * unprobed), and the next agent adopts the pins of processes that still run
 * (same pid and start time) and removes the others.
 */
import { existsSync, mkdirSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { errorMessage } from '../../../core/errors/ziriz-error.js';
import type { LogFn } from '../../../core/log/json-log.js';
import { BpfAttachError } from '../bpf/errors.js';
import { Link } from '../bpf/link.js';
import type { BpfObject } from '../bpf/object.js';
import { processStartTime } from '../kernel/proc-state.js';
import { GoSymbols, GoSymbolsError } from './go-symbols.js';
import { BLINDNESS, Visibility, type Blindness } from './visibility.js';
import type { BpfMap } from '../bpf/map.js';
import { closeMem } from './proc-mem.js';
import { stacksOf, type ProcessSight } from './sight.js';
import { probeTargets, type ProbeTarget, type ProbeWants } from './targets.js';

export interface ProbeObjects {
  readonly ssl: BpfObject;
  readonly gnutls: BpfObject;
  readonly libc: BpfObject | undefined;
  /** Server side (inbound rules): SSL_read returns and the socket reads naming the caller. */
  readonly recv?: BpfObject | undefined;
}

interface Attached {
  readonly links: Link[];
  readonly start: string; // /proc/PID/stat start time: a reused pid is another process
  /** The program it runs (device:inode of /proc/PID/exe): an exec keeps pid and start time, not the program. */
  readonly exe: string;
  readonly pins: string[];
  readonly want: string;
  /** A Go program: the kernel keeps its reads in progress by goroutine, removed when it goes. */
  readonly go: boolean;
  /** The program's file name and the stacks its probes read (the pod condition's "seen"). */
  readonly name?: string;
  readonly stacks?: readonly string[];
}

/** Maps of the recv object keyed by (g, tgid) (struct zgo_key: tgid at byte 8). */
const GO_READ_MAPS = ['ziriz_go_tls_reads', 'ziriz_go_fd_reads', 'ziriz_go_peer'] as const;

/** The executable of `pid` as the agent opens it (/proc/PID/root/...), or '' when it is no file there. */
function exeInRoot(pid: number): string {
  try {
    const p = `/proc/${pid}/root${readlinkSync(`/proc/${pid}/exe`)}`;
    return statSync(p).isFile() ? p : '';
  } catch {
    return '';
  }
}

/** device:inode of the program a process runs; '' when it cannot be read (gone, kernel thread). */
export function programOf(pid: number): string {
  try {
    const st = statSync(`/proc/${pid}/exe`);
    return `${st.dev}:${st.ino}`;
  } catch {
    return '';
  }
}

const wantKey = (w: ProbeWants): string => `${w.outbound ? 'o' : ''}${w.inbound ? 'i' : ''}`;

/** Outbound only: what an agent process needs (and what a caller that does not know asks for). */
export const OUTBOUND_ONLY: ProbeWants = { outbound: true, inbound: false };

/** `<pid>-<start>-<n>` -> its parts, or null for a name this manager did not write. */
export function parseProbePin(name: string): { pid: number; start: string } | null {
  const m = /^(\d+)-(\d+)-\d+$/.exec(name);
  return m?.[1] && m[2] ? { pid: Number(m[1]), start: m[2] } : null;
}


export class ProbeManager {
  private readonly byPid = new Map<number, Attached>();
  private readonly goSaid = new Set<string>();
  /** Go programs the helper could not read (by path): not probed, and not visible. */
  private readonly goUnreadable = new Set<string>();
  private readonly visibility = new Visibility();
  private readonly blindPids = new Map<number, Blindness>();
  failures = 0;

  /**
   * `plaintext`: also probe libc write/send for calls without TLS (clients),
   * and judge what libc read/recv return (servers with inbound rules). It
   * costs one more probe hit per TLS call (the ciphertext), so it can be
   * turned off where every agent and server uses TLS.
   * `wants`: which sides a process needs when the caller of ensure() does not
   * say (a program held at exec): from the policies of the pod it is in.
   */
  constructor(
    private readonly objects: ProbeObjects,
    private readonly log: LogFn,
    private readonly plaintext = true,
    private readonly pinDir?: string,
    private readonly wants: (pid: number) => ProbeWants = () => OUTBOUND_ONLY,
    private readonly go: GoSymbols = new GoSymbols(),
    /** ziriz_blind (tgid -> why): processes whose calls ziriz cannot see (visibility gate); absent: no gate. */
    private readonly blind?: BpfMap,
  ) {
    if (pinDir) mkdirSync(pinDir, { recursive: true });
  }

  /**
   * Take over the probes an earlier agent pinned: those of processes still
   * running are kept as they are, the others removed. Returns the processes adopted.
   */
  adopt(): number {
    if (!this.pinDir || !existsSync(this.pinDir)) return 0;
    const groups = new Map<string, { pid: number; start: string; pins: string[] }>();
    for (const name of readdirSync(this.pinDir)) {
      const p = parseProbePin(name);
      if (!p) continue;
      const key = `${p.pid}-${p.start}`;
      const g = groups.get(key) ?? { ...p, pins: [] };
      g.pins.push(join(this.pinDir, name));
      groups.set(key, g);
    }
    let adopted = 0;
    for (const g of groups.values()) {
      const links: Link[] = [];
      const pins: string[] = [];
      const alive = processStartTime(g.pid) === g.start && !this.byPid.has(g.pid);
      for (const pin of g.pins) {
        try {
          const l = Link.openPinned(pin);
          if (alive) {
            links.push(l);
            pins.push(pin);
          } else {
            l.unpin();
            void l.destroyAsync();
          }
        } catch (e: unknown) {
          this.log('warn', 'pinned uprobe unusable', { pin, error: errorMessage(e) });
        }
      }
      if (alive && links.length > 0) {
        // What an earlier agent attached is not known: the next ensure() with a different want re-attaches.
        this.byPid.set(g.pid, { links, start: g.start, exe: programOf(g.pid), pins, want: '?', go: true });
        adopted++;
      }
    }
    return adopted;
  }

  private objectFor(t: ProbeTarget): BpfObject | undefined {
    if (t.program.startsWith('ziriz_recv')) return this.objects.recv;
    if (t.program.startsWith('ziriz_ssl')) return this.objects.ssl;
    if (t.program.startsWith('ziriz_gnutls')) return this.objects.gnutls;
    return this.objects.libc;
  }

  /** Probes on process `pid` for the sides wanted (idempotent); returns how many links it has. */
  ensure(pid: number, want?: ProbeWants): number {
    const start = processStartTime(pid);
    const exe = programOf(pid);
    const have = this.byPid.get(pid);
    // Same process, same program (a process that exec'd, e.g. runc init becoming the container's
    // command, needs probes for its new program), same sides: nothing to do.
    if (have?.start === start && have.exe === exe && (want === undefined || have.want === wantKey(want))) return have.links.length;
    const w = want ?? this.wants(pid);
    if (have) this.release(pid);
    const links: Link[] = [];
    const programs = new Set<string>();
    const pins: string[] = [];
    let go = false;
    let exportsSsl = false;
    const goRead = { found: false }; // set by the callback below
    const exePath = exeInRoot(pid);
    for (const t of probeTargets(pid, w, this.plaintext, (path) => {
      const g = this.goProgram(path);
      goRead.found = g !== null && g.functions.size > 0;
      return g;
    })) {
      if (t.offset !== undefined) go = true;
      const obj = this.objectFor(t);
      if (!obj) continue;
      try {
        const at = t.offset !== undefined ? { offset: t.offset } : { symbol: t.symbol };
        const link = obj.attachUprobe({ program: t.program, binary: t.binary, ...at, pid, ...(t.retprobe ? { retprobe: true } : {}) });
        links.push(link);
        programs.add(t.program);
        if (t.binary === exePath && t.program === 'ziriz_ssl_write') exportsSsl = true;
        // No start time: the process is going; its link ends with this agent rather than leave a pin nobody can match.
        if (this.pinDir && start !== '') pins.push(...this.pin(link, join(this.pinDir, `${pid}-${start}-${links.length}`)));
      } catch (e: unknown) {
        // A binary without the symbol (e.g. an executable that does not embed OpenSSL) is expected.
        if (e instanceof BpfAttachError && (e.errnoName === 'ENOENT' || e.errnoName === 'ESRCH')) continue;
        this.failures++;
        this.log('warn', 'uprobe attach failed', { pid, binary: t.binary, symbol: t.symbol, error: errorMessage(e) });
      }
    }
    this.byPid.set(pid, { links, start, exe, pins, want: wantKey(w), go, name: basename(exePath), stacks: stacksOf(programs) });
    if (exePath) this.markVisibility(pid, exePath, { go: goRead.found ? 'readable' : this.goUnreadable.has(exePath) ? 'unreadable' : null, exportsSsl });
    return links.length;
  }

  /** What ziriz sees of process `pid`'s calls (undefined: not probed by this manager). */
  sight(pid: number): ProcessSight | undefined {
    const a = this.byPid.get(pid);
    if (!a?.name) return undefined;
    const why = this.blindPids.get(pid);
    return why ? { exe: a.name, blind: why } : { exe: a.name, seen: a.stacks ?? [] };
  }

  /** Why process `pid` cannot be seen (undefined: it can), as the kernel's gate has it. */
  blindness(pid: number): Blindness | undefined {
    return this.blindPids.get(pid);
  }

  private markVisibility(pid: number, exePath: string, facts: Parameters<Visibility['blindness']>[1]): void {
    const why = this.visibility.blindness(exePath, facts);
    const key = Buffer.alloc(4);
    key.writeUInt32LE(pid);
    try {
      if (why) {
        this.blind?.set(key, Buffer.from([BLINDNESS[why]]));
        this.blindPids.set(pid, why);
      } else {
        this.blindPids.delete(pid);
        this.blind?.delete(key); // also an entry an earlier agent left for a reused pid
      }
    } catch (e: unknown) {
      this.log('warn', 'visibility gate not updated', { pid, error: errorMessage(e) });
    }
  }

  /** The Go program at `path` (null: not Go, or one the helper cannot read: said once per file). */
  private goProgram(path: string): ReturnType<GoSymbols['inspect']> {
    try {
      return this.go.inspect(path);
    } catch (e: unknown) {
      this.goUnreadable.add(path);
      const key = e instanceof GoSymbolsError ? e.path : path;
      if (!this.goSaid.has(key)) {
        this.goSaid.add(key);
        this.failures++;
        this.log('warn', 'Go program not probed: its TLS and socket functions could not be found', { path, error: errorMessage(e) });
      }
      return null;
    }
  }

  /** Pin a link; unpinned (it ends with this agent) if the kernel refuses, with a warning. */
  private pin(link: Link, path: string): string[] {
    try {
      link.pin(path);
      return [path];
    } catch (e: unknown) {
      this.log('warn', 'uprobe link not pinned: it ends with this agent', { path, error: errorMessage(e) });
      return [];
    }
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
    if (a?.go) this.forgetGoReads(pid);
    if (this.blind) {
      this.blindPids.delete(pid);
      const key = Buffer.alloc(4);
      key.writeUInt32LE(pid);
      try {
        this.blind.delete(key);
      } catch {
        // gone already
      }
    }
    for (const l of a?.links ?? []) {
      try {
        if (a?.pins.length) l.unpin();
      } catch {
        // not pinned (the kernel refused) or already gone
      }
      void l.destroyAsync().catch((e: unknown) => { this.log('warn', 'uprobe detach failed', { pid, error: errorMessage(e) }); });
    }
  }

  /** Remove the kernel's entries for reads in progress of a Go process that is gone (its goroutines never return). */
  private forgetGoReads(pid: number): void {
    for (const name of GO_READ_MAPS) {
      try {
        const map = this.objects.recv?.map(name);
        for (const k of map?.keys() ?? []) if (k.length >= 12 && k.readUInt32LE(8) === pid) map?.delete(k);
      } catch (e: unknown) {
        this.log('warn', 'Go read entries not removed', { pid, map: name, error: errorMessage(e) });
      }
    }
  }

  /** Keep probes only on these processes (others exited or left a protected pod). */
  retain(pids: ReadonlySet<number>): void {
    for (const pid of [...this.byPid.keys()]) if (!pids.has(pid)) this.release(pid);
  }

  /**
   * Close every link handle (agent shutdown): pinned probes stay in force for
   * the next agent; unpinned ones end here.
   */
  async closeAll(): Promise<void> {
    const all = [...this.byPid.values()].flatMap((a) => a.links);
    this.byPid.clear();
    await Promise.all(all.map((l) => l.destroyAsync()));
  }
}
