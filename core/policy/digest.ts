/**
 * A stable digest of a compiled set (sha256 over a canonical JSON form of the
 * policies, sorted, with defaults filled in; metadata other than namespace and
 * name is left out), for the webhook's permissions annotation and to share one
 * kernel policy_id between pods with the same set; and a short human summary.
 */
import { createHash } from 'node:crypto';
import { coveredCategories } from './compile.js';
import type { CompiledPolicySet } from './compiled.js';
import { policyRef } from './model.js';

/** JSON with object keys sorted at every level. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** `sha256:<64 hex>` of the set's policies. */
export function policySetDigest(set: CompiledPolicySet): string {
  const canonical = canonicalJson(set.policies.map((p) => ({ namespace: p.namespace, name: p.name, spec: p.spec })));
  return `sha256:${createHash('sha256').update(canonical).digest('hex')}`;
}

/** One line: policies, what is enforced and audited, the action, the rule count. */
export function policySetSummary(set: CompiledPolicySet): string {
  if (set.policies.length === 0) return 'no policies';
  const { enforce, audit } = coveredCategories(set);
  const lists = [
    set.process.length > 0 ? `process deny ${set.process.length}` : '',
    set.files.length > 0 ? `files deny ${set.files.length}` : '',
  ].filter((s) => s !== '');
  const parts = [
    `${set.policies.length} ${set.policies.length === 1 ? 'policy' : 'policies'} (${set.policies.map(policyRef).join(', ')})`,
    `enforce: ${enforce.length > 0 ? enforce.join(',') : '-'}`,
    `audit: ${audit.length > 0 ? audit.join(',') : '-'}`,
    ...lists,
    `action ${set.action}`,
    `${set.rules.length - 1} rules`,
    ...(set.inbound ? [`inbound: ${coveredCategories(set.inbound).enforce.join(',') || '-'} enforced, ${coveredCategories(set.inbound).audit.join(',') || '-'} audited, ${set.inbound.rules.length - 1} rules`] : []),
  ];
  return parts.join('; ');
}
