/**
 * The node's BPF state, owned by the agent: programs loaded once per node
 * (objects from bpf/build, maps pinned by name under the pin root), links of
 * node-wide programs pinned (enforcement survives the agent), TC filters per
 * protected pod veth, and the maps brought to the desired content.
 *
 * Restart: maps are re-used from their pins with their entries; for each
 * node-wide program a new link is attached and pinned before the previous
 * agent's link is removed (both run for a moment: any deny wins), so there is
 * no instant without enforcement, and an upgraded program replaces the old.
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { errorMessage } from '../../../core/errors/ziriz-error.js';
import type { LogFn } from '../../../core/log/json-log.js';
import { Counter } from '../../../core/abi/enums.js';
import { Link } from '../bpf/link.js';
import { u32Key, type BpfMap } from '../bpf/map.js';
import { BpfObject } from '../bpf/object.js';
import { bpfObject } from '../bpf/paths.js';
import { NODE_PROGRAMS, TC_HANDLE, TC_PRIORITY, type ProgramSpec } from '../bpf/programs.js';
import { TcAttachment } from '../bpf/tc.js';
import { cgroupV2Root } from '../kernel/cgroup.js';
import type { ProbeReport } from '../probe/report.js';
import type { HookName } from '../report/types.js';
import type { DesiredKernel } from './desired.js';
import { applyRemovals, applyUpserts, byKeyHex, planSync, readMap, type Entry } from './map-sync.js';
import { loadTcState, saveTcState, type TcRecord } from './tc-state.js';

export interface KernelOptions {
  readonly pinRoot: string;
  readonly stateFile: string;
  readonly probe: ProbeReport;
  readonly log: LogFn;
  /** Ring buffer size in bytes (power of two). */
  readonly ringBytes?: number;
}

export interface Degraded {
  readonly hook: HookName;
  readonly why: string;
}

/** Per-process uprobe links, pinned under the pin root (calls/probes.ts). */
export const UPROBE_PIN_DIR = 'uprobes';

const MAP_NAMES = ['ziriz_identity', 'ziriz_egress', 'ziriz_calls', 'ziriz_pod_ips', 'ziriz_pod_uids', 'ziriz_conn_hold', 'ziriz_holds', 'ziriz_counters', 'ziriz_events', 'ziriz_hold_events', 'ziriz_blind', 'ziriz_outside'] as const;
export type MapName = (typeof MAP_NAMES)[number];

export class NodeKernel {
  private readonly objects = new Map<string, BpfObject>();
  private readonly links: Link[] = [];
  private tc: TcRecord[];
  private readonly hooks = new Set<HookName>();
  private readonly failures: Degraded[] = [];
  readonly maps: Partial<Record<MapName, BpfMap>> = {};
  attachFailures = 0;

  private constructor(private readonly opts: KernelOptions) {
    this.tc = loadTcState(opts.stateFile);
  }

  static open(opts: KernelOptions): NodeKernel {
    mkdirSync(join(opts.pinRoot, 'links'), { recursive: true });
    const k = new NodeKernel(opts);
    // Per-process probes first: whether they load decides if new processes are held at exec.
    for (const spec of NODE_PROGRAMS.filter((p) => p.attach === 'uprobe-process')) k.load(spec);
    for (const spec of NODE_PROGRAMS.filter((p) => p.attach !== 'uprobe-process')) k.load(spec);
    k.collectMaps();
    return k;
  }

  /** The objects whose programs are attached per process (calls/probes.ts); undefined if not loaded. */
  object(name: string): BpfObject | undefined {
    return this.objects.get(name);
  }

  private load(spec: ProgramSpec): void {
    const feature = this.opts.probe.features[spec.feature];
    if (spec.attach === 'lsm' && !this.opts.probe.lsm.usable) return; // reported once by degraded()
    if (!feature.available) {
      this.fail(spec, `${spec.feature} programs are not available on this kernel${feature.error ? ` (${feature.error})` : ''}`);
      return;
    }
    try {
      // Hold new processes at exec only when their probes can be attached.
      const probed = this.objects.has('uprobe_ssl_write');
      const globals = !probed ? undefined
        : spec.object === 'tp_sched_exec' ? { ziriz_exec_hold: Buffer.from([1]) }
          : spec.object === 'tp_fork_hold' ? { ziriz_fork_hold_on: Buffer.from([1]) } : undefined;
      const obj = BpfObject.load(bpfObject(spec.object), {
        pinRoot: this.opts.pinRoot,
        ...(globals ? { globals } : {}),
        ...(this.opts.ringBytes ? { mapMaxEntries: { ziriz_events: this.opts.ringBytes } } : {}),
      });
      this.objects.set(spec.object, obj);
      if (spec.attach !== 'uprobe-process' && spec.attach !== 'tc-pod') {
        for (const program of [spec.program, ...(spec.with ?? [])]) this.attachNodeWide(spec, obj, program);
        for (const [program, category, name] of spec.alsoAt ?? []) this.attachNodeWide(spec, obj, program, [category, name]);
      }
      this.hooks.add(spec.hook);
    } catch (e: unknown) {
      this.fail(spec, errorMessage(e));
    }
  }

  private fail(spec: ProgramSpec, why: string): void {
    this.attachFailures++;
    this.failures.push({ hook: spec.hook, why: `${spec.program} not loaded (${why}): ${spec.enforces} not enforced` });
    this.opts.log('error', 'program not attached', { program: spec.program, hook: spec.hook, error: why });
  }

  /**
   * Attach and pin a new link (at its section's target, or at tracepoint
   * `at`), then remove the links earlier agents pinned for this program there.
   */
  private attachNodeWide(spec: ProgramSpec, obj: BpfObject, program: string, at?: readonly [category: string, name: string]): void {
    const dir = join(this.opts.pinRoot, 'links');
    // bpffs refuses '.' in names: <program>[+<tracepoint>]-<time>-<pid> ('+': no prefix of another program's links)
    const where = at ? `${program}+${at[1]}` : program;
    const stale = readdirSync(dir).filter((n) => n.startsWith(`${where}-`));
    const link = at ? obj.attachTracepoint(program, at[0], at[1]) : spec.attach === 'cgroup-root' ? obj.attachCgroup(program, cgroupV2Root()) : obj.attach(program);
    const name = `${where}-${Date.now()}-${process.pid}`;
    link.pin(join(dir, name));
    this.links.push(link);
    for (const old of stale) {
      try {
        const l = Link.openPinned(join(dir, old));
        l.unpin();
        l.destroy();
      } catch (e: unknown) {
        this.opts.log('warn', 'could not remove a stale link', { pin: old, error: errorMessage(e) });
      }
    }
    this.opts.log('info', 'program attached', { program, hook: spec.hook, pin: name, replaced: stale.length });
  }

  private collectMaps(): void {
    for (const obj of this.objects.values()) {
      const have = new Set(obj.mapInfos().map((m) => m.name));
      for (const name of MAP_NAMES) {
        if (!this.maps[name] && have.has(name)) this.maps[name] = obj.map(name);
      }
    }
  }

  /** Hooks every program of which is in place (one program missing degrades its hook). */
  get attached(): HookName[] {
    const failed = new Set(this.failures.map((f) => f.hook));
    return [...this.hooks].filter((h) => !failed.has(h));
  }

  /** Hooks this node cannot provide, with why (from the probe and from attach failures). */
  degraded(): Degraded[] {
    const out = [...this.failures];
    if (!this.opts.probe.lsm.usable) {
      const why = this.opts.probe.lsm.bpfInActiveList
        ? 'LSM BPF programs do not load on this kernel (lockdown or no BPF trampolines)'
        : 'bpf is not in the active LSM list of this kernel';
      out.push({ hook: 'lsm-file-exec-socket', why });
    }
    return out;
  }

  /** Write the desired map contents: policy data first, identities last; removals in reverse. */
  apply(d: DesiredKernel, liveIdentityIds: ReadonlySet<number>): { written: number; removed: number } {
    const plans = desiredMaps(d, liveIdentityIds).flatMap(([name, desired, keep]) => {
      const map = this.maps[name];
      return map ? [{ name, map, plan: planSync(readMap(map), desired, keep) }] : [];
    });
    for (const p of plans) applyUpserts(p.map, p.plan);
    for (const p of [...plans].reverse()) applyRemovals(p.map, p.plan);
    return {
      written: plans.reduce((n, p) => n + p.plan.upserts.length, 0),
      removed: plans.reduce((n, p) => n + p.plan.removals.length, 0),
    };
  }

  /** TC filters on exactly the desired veths; returns the ifindexes whose filter is in place. */
  syncTc(desired: ReadonlyMap<number, string>, ifnames: ReadonlyMap<number, string>): Set<number> {
    const obj = this.objects.get('tc_pod_egress');
    const inPlace = new Set<number>();
    if (!obj) return inPlace;
    const keep: TcRecord[] = [];
    for (const rec of this.tc) {
      const still = desired.get(rec.ifindex) === rec.podUid && ifnames.get(rec.ifindex) === rec.ifname;
      const att = TcAttachment.adopt(rec);
      if (still && att.query() !== null) {
        keep.push(rec);
        inPlace.add(rec.ifindex);
        continue;
      }
      try {
        att.detach();
      } catch (e: unknown) {
        this.opts.log('debug', 'tc detach of a gone link', { ifindex: rec.ifindex, error: errorMessage(e) });
      }
    }
    const progFd = obj.programFd('ziriz_tc_pod_egress');
    for (const [ifindex, podUid] of desired) {
      if (inPlace.has(ifindex)) continue;
      try {
        const att = TcAttachment.attach({ ifindex, attachPoint: 'ingress', programFd: progFd, priority: TC_PRIORITY, handle: TC_HANDLE });
        keep.push({ ...att.state, ifname: ifnames.get(ifindex) ?? '', podUid });
        inPlace.add(ifindex);
      } catch (e: unknown) {
        this.attachFailures++;
        this.opts.log('error', 'tc attach failed', { ifindex, pod: podUid, error: errorMessage(e) });
      }
    }
    this.tc = keep;
    saveTcState(this.opts.stateFile, keep);
    return inPlace;
  }

  /** Every per-CPU error/drop counter, summed. */
  counters(): Record<string, bigint> {
    const m = this.maps.ziriz_counters;
    const out: Record<string, bigint> = {};
    if (!m) return out;
    for (const [name, idx] of Object.entries(Counter)) {
      if (name.startsWith('_')) continue;
      out[name.toLowerCase()] = m.sumU64(u32Key(idx));
    }
    return out;
  }

  /** Stop using the objects; links, maps and TC filters stay (enforcement continues). */
  close(): void {
    for (const l of this.links) l.destroy(); // pinned: stay attached
    for (const o of this.objects.values()) o.close();
  }

  /** Remove everything ziriz put in the kernel (uninstall): links, TC filters, pins. */
  teardown(): void {
    this.tc = [];
    removeNodeKernel(this.opts);
    this.close();
  }
}

/**
 * Uninstall without loading anything: detach the TC filters the state file
 * records, destroy every pinned link, remove the pins. A piece that cannot be
 * removed is logged and the rest still goes.
 */
export function removeNodeKernel(opts: Pick<KernelOptions, 'pinRoot' | 'stateFile' | 'log'>): { tcFilters: number; links: number } {
  let tcFilters = 0;
  for (const rec of loadTcState(opts.stateFile)) {
    try {
      TcAttachment.adopt(rec).detach();
      tcFilters++;
    } catch {
      // the interface or the filter is already gone
    }
  }
  saveTcState(opts.stateFile, []);
  let links = 0;
  for (const dir of ['links', UPROBE_PIN_DIR].map((d) => join(opts.pinRoot, d))) {
    for (const n of existsSync(dir) ? readdirSync(dir) : []) {
      try {
        const l = Link.openPinned(join(dir, n));
        l.unpin();
        l.destroy();
        links++;
      } catch (e: unknown) {
        opts.log('warn', 'could not remove a pinned link', { pin: n, error: errorMessage(e) });
      }
    }
  }
  rmSync(opts.pinRoot, { recursive: true, force: true }); // the maps' pins
  opts.log('info', 'ziriz removed from this node', { tcFilters, links, pinRoot: opts.pinRoot });
  return { tcFilters, links };
}

type KeepEntry = (key: Buffer, value: Buffer) => boolean;

/**
 * Pure: the content each map should have, in apply order (policy data before
 * identities; removals run in reverse), keyed by the hex of the key bytes.
 */
export function desiredMaps(d: DesiredKernel, liveIdentityIds: ReadonlySet<number>): [MapName, Map<string, Entry>, KeepEntry | undefined][] {
  const identities: Entry[] = [...d.identities].map(([cgid, value]) => {
    const key = Buffer.alloc(8);
    key.writeBigUInt64LE(BigInt(cgid));
    return { key, value };
  });
  return [
    ['ziriz_egress', byKeyHex(d.egress.values()), undefined],
    ['ziriz_calls', byKeyHex(d.calls.values()), undefined],
    ['ziriz_pod_ips', byKeyHex(d.podIps.values()), undefined],
    ['ziriz_pod_uids', byKeyHex(d.podUids.values()), undefined],
    // Entries the exec program made for pod cgroups not resolved yet belong to live pods: keep them.
    ['ziriz_identity', byKeyHex(identities), (_k, v) => liveIdentityIds.has(v.readUInt32LE(0))],
  ];
}
