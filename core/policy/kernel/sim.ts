/**
 * What the kernel does with the entries: a reference model of the lookups in
 * the BPF programs, run on DECODED map entries. The tests check that it
 * agrees with evaluate() on every verdict that is not CHECK; the BPF code
 * must implement exactly this.
 */
import { CallKind, Cover, Verdict } from '../../abi/enums.js';
import { nameHash } from '../../abi/fnv.js';
import { hostPrefix, parseIp, prefixContains } from '../cidr.js';
import type { CallEntry, EgressEntry, IdentityValue } from './types.js';

export interface KernelState {
  readonly identity: IdentityValue;
  readonly calls: readonly CallEntry[];
  readonly egress: readonly EgressEntry[];
}

export interface KernelVerdict {
  readonly verdict: Verdict;
  readonly ruleId: number;
}

/** Call kinds with a category default (file and exec kinds are deny lists: no default). */
const KIND_COVER: Readonly<Partial<Record<CallKind, number>>> = {
  [CallKind.MCP_TOOL]: Cover.MCP,
  [CallKind.A2A_METHOD]: Cover.A2A,
  [CallKind.HTTP_ROUTE]: Cover.HTTP,
};

function categoryDefault(id: IdentityValue, bit: number): KernelVerdict {
  if ((id.coverEnforce & bit) !== 0) return { verdict: Verdict.DENY, ruleId: 0 };
  if ((id.coverAudit & bit) !== 0) return { verdict: Verdict.AUDIT, ruleId: 0 };
  return { verdict: Verdict.ALLOW, ruleId: 0 };
}

/**
 * A call as the kernel sees it: `name` is the tool name, the JSON-RPC method,
 * or for HTTP "METHOD /raw/path" with the query cut off.
 */
export function simulateCall(state: KernelState, kind: CallKind, name: string): KernelVerdict {
  const id = state.identity;
  if (((id.coverEnforce | id.coverAudit) & (KIND_COVER[kind] ?? 0)) === 0) return { verdict: Verdict.ALLOW, ruleId: 0 };
  const find = (hash: bigint): CallEntry | undefined =>
    state.calls.find((e) => e.policyId === id.policyId && e.kind === kind && e.nameHash === hash);
  const hit = find(nameHash(name)) ?? find(0n);
  return hit === undefined ? { verdict: Verdict.CHECK, ruleId: 0 } : { verdict: hit.verdict, ruleId: hit.ruleId };
}

/** connect()/sendmsg() to ip:port over proto (6 TCP, 17 UDP). */
export function simulateEgress(state: KernelState, ip: string, port: number, proto: 6 | 17): KernelVerdict {
  const id = state.identity;
  const parsed = parseIp(ip);
  if (parsed === undefined) throw new Error(`not an IP address: ${ip}`);
  const host = hostPrefix(parsed);
  let best: EgressEntry | undefined;
  for (const e of state.egress) {
    if (e.policyId !== id.policyId || !prefixContains(e.prefix, host)) continue;
    if (best === undefined || e.prefix.len > best.prefix.len) best = e;
  }
  const fallback = categoryDefault(id, Cover.EGRESS);
  if (best === undefined) return fallback;
  const matched = best.rules.filter((r) => port >= r.portLo && port <= r.portHi && (r.proto === 0 || r.proto === proto));
  const deny = matched.find((r) => r.verdict === Verdict.DENY);
  if (deny !== undefined) return { verdict: Verdict.DENY, ruleId: deny.ruleId };
  const allow = matched.find((r) => r.verdict === Verdict.ALLOW);
  if (allow === undefined) return fallback;
  const audit = matched.find((r) => r.verdict === Verdict.AUDIT);
  return audit !== undefined ? { verdict: Verdict.AUDIT, ruleId: audit.ruleId } : { verdict: Verdict.ALLOW, ruleId: allow.ruleId };
}
