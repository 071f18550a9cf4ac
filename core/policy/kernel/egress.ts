/**
 * Entries of the LPM trie ziriz_egress for a compiled set.
 *
 * One entry per distinct prefix (CIDR rules, and pod-selector peers resolved
 * by the node agent into host prefixes). The value of prefix P holds the port
 * rules of every rule whose prefix contains P; since the longest prefix
 * containing an address contains nothing shorter that also contains it
 * without containing P, the longest-prefix match sees exactly the rules that
 * apply to the address. The kernel then decides (see sim.ts):
 *
 *   any matching DENY -> DENY; no matching ALLOW -> category default
 *   (cover bits); any matching AUDIT -> AUDIT; else ALLOW.
 *
 * Port rules: Enforce Allow -> ALLOW, Enforce Deny -> DENY, Audit Deny ->
 * AUDIT, Audit Allow -> ALLOW only when no Enforce policy covers egress (an
 * Audit allow cannot lift an Enforce default deny, and adds nothing next to
 * an Enforce allow).
 */
import { Verdict } from '../../abi/enums.js';
import { EGRESS_PORT_RULES } from '../../abi/structs.js';
import { formatPrefix, hostPrefix, parseIp, prefixContains } from '../cidr.js';
import type { Prefix } from '../cidr.js';
import type { CompiledEgressPeer, CompiledEgressRule, CompiledPolicySet } from '../compiled.js';
import { PolicyCapacityError, PolicyInvalidError } from '../errors.js';
import { selectorMatches } from '../selector.js';
import type { EgressEntry, PortRule } from './types.js';

/** A pod-selector egress peer the node agent must resolve into pod IPs. */
export interface SelectorPeer {
  readonly ruleId: number;
  readonly policy: string;
  /** Field path of the peer: `spec.egress.rules[0].to[1]`. */
  readonly path: string;
  readonly peer: CompiledEgressPeer;
}

/** Does a pod (its namespace and labels) match a selector peer? For the node agent's resolver. */
export function selectorPeerMatches(sp: SelectorPeer, pod: { readonly namespace: string; readonly labels: Readonly<Record<string, string>> }): boolean {
  const { selector, namespaces } = sp.peer;
  if (selector === undefined) return false;
  return (namespaces.includes('*') || namespaces.includes(pod.namespace)) && selectorMatches(selector, pod.labels);
}

/** Pod IPs (v4 or v6 text) currently matching a selector peer. */
export type ResolvePeer = (peer: SelectorPeer) => readonly string[];

export function selectorPeers(set: CompiledPolicySet): SelectorPeer[] {
  return set.egress.flatMap((r) =>
    r.to.flatMap((peer, i) =>
      peer.selector === undefined ? [] : [{ ruleId: r.info.id, policy: r.info.policy, path: `${r.info.path}.to[${i}]`, peer }],
    ),
  );
}

const PROTO = { ANY: 0, TCP: 6, UDP: 17 } as const;

function portRules(set: CompiledPolicySet, r: CompiledEgressRule): PortRule[] {
  const enforceCovers = set.coverage.egress.enforce !== undefined;
  if (r.effect === 'Allow' && r.layer === 'audit' && enforceCovers) return [];
  const verdict = r.effect === 'Allow' ? Verdict.ALLOW : r.layer === 'enforce' ? Verdict.DENY : Verdict.AUDIT;
  const ranges = r.ports.length === 0 ? [{ lo: 0, hi: 65535, protocol: 'ANY' as const }] : r.ports;
  return ranges.map((x) => ({ portLo: x.lo, portHi: x.hi, proto: PROTO[x.protocol], verdict, ruleId: r.info.id }));
}

/** IPv4 before IPv6, then by address bytes, then shorter first: a stable order for map updates. */
function comparePrefix(a: Prefix, b: Prefix): number {
  if (a.family !== b.family) return a.family - b.family;
  for (let i = 0; i < a.addr.length; i++) {
    const d = (a.addr[i] ?? 0) - (b.addr[i] ?? 0);
    if (d !== 0) return d;
  }
  return a.len - b.len;
}

function prefixKey(p: Prefix): string {
  return formatPrefix(p);
}

/** Each rule with the prefixes it applies to (CIDRs, plus resolved selector peers). */
function rulePrefixes(set: CompiledPolicySet, resolve: ResolvePeer | undefined): { rule: CompiledEgressRule; prefixes: Prefix[] }[] {
  const peersByRule = new Map<number, SelectorPeer[]>();
  for (const sp of selectorPeers(set)) peersByRule.set(sp.ruleId, [...(peersByRule.get(sp.ruleId) ?? []), sp]);
  return set.egress.map((rule) => {
    const prefixes = rule.to.flatMap((t) => (t.prefix === undefined ? [] : [t.prefix]));
    for (const sp of peersByRule.get(rule.info.id) ?? []) {
      for (const text of resolve?.(sp) ?? []) {
        const ip = parseIp(text);
        if (ip === undefined) throw new PolicyInvalidError(sp.policy, sp.path, `resolved pod IP "${text}" is not an IP address`);
        prefixes.push(hostPrefix(ip));
      }
    }
    return { rule, prefixes };
  });
}

/** Same ports, protocol and verdict: the kernel would decide the same, keep the first rule id. */
function sameRule(a: PortRule, b: PortRule): boolean {
  return a.portLo === b.portLo && a.portHi === b.portHi && a.proto === b.proto && a.verdict === b.verdict;
}

/**
 * Every ziriz_egress entry for a set under `policyId`. `resolve` gives the pod
 * IPs of selector peers (omit it to encode CIDR rules only). Throws
 * PolicyCapacityError naming the policies when a prefix would need more than
 * ZIRIZ_EGRESS_PORT_RULES port rules.
 */
export function egressEntries(set: CompiledPolicySet, policyId: number, resolve?: ResolvePeer): EgressEntry[] {
  const withPrefixes = rulePrefixes(set, resolve);
  const distinct = new Map<string, Prefix>();
  for (const { prefixes } of withPrefixes) for (const p of prefixes) distinct.set(prefixKey(p), p);
  const out: EgressEntry[] = [];
  for (const [key, prefix] of [...distinct.entries()].sort((a, b) => comparePrefix(a[1], b[1]))) {
    const rules: PortRule[] = [];
    const owners = new Set<string>();
    for (const { rule, prefixes } of withPrefixes) {
      if (!prefixes.some((p) => prefixContains(p, prefix))) continue;
      for (const pr of portRules(set, rule)) if (!rules.some((x) => sameRule(x, pr))) rules.push(pr);
      owners.add(rule.info.policy);
    }
    if (rules.length > EGRESS_PORT_RULES) {
      throw new PolicyCapacityError(
        [...owners].sort(),
        `destination ${key} is matched by ${rules.length} port rules, the kernel holds at most ${EGRESS_PORT_RULES} per prefix (merge port ranges or split the CIDRs)`,
      );
    }
    out.push({ policyId, prefix, rules });
  }
  return out;
}

/** Compile-time check of the CIDR rules (selector peers are checked when resolved). */
export function checkEgressCapacity(set: CompiledPolicySet): void {
  egressEntries(set, 0);
}
