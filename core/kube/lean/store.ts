/**
 * An informer's cache: objects by namespace and name, with what each change
 * means for listeners (an object whose resourceVersion did not change is no
 * update), and a relist that turns into adds, updates and deletes.
 */
import type { KubeObject } from './types.js';

export interface Change<T> {
  readonly verb: 'add' | 'update' | 'delete';
  readonly object: T;
}

function keyOf(o: KubeObject): [string, string] {
  return [o.metadata?.namespace ?? '', o.metadata?.name ?? ''];
}

export class ObjectStore<T extends KubeObject> {
  private readonly byNamespace = new Map<string, Map<string, T>>();

  get size(): number {
    let n = 0;
    for (const m of this.byNamespace.values()) n += m.size;
    return n;
  }

  get(name: string, namespace = ''): T | undefined {
    return this.byNamespace.get(namespace)?.get(name);
  }

  /** Every object, or those of one namespace. */
  list(namespace?: string): T[] {
    if (namespace !== undefined && namespace !== '') return [...(this.byNamespace.get(namespace)?.values() ?? [])];
    return [...this.byNamespace.values()].flatMap((m) => [...m.values()]);
  }

  /** Add or replace; the change, or null when the stored object has the same resourceVersion. */
  upsert(o: T): Change<T> | null {
    const [ns, name] = keyOf(o);
    let m = this.byNamespace.get(ns);
    if (!m) {
      m = new Map();
      this.byNamespace.set(ns, m);
    }
    const old = m.get(name);
    const rv = o.metadata?.resourceVersion;
    if (old && rv !== undefined && old.metadata?.resourceVersion === rv) return null;
    m.set(name, o);
    return { verb: old ? 'update' : 'add', object: o };
  }

  /** Remove; the change (with the object as the delete event carried it), or null when it was not there. */
  remove(o: T): Change<T> | null {
    const [ns, name] = keyOf(o);
    const m = this.byNamespace.get(ns);
    if (!m?.delete(name)) return null;
    if (m.size === 0) this.byNamespace.delete(ns);
    return { verb: 'delete', object: o };
  }

  /** Make the store hold exactly `items` (a fresh list): deletes of what is gone, then adds and updates. */
  replace(items: readonly T[]): Change<T>[] {
    const keep = new Set(items.map((o) => keyOf(o).join('\0')));
    const changes: Change<T>[] = [];
    for (const old of this.list()) {
      if (!keep.has(keyOf(old).join('\0'))) {
        const c = this.remove(old);
        if (c) changes.push(c);
      }
    }
    for (const o of items) {
      const c = this.upsert(o);
      if (c) changes.push(c);
    }
    return changes;
  }

  clear(): void {
    this.byNamespace.clear();
  }
}
