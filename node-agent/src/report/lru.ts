/** A Map bounded to `max` entries; the least recently touched one is evicted (and reported). */
export class Lru<K, V> {
  private readonly map = new Map<K, V>();

  constructor(private readonly max: number, private readonly onEvict?: (key: K, value: V) => void) {
    if (!(max >= 1)) throw new RangeError(`LRU size must be at least 1 (got ${max})`);
  }

  get size(): number {
    return this.map.size;
  }

  /** The value, marked most recently used. */
  get(key: K): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  /** The value without touching its recency. */
  peek(key: K): V | undefined {
    return this.map.get(key);
  }

  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.max) {
      const oldest = this.map.keys().next();
      if (oldest.done) break;
      const k = oldest.value;
      const v = this.map.get(k);
      this.map.delete(k);
      if (v !== undefined) this.onEvict?.(k, v);
    }
  }

  delete(key: K): boolean {
    return this.map.delete(key);
  }

  /** Entries from least to most recently used. */
  entries(): IterableIterator<[K, V]> {
    return this.map.entries();
  }
}
