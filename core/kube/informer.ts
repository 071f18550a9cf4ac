/**
 * A list+watch cache that does not stay dead: client-node's ListWatch stops
 * for good on a list or watch error; this wrapper restarts it with capped
 * exponential backoff (with jitter) until stopped, and says whether the cache
 * is synced (its last list succeeded and no error happened since).
 */
import { ListWatch, Watch, type KubeConfig, type KubernetesObject, type ListPromise } from '@kubernetes/client-node';

export interface InformerOptions {
  readonly name: string;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Told about each error and restart (logging, metrics). */
  readonly onError?: (err: unknown, restartInMs: number) => void;
}

type Verb = 'add' | 'update' | 'delete';

export class ResilientInformer<T extends KubernetesObject> {
  private readonly lw: ListWatch<T>;
  private stopped = true;
  private failures = 0;
  private backoffMs: number;
  private timer: NodeJS.Timeout | undefined;
  private syncedFlag = false;
  private syncWaiters: (() => void)[] = [];
  restarts = 0;

  constructor(kc: KubeConfig, path: string, listFn: ListPromise<T>, private readonly opts: InformerOptions) {
    this.backoffMs = opts.minBackoffMs ?? 500;
    this.lw = new ListWatch(path, new Watch(kc), listFn, false, opts.labelSelector, opts.fieldSelector);
    this.lw.on('error', (err: unknown) => {
      this.failures++;
      this.syncedFlag = false;
      this.scheduleRestart(err);
    });
  }

  get synced(): boolean {
    return this.syncedFlag;
  }

  on(verb: Verb, cb: (obj: T) => void): void {
    this.lw.on(verb, cb);
  }

  list(namespace?: string): readonly T[] {
    return this.lw.list(namespace);
  }

  get(name: string, namespace?: string): T | undefined {
    return this.lw.get(name, namespace);
  }

  /** Start (idempotent). Resolves once the first list succeeded, or rejects at the deadline. */
  async start(timeoutMs = 30_000): Promise<void> {
    if (this.stopped) {
      this.stopped = false;
      await this.attempt();
    }
    await this.waitSynced(timeoutMs);
  }

  async waitSynced(timeoutMs: number): Promise<void> {
    if (this.syncedFlag) return;
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => {
        reject(new Error(`informer ${this.opts.name}: not synced after ${timeoutMs} ms`));
      }, timeoutMs);
      this.syncWaiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  private async attempt(): Promise<void> {
    const failuresBefore = this.failures;
    await this.lw.start();
    if (this.failures === failuresBefore && !this.stopped) {
      this.syncedFlag = true;
      this.backoffMs = this.opts.minBackoffMs ?? 500;
      for (const w of this.syncWaiters.splice(0)) w();
    }
  }

  private scheduleRestart(err: unknown): void {
    if (this.stopped || this.timer) return;
    const max = this.opts.maxBackoffMs ?? 30_000;
    const delay = Math.min(max, this.backoffMs) * (0.8 + Math.random() * 0.4);
    this.backoffMs = Math.min(max, this.backoffMs * 2);
    this.opts.onError?.(err, Math.round(delay));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.stopped) return;
      this.restarts++;
      void this.attempt();
    }, delay);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.syncedFlag = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.lw.stop();
  }
}
