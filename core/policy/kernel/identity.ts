/**
 * The ziriz_identity value of a pod: which categories its policy set covers
 * (per layer) and what an enforced denial does.
 *
 * Only the default-deny categories get cover bits (EGRESS, MCP, A2A, HTTP).
 * process and files are deny lists (what is not listed may run / be opened),
 * so ZIRIZ_COVER_EXEC / ZIRIZ_COVER_FILE are never set: a set bit would make
 * the kernel deny every exec / open of the pod.
 */
import { Action, Cover } from '../../abi/enums.js';
import type { Role } from '../../abi/enums.js';
import type { CompiledPolicySet } from '../compiled.js';
import type { Category } from '../model.js';
import type { IdentityValue } from './types.js';

const COVER_BIT: Partial<Record<Category, number>> = {
  egress: Cover.EGRESS,
  mcp: Cover.MCP,
  a2a: Cover.A2A,
  http: Cover.HTTP,
};

/** Inbound categories (set.inbound) get the IN_* bits. */
const INBOUND_BIT: Partial<Record<Category, number>> = {
  mcp: Cover.IN_MCP,
  a2a: Cover.IN_A2A,
  http: Cover.IN_HTTP,
};

function bitsOf(set: CompiledPolicySet, bits: Partial<Record<Category, number>>): { enforce: number; audit: number } {
  let enforce = 0;
  let audit = 0;
  for (const [category, bit] of Object.entries(bits) as [Category, number][]) {
    const c = set.coverage[category];
    if (c.enforce !== undefined) enforce |= bit;
    else if (c.audit !== undefined) audit |= bit;
  }
  return { enforce, audit };
}

/** Outbound call categories: a process ziriz cannot see would pass them unjudged. */
const CALL_BITS = Cover.MCP | Cover.A2A | Cover.HTTP;

export function coverBits(set: CompiledPolicySet): { enforce: number; audit: number } {
  const out = bitsOf(set, COVER_BIT);
  // The visibility gate follows the call categories' mode, unless every policy accepts egress-only protection.
  if (set.visibility !== 'EgressOnly') {
    if (out.enforce & CALL_BITS) out.enforce |= Cover.VISIBLE;
    else if (out.audit & CALL_BITS) out.audit |= Cover.VISIBLE;
  }
  if (set.inbound === undefined) return out;
  const inb = bitsOf(set.inbound, INBOUND_BIT);
  return { enforce: out.enforce | inb.enforce, audit: out.audit | inb.audit };
}

export function actionCode(action: 'Block' | 'Kill'): Action {
  return action === 'Kill' ? Action.KILL : Action.BLOCK;
}

/** The identity value for a pod with this set; ids are assigned by the node agent. */
export function identityValue(set: CompiledPolicySet, ids: { identityId: number; policyId: number; role: Role }): IdentityValue {
  const bits = coverBits(set);
  return {
    identityId: ids.identityId,
    policyId: ids.policyId,
    coverEnforce: bits.enforce,
    coverAudit: bits.audit,
    role: ids.role,
    action: actionCode(set.action),
  };
}
