/**
 * The lean Kubernetes client: JSON over node:https with the calls ziriz's
 * node agent makes (get, list with pagination, create, patch in its four
 * flavours including server-side apply, watch), on any resource and
 * subresource, returning plain JSON objects (types.ts). No generated models:
 * loading this costs a few MB where @kubernetes/client-node costs ~86 MB.
 * Every failure is a KubeApiError (status 0 when no answer came) or a
 * KubeDecodeError.
 */
import { KubeApiError } from '../errors.js';
import type { KubeAccess } from './access.js';
import { KubeDecodeError } from './errors.js';
import { KubeHttp, type HttpCall, type HttpOptions } from './http.js';
import { loadKubeAccess } from './load.js';
import { describe, queryString, resourcePath, type Named, type QueryValue, type Resource, type Target } from './resource.js';
import type { KubeObject, ListMeta } from './types.js';
import { runWatch, type StreamTimeouts, type WatchDelivery, type WatchEnd } from './watch.js';

export interface CallOptions {
  /** Names the call in errors (default: verb and resource). */
  readonly op?: string;
  readonly signal?: AbortSignal;
  readonly timeoutMs?: number;
  /** More query parameters (`dryRun`, `pretty`, ...). */
  readonly query?: Readonly<Record<string, QueryValue>>;
}

export interface SelectorOptions {
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
}

export interface ListOptions extends CallOptions, SelectorOptions {
  /** Items per page (`limit`; default 500; 0: one unpaginated list). */
  readonly pageSize?: number;
  readonly resourceVersion?: string;
}

export interface ListResult<T> {
  readonly items: T[];
  /** The list's resourceVersion: watch from here. */
  readonly resourceVersion: string;
}

export type PatchType = 'strategic-merge' | 'merge' | 'json' | 'apply';

export const PATCH_CONTENT_TYPE: Readonly<Record<PatchType, string>> = {
  'strategic-merge': 'application/strategic-merge-patch+json',
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
  apply: 'application/apply-patch+yaml',
};

export interface WriteOptions extends CallOptions {
  readonly fieldManager?: string;
}

export interface PatchOptions extends WriteOptions {
  /** Server-side apply only: take fields other managers own. */
  readonly force?: boolean;
}

export interface WatchOptions extends SelectorOptions, StreamTimeouts {
  readonly op?: string;
  /** Start after this version; absent: the server's current state as ADDED events first. */
  readonly resourceVersion?: string;
  /** The server ends the stream after this long (default: random 5-10 min, as client-go). */
  readonly timeoutSeconds?: number;
  readonly allowWatchBookmarks?: boolean;
  readonly signal?: AbortSignal;
}

const DEFAULT_PAGE = 500;

function decode(op: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e: unknown) {
    throw new KubeDecodeError(op, 'answer is not JSON', text, e);
  }
}

export class KubeClient {
  readonly http: KubeHttp;

  constructor(readonly access: KubeAccess, opts: HttpOptions = {}) {
    this.http = new KubeHttp(access, opts);
  }

  /** From $KUBECONFIG, or in-cluster. */
  static fromEnv(env: NodeJS.ProcessEnv = process.env, opts: HttpOptions = {}): KubeClient {
    return new KubeClient(loadKubeAccess(env), opts);
  }

  private async json<T>(c: HttpCall, o: CallOptions): Promise<T> {
    const text = await this.http.call({ ...c, ...(o.signal ? { signal: o.signal } : {}) }, o.timeoutMs);
    return decode(c.op, text) as T;
  }

  async get<T extends KubeObject>(r: Resource, at: Named, o: CallOptions = {}): Promise<T> {
    return this.json<T>({ op: o.op ?? `get ${describe(r, at)}`, method: 'GET', path: resourcePath(r, at) + queryString(o.query ?? {}) }, o);
  }

  /** Every item, following `continue` page by page (an expired continue token: one full list instead). */
  async list<T extends KubeObject>(r: Resource, at: Target = {}, o: ListOptions = {}): Promise<ListResult<T>> {
    const op = o.op ?? `list ${describe(r, at)}`;
    const pageSize = o.pageSize ?? DEFAULT_PAGE;
    const items: T[] = [];
    let token = '';
    for (;;) {
      const q = {
        labelSelector: o.labelSelector, fieldSelector: o.fieldSelector, resourceVersion: token === '' ? o.resourceVersion : undefined,
        limit: pageSize > 0 ? pageSize : undefined, continue: token === '' ? undefined : token, ...o.query,
      };
      let page: { metadata?: ListMeta; items?: unknown };
      try {
        page = await this.json({ op, method: 'GET', path: resourcePath(r, at) + queryString(q) }, o);
      } catch (e: unknown) {
        if (token !== '' && e instanceof KubeApiError && e.gone) return this.list(r, at, { ...o, pageSize: 0 });
        throw e;
      }
      const pageItems = page.items ?? [];
      if (!Array.isArray(pageItems)) throw new KubeDecodeError(op, 'list without an items array', JSON.stringify(page).slice(0, 200));
      items.push(...(pageItems as T[]));
      token = page.metadata?.continue ?? '';
      if (token === '') return { items, resourceVersion: page.metadata?.resourceVersion ?? '' };
    }
  }

  async create<T extends KubeObject>(r: Resource, at: Target, body: unknown, o: WriteOptions = {}): Promise<T> {
    const q = { fieldManager: o.fieldManager, ...o.query };
    return this.json<T>({ op: o.op ?? `create ${describe(r, at)}`, method: 'POST', path: resourcePath(r, at) + queryString(q), body: JSON.stringify(body) }, o);
  }

  async patch<T extends KubeObject>(r: Resource, at: Named, type: PatchType, body: unknown, o: PatchOptions = {}): Promise<T> {
    const q = { fieldManager: o.fieldManager, force: type === 'apply' && o.force ? true : undefined, ...o.query };
    return this.json<T>({
      op: o.op ?? `patch (${type}) ${describe(r, at)}`, method: 'PATCH', path: resourcePath(r, at) + queryString(q),
      body: JSON.stringify(body), contentType: PATCH_CONTENT_TYPE[type],
    }, o);
  }

  /** Server-side apply of `body` (JSON is YAML) as `fieldManager`. */
  async apply<T extends KubeObject>(r: Resource, at: Named, body: unknown, o: PatchOptions & { readonly fieldManager: string }): Promise<T> {
    return this.patch<T>(r, at, 'apply', body, { ...o, op: o.op ?? `apply ${describe(r, at)}` });
  }

  /** One watch request (see watch.ts): events to `onEvent`, the promise says how it ended. */
  async watch<T extends KubeObject>(r: Resource, at: Target, o: WatchOptions, onEvent: (e: WatchDelivery<T>) => void): Promise<WatchEnd> {
    const q = {
      watch: 1, allowWatchBookmarks: o.allowWatchBookmarks ?? true, resourceVersion: o.resourceVersion === '' ? undefined : o.resourceVersion,
      timeoutSeconds: o.timeoutSeconds ?? 300 + Math.floor(Math.random() * 300), labelSelector: o.labelSelector, fieldSelector: o.fieldSelector,
    };
    const call: HttpCall = { op: o.op ?? `watch ${describe(r, at)}`, method: 'GET', path: resourcePath(r, at) + queryString(q), ...(o.signal ? { signal: o.signal } : {}) };
    return runWatch<T>(this.http, call, o, onEvent);
  }

  close(): void {
    this.http.close();
  }
}
