/**
 * A list+watch cache over client-node (the webhook's) that does not stay
 * dead: client-node's ListWatch stops for good on a list or watch error; this
 * wrapper restarts it with capped exponential backoff (with jitter) until
 * stopped, and says whether the cache is synced (its last list succeeded and
 * no error happened since). The node agent uses lean/informer.ts instead
 * (same backoff and sync gate, no client-node).
 */
import { ListWatch, Watch, type KubeConfig, type KubernetesObject, type ListPromise } from '@kubernetes/client-node';
import { Backoff } from './backoff.js';
import { SyncGate } from './sync-gate.js';

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
  private readonly backoff: Backoff;
  private timer: NodeJS.Timeout | undefined;
  private readonly gate: SyncGate;
  restarts = 0;

  constructor(kc: KubeConfig, path: string, listFn: ListPromise<T>, private readonly opts: InformerOptions) {
    this.backoff = new Backoff({ ...(opts.minBackoffMs !== undefined ? { minMs: opts.minBackoffMs } : {}), ...(opts.maxBackoffMs !== undefined ? { maxMs: opts.maxBackoffMs } : {}) });
    this.gate = new SyncGate(opts.name);
    this.lw = new ListWatch(path, new Watch(kc), listFn, false, opts.labelSelector, opts.fieldSelector);
    this.lw.on('error', (err: unknown) => {
      this.failures++;
      this.gate.close();
      this.scheduleRestart(err);
    });
  }

  get synced(): boolean {
    return this.gate.isOpen;
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
    await this.gate.wait(timeoutMs);
  }

  private async attempt(): Promise<void> {
    const failuresBefore = this.failures;
    await this.lw.start();
    if (this.failures === failuresBefore && !this.stopped) {
      this.backoff.reset();
      this.gate.open();
    }
  }

  private scheduleRestart(err: unknown): void {
    if (this.stopped || this.timer) return;
    const delay = this.backoff.next();
    this.opts.onError?.(err, delay);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.stopped) return;
      this.restarts++;
      void this.attempt();
    }, delay);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.gate.close();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.lw.stop();
  }
}
