/**
 * admission.k8s.io/v1 AdmissionReview in and out. Parsing is strict about
 * what judging needs (uid, kind, operation, object) and reports anything
 * else as a ReviewInvalidError (HTTP 400), never as a judgement.
 */
import { ReviewInvalidError } from './errors.js';
import type { PatchOp } from './json-patch.js';

export const OPERATIONS = ['CREATE', 'UPDATE', 'DELETE', 'CONNECT'] as const;
export type Operation = (typeof OPERATIONS)[number];

export interface GroupVersionKind {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
}

export interface AdmissionRequest {
  readonly uid: string;
  readonly kind: GroupVersionKind;
  readonly operation: Operation;
  readonly namespace: string;
  readonly name: string;
  readonly object: Record<string, unknown> | null;
  readonly oldObject: Record<string, unknown> | null;
  readonly dryRun: boolean;
  readonly username: string;
}

export interface AdmissionResponse {
  readonly uid: string;
  readonly allowed: boolean;
  readonly status?: { readonly code: number; readonly reason?: string; readonly message: string };
  readonly patchType?: 'JSONPatch';
  readonly patch?: string;
  readonly warnings?: readonly string[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(o: Record<string, unknown>, k: string): string | undefined {
  const v = o[k];
  return typeof v === 'string' ? v : undefined;
}

export function parseReview(body: unknown): AdmissionRequest {
  if (!isRecord(body)) throw new ReviewInvalidError('body is not a JSON object');
  if (body.apiVersion !== 'admission.k8s.io/v1' || body.kind !== 'AdmissionReview') {
    throw new ReviewInvalidError('expected apiVersion admission.k8s.io/v1, kind AdmissionReview');
  }
  const req = body.request;
  if (!isRecord(req)) throw new ReviewInvalidError('AdmissionReview has no request');
  const uid = str(req, 'uid');
  if (!uid) throw new ReviewInvalidError('request.uid is missing');
  const kind = req.kind;
  if (!isRecord(kind) || typeof kind.kind !== 'string' || typeof kind.version !== 'string') {
    throw new ReviewInvalidError('request.kind is missing or malformed');
  }
  const operation = str(req, 'operation');
  if (!operation || !(OPERATIONS as readonly string[]).includes(operation)) {
    throw new ReviewInvalidError(`request.operation ${JSON.stringify(operation ?? null)} is not one of ${OPERATIONS.join(', ')}`);
  }
  const object = req.object ?? null;
  const oldObject = req.oldObject ?? null;
  if (object !== null && !isRecord(object)) throw new ReviewInvalidError('request.object is not an object');
  if (oldObject !== null && !isRecord(oldObject)) throw new ReviewInvalidError('request.oldObject is not an object');
  const userInfo = isRecord(req.userInfo) ? req.userInfo : {};
  return {
    uid,
    kind: { group: typeof kind.group === 'string' ? kind.group : '', version: kind.version, kind: kind.kind },
    operation: operation as Operation,
    namespace: str(req, 'namespace') ?? '',
    name: str(req, 'name') ?? '',
    object,
    oldObject,
    dryRun: req.dryRun === true,
    username: str(userInfo, 'username') ?? '',
  };
}

export function allow(uid: string, patch: readonly PatchOp[] = [], warnings: readonly string[] = []): AdmissionResponse {
  return {
    uid,
    allowed: true,
    ...(patch.length > 0 ? { patchType: 'JSONPatch' as const, patch: Buffer.from(JSON.stringify(patch)).toString('base64') } : {}),
    ...(warnings.length > 0 ? { warnings } : {}),
  };
}

export function deny(uid: string, message: string, code = 403, reason = 'Forbidden', warnings: readonly string[] = []): AdmissionResponse {
  return { uid, allowed: false, status: { code, reason, message }, ...(warnings.length > 0 ? { warnings } : {}) };
}

export function reviewOut(response: AdmissionResponse): Record<string, unknown> {
  return { apiVersion: 'admission.k8s.io/v1', kind: 'AdmissionReview', response };
}
