/**
 * Entries of map ziriz_calls for a compiled set: per call kind a category
 * default (name_hash 0) and one entry per literal name the rules mention.
 *
 * A name's entry holds the verdict the evaluator would give for EVERY call of
 * that name, or CHECK (hold; userspace judges) when the verdict depends on
 * what the kernel cannot see: the arguments or query, the server, the host,
 * or a name the kernel cannot tell apart from another (names of
 * NAME_HASH_MAX bytes or more, hashed on their prefix, and hash collisions).
 * The default is CHECK when a glob could match an unlisted name, and never
 * ALLOW for HTTP (raw paths that a server reads differently must reach the
 * userspace normaliser).
 */
import { CallKind, INBOUND_KIND_OFFSET, Verdict } from '../../abi/enums.js';
import { NAME_HASH_MAX, nameHash } from '../../abi/fnv.js';
import { a2aSpellings, canonicalA2aMethod } from '../a2a-methods.js';
import type { CompiledCallRule, CompiledPolicySet, CompiledRoute, Coverage } from '../compiled.js';
import { and, decide } from '../decide.js';
import type { Candidate, Decision, Tri } from '../decide.js';
import { isGlob } from '../glob.js';
import { routeMatches } from '../match.js';
import { actionCode } from './identity.js';
import type { CallEntry } from './types.js';

const VERDICT_CODE = { allow: Verdict.ALLOW, deny: Verdict.DENY, audit: Verdict.AUDIT, check: Verdict.CHECK } as const;

function hasKeys(o: Readonly<Record<string, unknown>>): boolean {
  return Object.keys(o).length > 0;
}

/* ---- MCP tools and A2A methods ---------------------------------------- */

function callApplies(r: CompiledCallRule): Tri {
  return and(r.servers.length > 0 ? 'maybe' : true, hasKeys(r.arguments) ? 'maybe' : true);
}

function callDecision(rules: readonly CompiledCallRule[], cover: Coverage, name: string): Decision {
  const cands: Candidate[] = rules.filter((r) => r.matcher.test(name)).map((rule) => ({ rule, applies: callApplies(rule) }));
  return decide(cands, cover, name);
}

function callNames(rules: readonly CompiledCallRule[], a2a: boolean): string[] {
  const literal = rules.filter((r) => r.matcher.literal).map((r) => r.matcher.pattern);
  return [...new Set(a2a ? literal.flatMap(a2aSpellings) : literal)];
}

function callDefault(rules: readonly CompiledCallRule[], cover: Coverage): Decision {
  if (rules.some((r) => !r.matcher.literal && !r.matcher.matchAll)) return { outcome: 'check', reason: 'globs' };
  const cands: Candidate[] = rules.filter((r) => r.matcher.matchAll).map((rule) => ({ rule, applies: callApplies(rule) }));
  return decide(cands, cover, 'default');
}

/* ---- HTTP routes -------------------------------------------------------- */

function routeLiteral(r: CompiledRoute): boolean {
  return r.methods.length > 0 && r.paths.length > 0 && !r.paths.some(isGlob);
}

function routeMatchAll(r: CompiledRoute): boolean {
  return r.methods.length === 0 && r.paths.length === 0;
}

function routeApplies(r: CompiledRoute): Tri {
  return and(r.hosts.length > 0 ? 'maybe' : true, hasKeys(r.query) ? 'maybe' : true);
}

function routeDecision(routes: readonly CompiledRoute[], cover: Coverage, name: string): Decision {
  const space = name.indexOf(' ');
  const method = name.slice(0, space);
  const path = name.slice(space + 1);
  const cands: Candidate[] = routes
    .filter((r) => routeMatches({ ...r, hosts: [] }, method, path, undefined))
    .map((rule) => ({ rule, applies: routeApplies(rule) }));
  return decide(cands, cover, name);
}

function routeNames(routes: readonly CompiledRoute[]): string[] {
  const names = routes.filter(routeLiteral).flatMap((r) => r.methods.flatMap((m) => r.paths.map((p) => `${m} ${p}`)));
  return [...new Set(names)];
}

function routeDefault(routes: readonly CompiledRoute[], cover: Coverage): Decision {
  if (routes.some((r) => !routeLiteral(r) && !routeMatchAll(r))) return { outcome: 'check', reason: 'globs' };
  // A percent-encoded path has several raw spellings (%3a, %3A): only the userspace normaliser sees them as one.
  if (routes.some((r) => r.paths.some((p) => p.includes('%')))) return { outcome: 'check', reason: 'encoded paths' };
  const cands: Candidate[] = routes.filter(routeMatchAll).map((rule) => ({ rule, applies: routeApplies(rule) }));
  const d = decide(cands, cover, 'default');
  return d.outcome === 'allow' ? { ...d, outcome: 'check' } : d;
}

/* ---- entries ------------------------------------------------------------ */

function entry(set: CompiledPolicySet, policyId: number, kind: CallKind, hash: bigint, names: string[], d: Decision): CallEntry {
  const verdict = VERDICT_CODE[d.outcome];
  const action = verdict === Verdict.ALLOW || verdict === Verdict.AUDIT ? 0 : actionCode(d.rule?.action ?? set.action);
  return { policyId, kind, nameHash: hash, verdict, action, ruleId: d.rule?.id ?? 0, names };
}

function kindEntries(
  set: CompiledPolicySet,
  policyId: number,
  kind: CallKind,
  names: readonly string[],
  decideName: (name: string) => Decision,
  fallback: Decision,
): CallEntry[] {
  const byHash = new Map<bigint, string[]>();
  for (const n of names) {
    const h = nameHash(n);
    byHash.set(h, [...(byHash.get(h) ?? []), n]);
  }
  const out = [entry(set, policyId, kind, 0n, [], fallback)];
  for (const [hash, group] of [...byHash.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const ambiguous = group.length > 1 || group.some((n) => Buffer.byteLength(n, 'utf8') >= NAME_HASH_MAX);
    const first = group[0] ?? '';
    const d: Decision = ambiguous ? { ...decideName(first), outcome: 'check' } : decideName(first);
    out.push(entry(set, policyId, kind, hash, group, d));
  }
  return out;
}

/**
 * Every ziriz_calls entry for a set under `policyId` (kinds the set does not
 * cover have none). `inbound`: the set is a pod's inbound set (set.inbound);
 * its entries use the inbound kinds (outbound kind + INBOUND_KIND_OFFSET).
 */
export function callEntries(set: CompiledPolicySet, policyId: number, opts: { readonly inbound?: boolean } = {}): CallEntry[] {
  const out = outboundKindEntries(set, policyId);
  if (!opts.inbound) return out;
  return out.map((e) => ({ ...e, kind: (e.kind + INBOUND_KIND_OFFSET) as CallKind }));
}

function outboundKindEntries(set: CompiledPolicySet, policyId: number): CallEntry[] {
  const out: CallEntry[] = [];
  const covered = (c: Coverage): boolean => c.enforce !== undefined || c.audit !== undefined;
  if (covered(set.coverage.mcp)) {
    const cover = set.coverage.mcp;
    out.push(...kindEntries(set, policyId, CallKind.MCP_TOOL, callNames(set.mcp, false),
      (n) => callDecision(set.mcp, cover, n), callDefault(set.mcp, cover)));
  }
  if (covered(set.coverage.a2a)) {
    const cover = set.coverage.a2a;
    out.push(...kindEntries(set, policyId, CallKind.A2A_METHOD, callNames(set.a2a, true),
      (n) => callDecision(set.a2a, cover, canonicalA2aMethod(n)), callDefault(set.a2a, cover)));
  }
  if (covered(set.coverage.http)) {
    const cover = set.coverage.http;
    out.push(...kindEntries(set, policyId, CallKind.HTTP_ROUTE, routeNames(set.http),
      (n) => routeDecision(set.http, cover, n), routeDefault(set.http, cover)));
  }
  return out;
}
