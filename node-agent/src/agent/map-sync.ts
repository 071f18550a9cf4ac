/**
 * Bring a kernel map to a desired content with the fewest writes: unchanged
 * entries are not touched, changed and new ones are written, extra ones are
 * removed. Upserts and removals are separate steps so callers can order them
 * across maps (policy data before identities; identities removed first), and
 * enforcement never lapses while a pod switches to a new policy set.
 */
import type { BpfMap } from '../bpf/map.js';

export interface Entry {
  readonly key: Buffer;
  readonly value: Buffer;
}

export interface SyncPlan {
  readonly upserts: Entry[];
  readonly removals: Buffer[];
}

/** Pure: what to write and remove, given current and desired entries (keys as hex). */
export function planSync(current: ReadonlyMap<string, Buffer>, desired: ReadonlyMap<string, Entry>, keep: (key: Buffer, value: Buffer) => boolean = () => false): SyncPlan {
  const upserts: Entry[] = [];
  for (const [k, e] of desired) {
    const cur = current.get(k);
    if (!cur?.equals(e.value)) upserts.push(e);
  }
  const removals: Buffer[] = [];
  for (const [k, v] of current) {
    const key = Buffer.from(k, 'hex');
    if (!desired.has(k) && !keep(key, v)) removals.push(key);
  }
  return { upserts, removals };
}

/**
 * Pure: desired entries keyed the way readMap keys the kernel's (hex of the
 * key bytes), whatever the caller keyed them by. Comparing by any other key
 * would rewrite, and then delete, entries that are already right.
 */
export function byKeyHex(entries: Iterable<Entry>): Map<string, Entry> {
  return new Map([...entries].map((e) => [e.key.toString('hex'), e] as const));
}

export function readMap(map: BpfMap): Map<string, Buffer> {
  return new Map(map.entries().map(([k, v]) => [k.toString('hex'), Buffer.from(v)]));
}

export function applyUpserts(map: BpfMap, plan: SyncPlan): void {
  if (plan.upserts.length > 0) map.setMany(plan.upserts.map((e) => [e.key, e.value] as const));
}

export function applyRemovals(map: BpfMap, plan: SyncPlan): void {
  for (const k of plan.removals) map.delete(k);
}
