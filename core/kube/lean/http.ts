/**
 * HTTP to one API server over node:https (or node:http for an http:// server):
 * one keep-alive Agent carrying the TLS settings of the KubeAccess, the
 * credentials added to every request, timeouts, and every failure as
 * KubeApiError (status 0 when no answer came: connection, TLS, timeout).
 */
import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage, type OutgoingHttpHeaders, type RequestOptions } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest, type AgentOptions } from 'node:https';
import { errorMessage } from '../../errors/ziriz-error.js';
import { KubeApiError } from '../errors.js';
import { authorization, type KubeAccess } from './access.js';

export interface HttpCall {
  /** Names the call in errors: `patch pods/status ns/name`. */
  readonly op: string;
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Path and query, from the server's root (a path prefix of the server URL is added). */
  readonly path: string;
  readonly body?: string;
  readonly contentType?: string;
  readonly signal?: AbortSignal;
}

export interface HttpOptions {
  /** Whole request, answer included (default 30 s). */
  readonly timeoutMs?: number;
  readonly userAgent?: string;
  /** Idle keep-alive sockets kept per host (default 4). */
  readonly maxFreeSockets?: number;
}

/** The abort reason of a call that ran out of time. */
class CallTimeout extends Error {
  constructor(readonly ms: number) {
    super(`no answer within ${ms} ms`);
  }
}

function tlsOptions(a: KubeAccess): AgentOptions {
  return {
    rejectUnauthorized: !a.insecureSkipTlsVerify,
    ...(a.ca ? { ca: a.ca } : {}),
    ...(a.clientCert && a.clientKey ? { cert: a.clientCert, key: a.clientKey } : {}),
    ...(a.tlsServerName ? { servername: a.tlsServerName } : {}),
  };
}

export async function readBody(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export class KubeHttp {
  private readonly url: URL;
  private readonly agent: HttpAgent;
  private readonly send: (o: RequestOptions, cb: (res: IncomingMessage) => void) => ClientRequest;
  readonly timeoutMs: number;
  private readonly userAgent: string;

  constructor(private readonly access: KubeAccess, opts: HttpOptions = {}) {
    this.url = new URL(access.server);
    this.timeoutMs = opts.timeoutMs ?? 30_000;
    this.userAgent = opts.userAgent ?? 'ziriz';
    const agentOpts = { keepAlive: true, keepAliveMsecs: 15_000, maxFreeSockets: opts.maxFreeSockets ?? 4 };
    if (this.url.protocol === 'https:') {
      this.agent = new HttpsAgent({ ...agentOpts, ...tlsOptions(access) });
      this.send = httpsRequest;
    } else {
      this.agent = new HttpAgent(agentOpts);
      this.send = httpRequest;
    }
  }

  get server(): string {
    return this.access.server;
  }

  /** The whole answer body of a 2xx; anything else rejects with KubeApiError. */
  async call(c: HttpCall, timeoutMs = this.timeoutMs): Promise<string> {
    const deadline = new AbortController();
    const timer = setTimeout(() => { deadline.abort(new CallTimeout(timeoutMs)); }, timeoutMs);
    const signal = c.signal ? AbortSignal.any([c.signal, deadline.signal]) : deadline.signal;
    try {
      const res = await this.open({ ...c, signal });
      return await readBody(res).catch((e: unknown) => { throw this.failure(c, signal, e); });
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * The answer of a 2xx as a stream (a watch), once its headers are in; a
   * non-2xx rejects with KubeApiError carrying the server's Status. Aborting
   * `signal` destroys the request, before or after the headers.
   * `headersTimeoutMs` bounds the wait for the headers only.
   */
  open(c: HttpCall, headersTimeoutMs?: number): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const headers: OutgoingHttpHeaders = { Accept: 'application/json', 'User-Agent': this.userAgent };
      const auth = authorization(this.access.credentials);
      if (auth !== undefined) headers.Authorization = auth;
      if (c.body !== undefined) {
        headers['Content-Type'] = c.contentType ?? 'application/json';
        headers['Content-Length'] = Buffer.byteLength(c.body);
      }
      const prefix = this.url.pathname.replace(/\/+$/, '');
      let settled = false;
      const req = this.send({
        protocol: this.url.protocol, hostname: this.url.hostname.replace(/^\[|\]$/g, ''), port: this.url.port || undefined,
        method: c.method, path: `${prefix}${c.path}`, headers, agent: this.agent,
      }, (res) => {
        clearTimeout(headersTimer);
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) {
          settled = true;
          res.once('close', detach);
          resolve(res);
          return;
        }
        readBody(res).then((body) => {
          settled = true;
          detach();
          reject(KubeApiError.fromResponse(c.op, status, body));
        }, (e: unknown) => { fail(e); });
      });
      const onAbort = (): void => { req.destroy(c.signal?.reason instanceof Error ? c.signal.reason : new Error('aborted')); };
      const detach = (): void => { c.signal?.removeEventListener('abort', onAbort); };
      const fail = (e: unknown): void => {
        clearTimeout(headersTimer);
        if (settled) return;
        settled = true;
        detach();
        reject(this.failure(c, c.signal, e));
      };
      const headersTimer = headersTimeoutMs === undefined ? undefined
        : setTimeout(() => { req.destroy(new CallTimeout(headersTimeoutMs)); }, headersTimeoutMs);
      req.on('error', fail);
      if (c.signal?.aborted) {
        onAbort();
      } else {
        c.signal?.addEventListener('abort', onAbort, { once: true });
      }
      req.end(c.body);
    });
  }

  /** No answer (or a broken one): KubeApiError with status 0, saying why. */
  private failure(c: HttpCall, signal: AbortSignal | undefined, e: unknown): KubeApiError {
    if (e instanceof KubeApiError) return e;
    const reason: unknown = signal?.aborted ? signal.reason : e;
    const why = reason instanceof CallTimeout ? `timed out: ${reason.message}` : errorMessage(reason);
    return new KubeApiError(c.op, 0, `${c.method} ${this.access.server}${c.path}: ${why}`, e);
  }

  /** Close idle sockets and refuse new ones (open watches end). */
  close(): void {
    this.agent.destroy();
  }
}
