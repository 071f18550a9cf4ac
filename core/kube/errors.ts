/** Kubernetes API failures, typed by what the caller can do about them. */
import { ApiException } from '@kubernetes/client-node';
import { ZirizError, errorMessage } from '../errors/ziriz-error.js';

export class KubeApiError extends ZirizError {
  constructor(
    readonly op: string,
    readonly status: number,
    message: string,
    cause: unknown,
  ) {
    super(status === 404 ? 'E_KUBE_NOT_FOUND' : status === 409 ? 'E_KUBE_CONFLICT' : 'E_KUBE_API', `${op}: ${message}`, { cause });
  }

  get notFound(): boolean {
    return this.status === 404;
  }

  get conflict(): boolean {
    return this.status === 409;
  }
}

/** HTTP status of an API error (0 when the server was not reached). */
export function statusOf(e: unknown): number {
  return e instanceof ApiException ? e.code : 0;
}

function messageOf(e: unknown): string {
  if (e instanceof ApiException) {
    const body: unknown = e.body;
    if (typeof body === 'string') {
      try {
        const parsed = JSON.parse(body) as { message?: unknown };
        if (typeof parsed.message === 'string') return parsed.message;
      } catch {
        return body.slice(0, 500);
      }
    }
    if (typeof body === 'object' && body !== null && 'message' in body && typeof body.message === 'string') return body.message;
  }
  return errorMessage(e);
}

/** Run an API call; failures become KubeApiError with the status and the server's message. */
export async function kube<T>(op: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e: unknown) {
    throw new KubeApiError(op, statusOf(e), messageOf(e), e);
  }
}
