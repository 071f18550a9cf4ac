/**
 * A BPF map by file descriptor: of a loaded object, or re-opened from a pin.
 * Keys and values are Buffers; struct layouts come from core/abi.
 */
import { native } from './errors.js';
import { binding } from './native.js';

export const MapUpdate = { ANY: 0, NOEXIST: 1, EXIST: 2 } as const;
export type MapUpdate = (typeof MapUpdate)[keyof typeof MapUpdate];

const PERCPU_TYPES = new Set(['percpu_hash', 'percpu_array', 'lru_percpu_hash', 'percpu_cgroup_storage']);
const NO_BATCH_TYPES = new Set(['lpm_trie', 'ringbuf', 'perf_event_array', 'prog_array', 'array_of_maps', 'hash_of_maps']);

export interface MapSpec {
  readonly name: string;
  readonly fd: number;
  readonly type: string;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
}

export class BpfMap implements MapSpec {
  readonly name: string;
  readonly fd: number;
  readonly type: string;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  /** Bytes of a lookup result: per-CPU maps return one 8-aligned slot per possible CPU. */
  readonly lookupSize: number;
  readonly cpus: number;
  private closed = false;

  constructor(spec: MapSpec, private readonly ownsFd: boolean) {
    this.name = spec.name;
    this.fd = spec.fd;
    this.type = spec.type;
    this.keySize = spec.keySize;
    this.valueSize = spec.valueSize;
    this.maxEntries = spec.maxEntries;
    this.cpus = this.isPerCpu ? native(() => binding().numPossibleCpus()) : 1;
    this.lookupSize = this.isPerCpu ? roundUp8(this.valueSize) * this.cpus : this.valueSize;
  }

  /** Re-open a pinned map (the agent adopting its state after a restart). */
  static openPinned(path: string): BpfMap {
    const b = binding();
    const fd = native(() => b.objGet(path));
    const info = native(() => b.mapInfo(fd));
    return new BpfMap({ ...info, fd }, true);
  }

  get isPerCpu(): boolean {
    return PERCPU_TYPES.has(this.type);
  }

  get(key: Buffer): Buffer | null {
    this.checkKey(key);
    return native(() => binding().mapLookup(this.fd, key, this.lookupSize));
  }

  set(key: Buffer, value: Buffer, flags: MapUpdate = MapUpdate.ANY): void {
    this.checkKey(key);
    if (value.length !== this.lookupSize) {
      throw new RangeError(`map ${this.name}: value is ${value.length} bytes, expected ${this.lookupSize}`);
    }
    native(() => {
      binding().mapUpdate(this.fd, key, value, flags);
    });
  }

  /** True if the key existed. */
  delete(key: Buffer): boolean {
    this.checkKey(key);
    return native(() => binding().mapDelete(this.fd, key));
  }

  /** Every key, by BPF_MAP_GET_NEXT_KEY (bounded by max_entries against concurrent churn). */
  keys(): Buffer[] {
    const out: Buffer[] = [];
    let cur: Buffer | null = null;
    for (let i = 0; i <= this.maxEntries; i++) {
      const prev: Buffer | null = cur;
      const next: Buffer | null = native(() => binding().mapNextKey(this.fd, prev, this.keySize));
      if (!next) break;
      out.push(next);
      cur = next;
    }
    return out;
  }

  /** Every entry; batched (BPF_MAP_LOOKUP_BATCH) where the map type has batch ops. */
  entries(): [Buffer, Buffer][] {
    if (!NO_BATCH_TYPES.has(this.type) && this.type !== 'array' && !this.isPerCpu) {
      const { keys, values, count } = native(() => binding().mapLookupBatch(this.fd, this.keySize, this.lookupSize, 256));
      const out: [Buffer, Buffer][] = [];
      for (let i = 0; i < count; i++) {
        out.push([
          keys.subarray(i * this.keySize, (i + 1) * this.keySize),
          values.subarray(i * this.lookupSize, (i + 1) * this.lookupSize),
        ]);
      }
      return out;
    }
    const out: [Buffer, Buffer][] = [];
    for (const k of this.keys()) {
      const v = this.get(k);
      if (v) out.push([k, v]);
    }
    return out;
  }

  /** Write many entries in one syscall where supported. */
  setMany(entries: readonly (readonly [Buffer, Buffer])[], flags: MapUpdate = MapUpdate.ANY): void {
    if (entries.length === 0) return;
    if (NO_BATCH_TYPES.has(this.type)) {
      for (const [k, v] of entries) this.set(k, v, flags);
      return;
    }
    const keys = Buffer.concat(entries.map(([k]) => k));
    const values = Buffer.concat(entries.map(([, v]) => v));
    native(() => binding().mapUpdateBatch(this.fd, keys, values, entries.length, flags));
  }

  /** Per-CPU u64 slot `key` summed over CPUs (counter maps). */
  sumU64(key: Buffer): bigint {
    const v = this.get(key);
    if (!v) return 0n;
    const slot = roundUp8(this.valueSize);
    let sum = 0n;
    for (let cpu = 0; cpu < this.cpus; cpu++) sum += v.readBigUInt64LE(cpu * slot);
    return sum;
  }

  /** Pin this map at `path` in bpffs. */
  pin(path: string): void {
    native(() => {
      binding().objPin(this.fd, path);
    });
  }

  close(): void {
    if (this.ownsFd && !this.closed) binding().closeFd(this.fd);
    this.closed = true;
  }

  private checkKey(key: Buffer): void {
    if (key.length !== this.keySize) {
      throw new RangeError(`map ${this.name}: key is ${key.length} bytes, expected ${this.keySize}`);
    }
  }
}

function roundUp8(n: number): number {
  return Math.ceil(n / 8) * 8;
}

export function u32Key(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

export function u64Key(n: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(n);
  return b;
}
