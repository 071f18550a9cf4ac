/**
 * Numbers for the kernel maps: a policy set's `policy_id` (shared by pods with
 * the same compiled set, keyed by its digest) and a pod's `identity_id`
 * (keyed by the pod UID, so a record names its exact pod). Derived from the
 * key by hashing, so a restarted agent finds the same numbers in the maps;
 * a collision moves to the next free number.
 */
import { nameHash } from '../../../core/abi/fnv.js';

/** Reserved: the deny-everything set of a pod whose policies do not compile (fail closed). */
export const DENY_ALL_POLICY_ID = 0x7fffffff;

export class IdAllocator {
  private readonly byKey = new Map<string, number>();
  private readonly used = new Map<number, string>();

  constructor(private readonly reserved: readonly number[] = [0, DENY_ALL_POLICY_ID]) {}

  id(key: string): number {
    const known = this.byKey.get(key);
    if (known !== undefined) return known;
    let n = Number(nameHash(key) % 0x7ffffff0n) + 1;
    while (this.used.has(n) || this.reserved.includes(n)) n = (n % 0x7ffffff0) + 1;
    this.byKey.set(key, n);
    this.used.set(n, key);
    return n;
  }

  keyOf(id: number): string | undefined {
    return this.used.get(id);
  }

  /** Forget keys no longer in use (their numbers become free). */
  retain(keys: ReadonlySet<string>): void {
    for (const [k, n] of this.byKey) {
      if (!keys.has(k)) {
        this.byKey.delete(k);
        this.used.delete(n);
      }
    }
  }
}
