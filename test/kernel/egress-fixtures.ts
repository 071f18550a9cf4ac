/** Identity and egress map entries for kernel tests, encoded with the ABI layouts. */
import { AF_INET, Action, Cover, Role, Verdict } from '../../core/abi/enums.js';
import { encodeStruct } from '../../core/abi/codec.js';
import { ziriz_egress_key, ziriz_egress_value, ziriz_identity, ziriz_ip_key } from '../../core/abi/structs.js';

export function identityValue(identityId: number, policyId: number, coverEnforce: number = Cover.EGRESS, coverAudit = 0): Buffer {
  return encodeStruct(ziriz_identity, {
    identity_id: identityId,
    policy_id: policyId,
    cover_enforce: coverEnforce,
    cover_audit: coverAudit,
    role: Role.AGENT,
    action: Action.BLOCK,
  });
}

export function ipv4(text: string): Buffer {
  const b = Buffer.alloc(16);
  text.split('.').forEach((o, i) => b.writeUInt8(Number(o), i));
  return b;
}

export function egressKey(policyId: number, addr: string, prefix = 32): Buffer {
  return encodeStruct(ziriz_egress_key, { prefixlen: 64 + prefix, policy_id: policyId, family: AF_INET, addr: ipv4(addr) });
}

export interface PortRuleSpec {
  readonly lo: number;
  readonly hi: number;
  readonly proto: number;
  readonly verdict: number;
  readonly ruleId: number;
}

export function egressValue(rules: readonly PortRuleSpec[]): Buffer {
  return encodeStruct(ziriz_egress_value, {
    count: rules.length,
    rules: rules.map((r) => ({ port_lo: r.lo, port_hi: r.hi, proto: r.proto, verdict: r.verdict, rule_id: r.ruleId })),
  });
}

export function ipKey(addr: string): Buffer {
  return encodeStruct(ziriz_ip_key, { family: AF_INET, addr: ipv4(addr) });
}

export function cgroupKey(id: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(id);
  return b;
}

export const ALLOW = Verdict.ALLOW;
export const DENY = Verdict.DENY;
export const AUDIT = Verdict.AUDIT;
