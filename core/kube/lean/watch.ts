/**
 * One watch request, start to end: the stream's events go to `onEvent` as
 * they arrive; the promise says how the stream ended ('closed' by the server,
 * e.g. at timeoutSeconds; 'idle': nothing arrived for idleMs, so the
 * connection may be dead; 'aborted' by the caller) or rejects: KubeApiError
 * for a refused request, an ERROR event (410 Gone: `gone`, relist) or a
 * dropped connection (status 0), KubeDecodeError for a garbage line, or
 * whatever `onEvent` threw. Nothing is thrown out of the stream's handlers.
 */
import type { IncomingMessage } from 'node:http';
import { errorMessage } from '../../errors/ziriz-error.js';
import { KubeApiError } from '../errors.js';
import type { HttpCall, KubeHttp } from './http.js';
import type { KubeObject, WatchEvent } from './types.js';
import { WatchDecoder } from './watch-lines.js';

export type WatchEnd = 'closed' | 'idle' | 'aborted';

/** Events other than ERROR (which ends the watch as a rejection). */
export type WatchDelivery<T> = Exclude<WatchEvent<T>, { type: 'ERROR' }>;

export interface StreamTimeouts {
  /** Wait for the response headers (default 30 s). */
  readonly headersMs?: number;
  /** End as 'idle' when no byte came for this long (default 150 s; bookmarks come about once a minute). */
  readonly idleMs?: number;
}

function consume<T extends KubeObject>(res: IncomingMessage, op: string, caller: AbortSignal | undefined, stop: () => void,
  idleMs: number, onEvent: (e: WatchDelivery<T>) => void): Promise<WatchEnd> {
  const decoder = new WatchDecoder<T>(op);
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (end: WatchEnd | Error): void => {
      if (done) return;
      done = true;
      clearTimeout(idle);
      if (!res.complete) stop();
      if (end instanceof Error) reject(end);
      else resolve(end);
    };
    const idle = setTimeout(() => { finish('idle'); }, idleMs);
    const deliver = (events: Iterable<WatchEvent<T>>): void => {
      for (const e of events) {
        if (done) return;
        if (e.type === 'ERROR') {
          finish(KubeApiError.fromStatus(op, e.object));
          return;
        }
        onEvent(e);
      }
    };
    const guarded = (fn: () => void): void => {
      try {
        fn();
      } catch (e: unknown) {
        finish(e instanceof Error ? e : new Error(errorMessage(e)));
      }
    };
    const broken = (e?: unknown): void => {
      if (caller?.aborted) finish('aborted');
      else finish(new KubeApiError(op, 0, `watch stream broken${e === undefined ? '' : `: ${errorMessage(e)}`}`, e));
    };
    res.on('data', (chunk: Buffer) => {
      idle.refresh();
      guarded(() => { deliver(decoder.push(chunk)); });
    });
    res.on('end', () => {
      guarded(() => {
        deliver(decoder.end());
        finish('closed');
      });
    });
    res.on('error', broken);
    res.on('close', () => { broken(); });
  });
}

/** Run one watch request (see the file comment). */
export async function runWatch<T extends KubeObject>(http: KubeHttp, call: HttpCall, t: StreamTimeouts,
  onEvent: (e: WatchDelivery<T>) => void): Promise<WatchEnd> {
  const own = new AbortController();
  const signal = call.signal ? AbortSignal.any([call.signal, own.signal]) : own.signal;
  let res: IncomingMessage;
  try {
    res = await http.open({ ...call, signal }, t.headersMs ?? 30_000);
  } catch (e: unknown) {
    if (call.signal?.aborted) return 'aborted';
    throw e;
  }
  return consume(res, call.op, call.signal, () => { own.abort(new Error('watch ended')); }, t.idleMs ?? 150_000, onEvent);
}
