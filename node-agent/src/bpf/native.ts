/**
 * The one module that touches the libbpf addon (node-agent/native). Everything
 * else goes through the typed wrappers in this folder.
 */
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NativeAddonMissing } from './errors.js';

export interface NativeProgramInfo {
  name: string;
  section: string;
  type: string;
  fd: number;
  autoload: boolean;
  /** bpf_prog_info.verified_insns of the loaded program (0 before Linux 5.16, or not loaded). */
  verifiedInsns: number;
  xlatedBytes: number;
  jitedBytes: number;
  /** The verifier's statistics for this program, when asked for before load (captureVerifierStats). */
  verifierLog: string | null;
}

export interface NativeMapInfo {
  name: string;
  type: string;
  fd: number;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  internal: boolean;
  pinPath: string | null;
}

export interface NativeLink {
  pin(path: string): void;
  unpin(): void;
  fd(): number;
  detach(): void;
  destroy(): void;
  destroyAsync(): Promise<void>;
}

export interface NativeObject {
  setGlobal(name: string, value: Buffer): void;
  setAutoload(prog: string, on: boolean): void;
  setMapMaxEntries(map: string, n: number): void;
  captureVerifierStats(): void;
  load(): void;
  programs(): NativeProgramInfo[];
  maps(): NativeMapInfo[];
  attachUprobe(prog: string, binary: string, symbol: string | null, offset: number, pid: number, retprobe: boolean): NativeLink;
  attachTracepoint(prog: string, category: string, name: string): NativeLink;
  attachRawTracepoint(prog: string, name: string): NativeLink;
  attachCgroup(prog: string, cgroupDir: string): NativeLink;
  attachXdp(prog: string, ifindex: number): NativeLink;
  attach(prog: string): NativeLink;
  pinProgram(prog: string, path: string): void;
  close(): void;
}

export interface NativeRingBuffer {
  start(): void;
  stop(): void;
  consume(): number;
  stats(): { records: number; bytes: number; batches: number; wakeups: number };
  close(): void;
}

export interface TcSpec {
  ifindex: number;
  attachPoint: 'ingress' | 'egress';
  priority: number;
  handle: number;
  netns?: string;
}

export interface NativeMapKernelInfo {
  id: number;
  type: string;
  name: string;
  keySize: number;
  valueSize: number;
  maxEntries: number;
  flags: number;
}

export interface NativeBinding {
  BpfObject: new (path: string, pinRoot: string | null) => NativeObject;
  Link: new (pinPath: string) => NativeLink;
  RingBuffer: new (
    mapFd: number,
    cb: (data: Buffer, ends: Uint32Array) => void,
    maxRecords: number,
    maxBytes: number,
  ) => NativeRingBuffer;
  libbpfVersion(): string;
  numPossibleCpus(): number;
  mapInfo(fd: number): NativeMapKernelInfo;
  mapLookup(fd: number, key: Buffer, valueSize: number): Buffer | null;
  mapUpdate(fd: number, key: Buffer, value: Buffer, flags: number): void;
  mapDelete(fd: number, key: Buffer): boolean;
  mapNextKey(fd: number, key: Buffer | null, keySize: number): Buffer | null;
  mapLookupBatch(fd: number, keySize: number, valueSize: number, chunk: number): { keys: Buffer; values: Buffer; count: number };
  mapUpdateBatch(fd: number, keys: Buffer, values: Buffer, count: number, flags: number): number;
  objGet(path: string): number;
  objPin(fd: number, path: string): void;
  closeFd(fd: number): void;
  progInfo(fd: number): { id: number; type: string; name: string };
  tcAttach(spec: TcSpec & { progFd: number }): { createdHook: boolean; priority: number; handle: number; progId: number };
  tcDetach(spec: TcSpec): boolean;
  tcQuery(spec: TcSpec): number | null;
  tcHookDestroy(spec: { ifindex: number; netns?: string }): void;
  ifIndex(name: string, netns?: string): number;
  netnsLinks(path: string): NetnsLink[];
  /** glibc malloc_trim(0): true when memory was given back. */
  mallocTrim(): boolean;
  /** SCHED_FIFO at `priority` while the event loop waits (native/src/realtime.cc). */
  realtimeWhileWaiting(priority: number): void;
  realtimeStop(): void;
  realtimeStatus(): { active: boolean; priority: number; errno: number; waits: number };
}

/** An interface as rtnetlink reports it inside some network namespace. */
export interface NetnsLink {
  readonly ifindex: number;
  readonly name: string;
  /** IFLA_LINK: the peer's ifindex (veth), 0 when none. */
  readonly link: number;
  /** The peer lives in another network namespace (IFLA_LINK_NETNSID). */
  readonly otherNs: boolean;
}

/** Where the addon is looked for: $ZIRIZ_NATIVE_ADDON, else the node-gyp build dir. */
export function addonPath(): string {
  const fromEnv = process.env.ZIRIZ_NATIVE_ADDON;
  if (fromEnv) return resolve(fromEnv);
  // dist/node-agent/src/bpf -> repo root
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [
    join(here, '../../../../node-agent/native/build/Release/ziriz_bpf.node'),
    join(here, '../../native/build/Release/ziriz_bpf.node'),
  ];
  return candidates.find((p) => existsSync(p)) ?? candidates[0] ?? '';
}

let cached: NativeBinding | undefined;

export function binding(): NativeBinding {
  if (cached) return cached;
  const path = addonPath();
  if (!existsSync(path)) {
    throw new NativeAddonMissing('E_NATIVE_MISSING', `libbpf addon not built: ${path} (run hack/build-native)`);
  }
  const require = createRequire(import.meta.url);
  cached = require(path) as NativeBinding;
  return cached;
}
