/**
 * A BPF object through its lifecycle: open -> configure -> load -> attach ->
 * close, each step failing with its own typed error (errors.ts).
 */
import { BpfConfigureError, BpfError, native } from './errors.js';
import { Link } from './link.js';
import { BpfMap } from './map.js';
import { binding, type NativeMapInfo, type NativeObject, type NativeProgramInfo } from './native.js';

export interface OpenOptions {
  /** bpffs directory where LIBBPF_PIN_BY_NAME maps are pinned and re-used. */
  readonly pinRoot?: string;
  /** const volatile globals to set before load (see u8/u32/u64). */
  readonly globals?: Readonly<Record<string, Buffer>>;
  /** Load only these programs (default: all). */
  readonly programs?: readonly string[];
  readonly mapMaxEntries?: Readonly<Record<string, number>>;
  /** Keep the verifier's statistics of each program (verifierStats()). */
  readonly verifierStats?: boolean;
}

/** What the verifier did for one loaded program. */
export interface VerifierStats {
  readonly program: string;
  /** Instructions the verifier processed (its budget is 1,000,000). */
  readonly insns: number;
  /** Peak verifier states kept at once (their memory is charged to the loader's cgroup), if reported. */
  readonly peakStates: number | null;
  /** Verification time in microseconds, if the kernel reports it (5.13+). */
  readonly verifyUs: number | null;
}

/** Pure: the statistics from a verifier log at BPF_LOG_STATS, and/or bpf_prog_info.verified_insns. */
export function parseVerifierStats(program: string, log: string | null, verifiedInsns: number): VerifierStats | null {
  const num = (re: RegExp): number | null => {
    const m = re.exec(log ?? '');
    return m?.[1] === undefined ? null : Number(m[1]);
  };
  const insns = verifiedInsns > 0 ? verifiedInsns : num(/processed (\d+) insns/);
  if (insns === null) return null;
  return { program, insns, peakStates: num(/peak_states (\d+)/), verifyUs: num(/verification time (\d+) usec/) };
}

export interface UprobeTarget {
  readonly program: string;
  /** Path of the ELF file (library or executable), as seen from this mount namespace. */
  readonly binary: string;
  readonly symbol?: string;
  readonly offset?: number;
  /** Only this process (default: every process that maps the binary). */
  readonly pid?: number;
  readonly retprobe?: boolean;
}

export class BpfObject {
  private loaded = false;
  private closed = false;

  private constructor(
    private readonly handle: NativeObject,
    readonly path: string,
  ) {}

  /** Open and configure (not yet loaded). */
  static open(path: string, opts: OpenOptions = {}): BpfObject {
    const Native = binding().BpfObject;
    const obj = new BpfObject(native(() => new Native(path, opts.pinRoot ?? null)), path);
    try {
      obj.configure(opts);
    } catch (e) {
      obj.close();
      throw e;
    }
    return obj;
  }

  /** open + load in one step. */
  static load(path: string, opts: OpenOptions = {}): BpfObject {
    const obj = BpfObject.open(path, opts);
    try {
      obj.load();
    } catch (e) {
      obj.close();
      throw e;
    }
    return obj;
  }

  private configure(opts: OpenOptions): void {
    for (const [name, value] of Object.entries(opts.globals ?? {})) this.setGlobal(name, value);
    if (opts.programs) {
      const wanted = new Set(opts.programs);
      const names = this.programInfos().map((p) => p.name);
      for (const w of wanted) {
        if (!names.includes(w)) throw new BpfConfigureError('E_BPF_CONFIGURE', `no program ${w} in ${this.path}`, notFound('configure'));
      }
      for (const n of names) native(() => { this.handle.setAutoload(n, wanted.has(n)); });
    }
    for (const [name, n] of Object.entries(opts.mapMaxEntries ?? {})) {
      native(() => { this.handle.setMapMaxEntries(name, n); });
    }
    if (opts.verifierStats) native(() => { this.handle.captureVerifierStats(); });
  }

  setGlobal(name: string, value: Buffer): void {
    native(() => { this.handle.setGlobal(name, value); });
  }

  load(): this {
    native(() => { this.handle.load(); });
    this.loaded = true;
    return this;
  }

  get isLoaded(): boolean {
    return this.loaded;
  }

  programInfos(): NativeProgramInfo[] {
    return native(() => this.handle.programs());
  }

  mapInfos(): NativeMapInfo[] {
    return native(() => this.handle.maps());
  }

  /** The verifier's statistics of each loaded program (null where the kernel gave none). */
  verifierStats(): VerifierStats[] {
    return this.programInfos().flatMap((p) => {
      if (p.fd < 0) return [];
      const st = parseVerifierStats(p.name, p.verifierLog, p.verifiedInsns);
      return st ? [st] : [];
    });
  }

  programFd(name: string): number {
    const p = this.programInfos().find((x) => x.name === name);
    if (!p || p.fd < 0) {
      throw new BpfError('E_BPF_PROGRAM', `program ${name} is not loaded in ${this.path}`, notFound('program'));
    }
    return p.fd;
  }

  /** A map of this (loaded) object; the fd stays owned by the object. */
  map(name: string): BpfMap {
    const m = this.mapInfos().find((x) => x.name === name);
    if (!m || m.fd < 0) {
      throw new BpfError('E_BPF_MAP', `map ${name} is not available in ${this.path}`, notFound('map'));
    }
    return new BpfMap(m, false);
  }

  attachUprobe(t: UprobeTarget): Link {
    const h = native(() =>
      this.handle.attachUprobe(t.program, t.binary, t.symbol ?? null, t.offset ?? 0, t.pid ?? -1, t.retprobe ?? false),
    );
    const what = `${t.retprobe ? 'uretprobe' : 'uprobe'} ${t.binary}:${t.symbol ?? String(t.offset ?? 0)}${t.pid !== undefined ? ` pid ${t.pid}` : ''}`;
    return new Link(h, what);
  }

  attachTracepoint(program: string, category: string, name: string): Link {
    return new Link(native(() => this.handle.attachTracepoint(program, category, name)), `tracepoint ${category}/${name}`);
  }

  attachRawTracepoint(program: string, name: string): Link {
    return new Link(native(() => this.handle.attachRawTracepoint(program, name)), `raw_tracepoint ${name}`);
  }

  /** Attach a cgroup program (connect4/6, sendmsg4/6, cgroup_skb, ...) to a cgroup v2 directory. */
  attachCgroup(program: string, cgroupDir: string): Link {
    return new Link(native(() => this.handle.attachCgroup(program, cgroupDir)), `cgroup ${program} on ${cgroupDir}`);
  }

  attachXdp(program: string, ifindex: number): Link {
    return new Link(native(() => this.handle.attachXdp(program, ifindex)), `xdp ${program} on ifindex ${ifindex}`);
  }

  /** Attach as the program's section says (lsm/..., fentry/..., tp_btf/...). */
  attach(program: string): Link {
    return new Link(native(() => this.handle.attach(program)), `auto ${program}`);
  }

  pinProgram(program: string, path: string): void {
    native(() => { this.handle.pinProgram(program, path); });
  }

  /** Close the object (programs and maps fds). Attached links live on until destroyed. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.handle.close();
  }
}

function notFound(op: 'configure' | 'program' | 'map') {
  return { op, errno: 2, errnoName: 'ENOENT', libbpfLog: '' } as const;
}

export function u8(n: number): Buffer {
  return Buffer.from([n & 0xff]);
}

export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
}

export function u64(n: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(n);
  return b;
}
