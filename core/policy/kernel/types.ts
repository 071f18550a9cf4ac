/**
 * Structured forms of the kernel map entries the policy engine produces
 * (see bpf/include/ziriz_abi.h); codec.ts turns them into bytes and back.
 */
import type { Action, CallKind, Role, Verdict } from '../../abi/enums.js';
import type { Prefix } from '../cidr.js';

/** map ziriz_calls: {policy_id, kind, name_hash} -> {verdict, action, rule_id}. */
export interface CallEntry {
  readonly policyId: number;
  readonly kind: CallKind;
  /** FNV-1a 64 of the name (prefix); 0n = the category default entry. */
  readonly nameHash: bigint;
  readonly verdict: Verdict;
  /** 0 when the entry cannot lead to an enforced denial. */
  readonly action: Action | 0;
  readonly ruleId: number;
  /** The names that hash here (not in the map: for logs and tests). */
  readonly names: readonly string[];
}

/** One struct ziriz_port_rule. proto: 0 any, 6 TCP, 17 UDP. */
export interface PortRule {
  readonly portLo: number;
  readonly portHi: number;
  readonly proto: 0 | 6 | 17;
  readonly verdict: Verdict;
  readonly ruleId: number;
}

/** map ziriz_egress (LPM trie): {prefixlen, policy_id, family, addr} -> port rules. */
export interface EgressEntry {
  readonly policyId: number;
  readonly prefix: Prefix;
  readonly rules: readonly PortRule[];
}

/** map ziriz_identity value (key: cgroup id, chosen by the node agent). */
export interface IdentityValue {
  readonly identityId: number;
  readonly policyId: number;
  readonly coverEnforce: number;
  readonly coverAudit: number;
  readonly role: Role;
  readonly action: Action;
}

export interface MapEntryBytes {
  readonly key: Buffer;
  readonly value: Buffer;
}
