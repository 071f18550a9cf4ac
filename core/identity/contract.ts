/**
 * The user contract in keys: what users write on pod templates and namespaces,
 * and what ziriz stamps on pods. Shared by the webhook, the node agent and docs.
 */
export const ZIRIZ_PREFIX = 'ziriz.io/';

/** Written by users (pod template label or annotation, or namespace label). */
export const ROLE_KEY = 'ziriz.io/role';
/** Optional per-workload mode request: audit | enforce. */
export const MODE_KEY = 'ziriz.io/mode';
/** Namespace label: `true` makes admission fail closed and forbids per-pod audit downgrades. */
export const ENFORCE_NAMESPACE_LABEL = 'ziriz.io/enforce';

/** Stamped by the webhook. */
export const IDENTITY_LABEL = 'ziriz.io/identity';
export const ANNOTATION_NAMESPACE = 'ziriz.io/identity-namespace';
export const ANNOTATION_SERVICE_ACCOUNT = 'ziriz.io/identity-service-account';
export const ANNOTATION_OWNER = 'ziriz.io/identity-owner';
export const ANNOTATION_POLICIES = 'ziriz.io/policies';
export const ANNOTATION_PERMISSIONS_DIGEST = 'ziriz.io/permissions-digest';
export const ANNOTATION_PERMISSIONS = 'ziriz.io/permissions';
/** Readiness gate and pod condition type set by the node agent. */
export const PROTECTED_CONDITION = 'ziriz.io/protected';

export const ROLES = ['agent', 'mcp-server'] as const;
export type ZirizRole = (typeof ROLES)[number];

export const MODES = ['audit', 'enforce'] as const;
export type WorkloadMode = (typeof MODES)[number];

/** Keys users may set themselves (their values are checked, not owned by ziriz). */
export const USER_KEYS: readonly string[] = [ROLE_KEY, MODE_KEY];

/** Keys only the webhook may set (a different value on an incoming pod is forgery). */
export const WEBHOOK_LABELS: readonly string[] = [IDENTITY_LABEL];
export const WEBHOOK_ANNOTATIONS: readonly string[] = [
  ANNOTATION_NAMESPACE,
  ANNOTATION_SERVICE_ACCOUNT,
  ANNOTATION_OWNER,
  ANNOTATION_POLICIES,
  ANNOTATION_PERMISSIONS_DIGEST,
  ANNOTATION_PERMISSIONS,
];

/** Namespaces ziriz never acts on (besides its own). */
export const SYSTEM_NAMESPACES: readonly string[] = ['kube-system', 'kube-node-lease', 'kube-public'];

export function isRole(v: string | undefined): v is ZirizRole {
  return v !== undefined && (ROLES as readonly string[]).includes(v);
}

export function isMode(v: string | undefined): v is WorkloadMode {
  return v !== undefined && (MODES as readonly string[]).includes(v);
}
