/**
 * Work keyed by object: at most one task per key runs at a time, a newer task
 * for a key replaces a queued one (latest state wins), and at most
 * `concurrency` run at once. Used for pod conditions and policy status, so a
 * pod flapping fast costs one write in flight plus one queued.
 */
export type Task = () => Promise<void>;

export class KeyedQueue {
  private readonly queued = new Map<string, Task>();
  private readonly running = new Set<string>();
  private idleWaiters: (() => void)[] = [];

  constructor(private readonly concurrency: number, private readonly onError: (key: string, e: unknown) => void) {}

  get size(): number {
    return this.queued.size + this.running.size;
  }

  enqueue(key: string, task: Task): void {
    this.queued.set(key, task);
    this.pump();
  }

  private pump(): void {
    for (const [key, task] of this.queued) {
      if (this.running.size >= this.concurrency) return;
      if (this.running.has(key)) continue;
      this.queued.delete(key);
      this.running.add(key);
      void task()
        .catch((e: unknown) => { this.onError(key, e); })
        .finally(() => {
          this.running.delete(key);
          this.pump();
          if (this.size === 0) {
            const waiters = this.idleWaiters;
            this.idleWaiters = [];
            for (const w of waiters) w();
          }
        });
    }
  }

  /** Resolves when nothing is queued or running. */
  idle(): Promise<void> {
    if (this.size === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }
}
