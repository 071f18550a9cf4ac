/**
 * A list+watch cache on the lean client that never stays dead: list (paged),
 * then watch from the list's resourceVersion, following bookmarks; a watch
 * the server ends (timeoutSeconds) or that goes idle is re-opened from the
 * last resourceVersion; 410 Gone relists at once; any other error (list or
 * watch refused, connection dropped, garbage on the stream, a listener
 * throwing) closes the sync gate and restarts from a fresh list after a
 * capped exponential backoff with jitter, until stop(). `synced` says the
 * last list succeeded and no error happened since (the same contract as
 * ResilientInformer, the webhook's client-node one).
 */
import { Backoff } from '../backoff.js';
import { KubeApiError } from '../errors.js';
import { SyncGate } from '../sync-gate.js';
import type { ListOptions, ListResult, SelectorOptions, WatchOptions } from './client.js';
import type { Resource, Target } from './resource.js';
import { ObjectStore, type Change } from './store.js';
import type { KubeObject } from './types.js';
import type { WatchDelivery, WatchEnd } from './watch.js';

/** What an informer needs of a client (KubeClient; tests may fake it). */
export interface ListWatchSource {
  list<T extends KubeObject>(r: Resource, at: Target, o: ListOptions): Promise<ListResult<T>>;
  watch<T extends KubeObject>(r: Resource, at: Target, o: WatchOptions, onEvent: (e: WatchDelivery<T>) => void): Promise<WatchEnd>;
}

export interface InformerOptions extends SelectorOptions {
  readonly name: string;
  /** Watch one namespace (default: all, or cluster-scoped). */
  readonly namespace?: string;
  readonly minBackoffMs?: number;
  readonly maxBackoffMs?: number;
  readonly random?: () => number;
  readonly pageSize?: number;
  /** Server-side watch timeout (default: the client's, 5-10 min). */
  readonly watchTimeoutSeconds?: number;
  /** Re-open a watch that carried nothing for this long (default: the client's). */
  readonly idleMs?: number;
  /** Told about each error and the restart it causes (logging, metrics). */
  readonly onError?: (err: unknown, restartInMs: number) => void;
}

export type Verb = Change<KubeObject>['verb'];

/** A watch that the server closed this soon without an event is treated as a hiccup: wait before the next. */
const SPIN_MS = 1000;

export class Informer<T extends KubeObject> {
  private readonly store = new ObjectStore<T>();
  private readonly listeners: Record<Verb, ((o: T) => void)[]> = { add: [], update: [], delete: [] };
  private readonly gate: SyncGate;
  private readonly backoff: Backoff;
  private readonly target: Target;
  private stopped = true;
  private loop: Promise<void> | undefined;
  private abort: AbortController | undefined;
  private wake: (() => void) | undefined;
  /** 410s in a row with no event between them (the second and later wait). */
  private goneInARow = 0;
  /** Where the next watch starts; '' means list first. */
  resourceVersion = '';
  /** Restarts after errors or 410 (each one lists again). */
  restarts = 0;
  lists = 0;

  constructor(private readonly source: ListWatchSource, private readonly resource: Resource, private readonly opts: InformerOptions) {
    this.gate = new SyncGate(opts.name);
    this.backoff = new Backoff({
      ...(opts.minBackoffMs !== undefined ? { minMs: opts.minBackoffMs } : {}),
      ...(opts.maxBackoffMs !== undefined ? { maxMs: opts.maxBackoffMs } : {}),
      ...(opts.random ? { random: opts.random } : {}),
    });
    this.target = opts.namespace !== undefined ? { namespace: opts.namespace } : {};
  }

  get name(): string {
    return this.opts.name;
  }

  get synced(): boolean {
    return this.gate.isOpen;
  }

  on(verb: Verb, cb: (obj: T) => void): void {
    this.listeners[verb].push(cb);
  }

  list(namespace?: string): readonly T[] {
    return this.store.list(namespace);
  }

  get(name: string, namespace?: string): T | undefined {
    return this.store.get(name, namespace);
  }

  /** Start (idempotent). Resolves once the first list succeeded; InformerSyncTimeoutError at the deadline. */
  async start(timeoutMs = 30_000): Promise<void> {
    if (this.stopped) {
      this.stopped = false;
      this.loop = this.run();
    }
    await this.gate.wait(timeoutMs);
  }

  async waitSynced(timeoutMs: number): Promise<void> {
    await this.gate.wait(timeoutMs);
  }

  /** Stop watching (the cache keeps what it has); resolves when the loop is out. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.gate.close();
    this.abort?.abort(new Error(`informer ${this.opts.name} stopped`));
    this.wake?.();
    await this.loop;
    this.loop = undefined;
  }

  private async run(): Promise<void> {
    this.resourceVersion = '';
    while (!this.stopped) {
      this.abort = new AbortController();
      try {
        if (this.resourceVersion === '') await this.relist(this.abort.signal);
        await this.watch(this.abort.signal);
      } catch (e: unknown) {
        if (this.abort.signal.aborted) break; // stop() during the call
        await this.recover(e);
      }
    }
  }

  private async relist(signal: AbortSignal): Promise<void> {
    const list = await this.source.list<T>(this.resource, this.target, {
      op: `list ${this.opts.name}`, signal, ...this.selectors(), ...(this.opts.pageSize !== undefined ? { pageSize: this.opts.pageSize } : {}),
    });
    if (signal.aborted) return;
    this.lists++;
    const changes = this.store.replace(list.items);
    this.resourceVersion = list.resourceVersion;
    for (const c of changes) this.emit(c);
    this.backoff.reset();
    this.gate.open();
  }

  private async watch(signal: AbortSignal): Promise<void> {
    const started = performance.now();
    let events = 0;
    const end = await this.source.watch<T>(this.resource, this.target, {
      op: `watch ${this.opts.name}`, signal, resourceVersion: this.resourceVersion, allowWatchBookmarks: true, ...this.selectors(),
      ...(this.opts.watchTimeoutSeconds !== undefined ? { timeoutSeconds: this.opts.watchTimeoutSeconds } : {}),
      ...(this.opts.idleMs !== undefined ? { idleMs: this.opts.idleMs } : {}),
    }, (e) => {
      if (events++ === 0) {
        this.goneInARow = 0;
        this.backoff.reset();
      }
      this.apply(e);
    });
    if (end === 'closed' && events === 0 && performance.now() - started < SPIN_MS) await this.pause(this.backoff.next());
  }

  private async recover(e: unknown): Promise<void> {
    this.resourceVersion = '';
    this.restarts++;
    if (e instanceof KubeApiError && e.gone && this.goneInARow++ === 0) return; // expired: relist at once (the cache stays usable)
    this.gate.close();
    const delay = this.backoff.next();
    this.opts.onError?.(e, delay);
    await this.pause(delay);
  }

  private apply(e: WatchDelivery<T>): void {
    const rv = e.object.metadata?.resourceVersion;
    if (e.type === 'ADDED' || e.type === 'MODIFIED') {
      const c = this.store.upsert(e.object);
      if (c) this.emit(c);
    } else if (e.type === 'DELETED') {
      const c = this.store.remove(e.object);
      if (c) this.emit(c);
    }
    if (rv) this.resourceVersion = rv;
  }

  private emit(c: Change<T>): void {
    for (const cb of this.listeners[c.verb]) cb(c.object);
  }

  private selectors(): SelectorOptions {
    return {
      ...(this.opts.labelSelector !== undefined ? { labelSelector: this.opts.labelSelector } : {}),
      ...(this.opts.fieldSelector !== undefined ? { fieldSelector: this.opts.fieldSelector } : {}),
    };
  }

  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(t);
        this.wake = undefined;
        resolve();
      };
      const t = setTimeout(done, ms);
      this.wake = done;
    });
  }
}
