/**
 * The one place where "deny beats allow", "what a covered category does not
 * allow is denied", "allows add up" and "Audit reports what Enforce would
 * block" are decided. Works on three-valued facts so the same code gives the
 * evaluator's answer (facts known) and the kernel encoder's static answer
 * (facts that depend on the server or the arguments are 'maybe' -> CHECK).
 *
 *   E = verdict of the Enforce policies alone, F = verdict of all policies.
 *   A layer denies when a deny rule applies, or when it covers the category
 *   and no allow rule applies. E denies -> DENY; else F denies -> AUDIT;
 *   else ALLOW.
 */
import type { BaseRule, Coverage, RuleInfo } from './compiled.js';

export type Tri = boolean | 'maybe';

export function or(a: Tri, b: Tri): Tri {
  if (a === true || b === true) return true;
  return a === 'maybe' || b === 'maybe' ? 'maybe' : false;
}

export function and(a: Tri, b: Tri): Tri {
  if (a === false || b === false) return false;
  return a === 'maybe' || b === 'maybe' ? 'maybe' : true;
}

function not(a: Tri): Tri {
  return a === 'maybe' ? 'maybe' : !a;
}

export interface Candidate {
  readonly rule: BaseRule;
  /** Does the rule apply to this request (name/route already matched)? */
  readonly applies: Tri;
  /** Why an Allow rule whose name matched does not apply (argument, query or server). */
  readonly violation?: { readonly path: string; readonly reason: string };
}

export type Outcome = 'allow' | 'deny' | 'audit' | 'check';

export interface Decision {
  readonly outcome: Outcome;
  readonly rule?: RuleInfo;
  /** Set when a violation decided it: the field path of the failed constraint. */
  readonly path?: string;
  readonly reason: string;
}

function layerDenies(cands: readonly Candidate[], covered: boolean, enforceOnly: boolean): Tri {
  let deny: Tri = false;
  let allow: Tri = false;
  for (const c of cands) {
    if (enforceOnly && c.rule.layer !== 'enforce') continue;
    if (c.rule.effect === 'Deny') deny = or(deny, c.applies);
    else allow = or(allow, c.applies);
  }
  return or(deny, and(covered, not(allow)));
}

function explainDeny(cands: readonly Candidate[], layer: RuleInfo | undefined, what: string, enforceOnly: boolean): Decision {
  const inLayer = cands.filter((c) => !enforceOnly || c.rule.layer === 'enforce');
  const outcome = enforceOnly ? 'deny' : 'audit';
  const denied = inLayer.find((c) => c.rule.effect === 'Deny' && c.applies === true);
  if (denied !== undefined) return { outcome, rule: denied.rule.info, reason: `${what} denied` };
  const violated = inLayer.find((c) => c.rule.effect === 'Allow' && c.violation !== undefined);
  if (violated?.violation !== undefined) {
    return { outcome, rule: violated.rule.info, path: violated.violation.path, reason: violated.violation.reason };
  }
  return { outcome, ...(layer === undefined ? {} : { rule: layer }), reason: `${what} not allowed` };
}

/**
 * Decide a request from the candidate rules (those whose name/route/peer
 * matched) and the category's coverage. `what` names the request in reasons
 * (`MCP tool get_all_customers`). Exec/file deny lists pass `defaultDeny: false`.
 */
export function decide(cands: readonly Candidate[], cover: Coverage, what: string, defaultDeny = true): Decision {
  const coveredE = defaultDeny && cover.enforce !== undefined;
  const coveredF = defaultDeny && (cover.enforce !== undefined || cover.audit !== undefined);
  const e = layerDenies(cands, coveredE, true);
  const f = layerDenies(cands, coveredF, false);
  if (e === true) return explainDeny(cands, cover.enforce, what, true);
  if (e === 'maybe' || f === 'maybe') {
    const first = cands.find((c) => c.applies === 'maybe')?.rule.info ?? cover.enforce ?? cover.audit;
    return { outcome: 'check', ...(first === undefined ? {} : { rule: first }), reason: `${what} needs a full check` };
  }
  if (f) return explainDeny(cands, cover.audit ?? cover.enforce, what, false);
  const allowed = cands.find((c) => c.rule.effect === 'Allow' && c.applies === true && c.rule.layer === 'enforce') ??
    cands.find((c) => c.rule.effect === 'Allow' && c.applies === true);
  if (allowed !== undefined) return { outcome: 'allow', rule: allowed.rule.info, reason: `${what} allowed` };
  return { outcome: 'allow', reason: `${what}: no policy covers this` };
}
