/**
 * client-node's ApiException as KubeApiError, for callers that use
 * @kubernetes/client-node (the webhook). Kept apart from errors.ts so that
 * importing the error classes never loads client-node (the node agent must
 * not: its generated models cost ~86 MB RSS).
 */
import { ApiException } from '@kubernetes/client-node';
import { errorMessage } from '../errors/ziriz-error.js';
import { KubeApiError, parseStatus, statusFields } from './errors.js';

/** HTTP status of an API error (0 when the server was not reached). */
export function statusOf(e: unknown): number {
  return e instanceof ApiException ? e.code : 0;
}

function statusOfBody(e: unknown): { message?: string; reason?: string } | undefined {
  if (!(e instanceof ApiException)) return undefined;
  const body: unknown = e.body;
  if (typeof body === 'string') return parseStatus(body) ?? { message: body.slice(0, 500) };
  return statusFields(body);
}

/** Run an API call; failures become KubeApiError with the status and the server's message. */
export async function kube<T>(op: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e: unknown) {
    const s = statusOfBody(e);
    throw new KubeApiError(op, statusOf(e), s?.message ?? errorMessage(e), e, s?.reason ?? '');
  }
}
