/**
 * Kubernetes API failures, typed by what the caller can do about them. No
 * client library here: the node agent's lean client (core/kube/lean/) builds
 * these from raw HTTP answers; client-node callers use client-node-errors.ts.
 */
import { ZirizError } from '../errors/ziriz-error.js';

function codeOf(status: number): string {
  switch (status) {
    case 0: return 'E_KUBE_UNREACHABLE';
    case 404: return 'E_KUBE_NOT_FOUND';
    case 409: return 'E_KUBE_CONFLICT';
    case 410: return 'E_KUBE_GONE';
    default: return 'E_KUBE_API';
  }
}

export class KubeApiError extends ZirizError {
  /**
   * @param status HTTP status, 0 when the server was not reached (connection, TLS, timeout).
   * @param reason The Status object's `reason` (`NotFound`, `Conflict`, `Expired`, ...) when the server gave one.
   */
  constructor(
    readonly op: string,
    readonly status: number,
    message: string,
    cause: unknown,
    readonly reason = '',
  ) {
    super(codeOf(status), `${op}: ${message}`, { cause });
  }

  /** From an HTTP answer: its status and body (a Status object, or anything else). */
  static fromResponse(op: string, status: number, body: string): KubeApiError {
    const s = parseStatus(body);
    const message = s?.message ?? (body.trim() === '' ? `HTTP ${status}` : body.slice(0, 500));
    return new KubeApiError(op, status, message, undefined, s?.reason ?? '');
  }

  /** From a Status object (a watch ERROR event), whose `code` is the HTTP status it stands for. */
  static fromStatus(op: string, s: StatusFields): KubeApiError {
    return new KubeApiError(op, s.code ?? 500, s.message ?? s.reason ?? 'error', undefined, s.reason ?? '');
  }

  get notFound(): boolean {
    return this.status === 404;
  }

  get conflict(): boolean {
    return this.status === 409;
  }

  /** 410: the resourceVersion asked for is no longer available (relist). */
  get gone(): boolean {
    return this.status === 410;
  }

  get unreachable(): boolean {
    return this.status === 0;
  }

  get serverError(): boolean {
    return this.status >= 500;
  }
}

/** The fields of a metav1.Status this code reads. */
export interface StatusFields {
  readonly code?: number;
  readonly reason?: string;
  readonly message?: string;
}

/** A metav1.Status from a response body, or undefined when the body is not one. */
export function parseStatus(body: string): StatusFields | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  return statusFields(parsed);
}

export function statusFields(v: unknown): StatusFields | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const o = v as Record<string, unknown>;
  const out: { code?: number; reason?: string; message?: string } = {};
  if (typeof o.code === 'number') out.code = o.code;
  if (typeof o.reason === 'string') out.reason = o.reason;
  if (typeof o.message === 'string') out.message = o.message;
  return Object.keys(out).length > 0 ? out : undefined;
}

/** An informer whose first list did not succeed in time. */
export class InformerSyncTimeoutError extends ZirizError {
  constructor(readonly informer: string, readonly timeoutMs: number) {
    super('E_KUBE_INFORMER_SYNC_TIMEOUT', `informer ${informer}: not synced after ${timeoutMs} ms`);
  }
}
