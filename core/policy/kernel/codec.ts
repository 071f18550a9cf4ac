/**
 * Bytes of the kernel map entries, laid out by core/abi (the TypeScript mirror
 * of bpf/include/ziriz_abi.h), and decoders that check what they read.
 */
import { AF_INET, AF_INET6 } from '../../abi/enums.js';
import { Action, CallKind, Role, Verdict } from '../../abi/enums.js';
import type { ScalarField } from '../../abi/layout.js';
import { readScalar, writeScalar } from '../../abi/layout.js';
import {
  EGRESS_PORT_RULES,
  ziriz_call_key,
  ziriz_call_value,
  ziriz_egress_key,
  ziriz_egress_value,
  ziriz_identity,
  ziriz_port_rule,
} from '../../abi/structs.js';
import type { Family } from '../cidr.js';
import { maskAddr } from '../cidr.js';
import { PolicyDecodeError } from '../errors.js';
import type { CallEntry, EgressEntry, IdentityValue, MapEntryBytes, PortRule } from './types.js';

/** Bits of ziriz_egress_key before the address (policy_id + family). */
export const EGRESS_KEY_FIXED_BITS = 64;

function u(buf: Buffer, base: number, f: ScalarField): number {
  return Number(readScalar(buf, base, f));
}

function expectSize(buf: Buffer, size: number, what: string): void {
  if (buf.length !== size) throw new PolicyDecodeError(`${what}: ${buf.length} bytes, expected ${size}`);
}

function oneOf<T extends number>(values: Readonly<Record<string, T>>, n: number, what: string): T {
  const found = Object.values(values).find((v) => v === n);
  if (found === undefined) throw new PolicyDecodeError(`${what}: unknown value ${n}`);
  return found;
}

/* ---- ziriz_calls -------------------------------------------------------- */

export function encodeCallEntry(e: CallEntry): MapEntryBytes {
  const key = Buffer.alloc(ziriz_call_key.size);
  const f = ziriz_call_key.fields;
  writeScalar(key, 0, f.policy_id, e.policyId);
  writeScalar(key, 0, f.kind, e.kind);
  writeScalar(key, 0, f.name_hash, e.nameHash);
  const value = Buffer.alloc(ziriz_call_value.size);
  const v = ziriz_call_value.fields;
  writeScalar(value, 0, v.verdict, e.verdict);
  writeScalar(value, 0, v.action, e.action);
  writeScalar(value, 0, v.rule_id, e.ruleId);
  return { key, value };
}

/** Decode a ziriz_calls entry (names are not in the map: []). */
export function decodeCallEntry(bytes: MapEntryBytes): CallEntry {
  const { key, value } = bytes;
  expectSize(key, ziriz_call_key.size, 'ziriz_call_key');
  expectSize(value, ziriz_call_value.size, 'ziriz_call_value');
  const f = ziriz_call_key.fields;
  const v = ziriz_call_value.fields;
  if (u(key, 0, f.pad) !== 0 || u(value, 0, v.pad) !== 0) throw new PolicyDecodeError('ziriz_calls: padding not zero');
  const action = u(value, 0, v.action);
  return {
    policyId: u(key, 0, f.policy_id),
    kind: oneOf(CallKind, u(key, 0, f.kind), 'ziriz_call_key.kind'),
    nameHash: BigInt(readScalar(key, 0, f.name_hash)),
    verdict: oneOf(Verdict, u(value, 0, v.verdict), 'ziriz_call_value.verdict'),
    action: action === 0 ? 0 : oneOf(Action, action, 'ziriz_call_value.action'),
    ruleId: u(value, 0, v.rule_id),
    names: [],
  };
}

/* ---- ziriz_egress ------------------------------------------------------- */

export function encodeEgressEntry(e: EgressEntry): MapEntryBytes {
  if (e.rules.length > EGRESS_PORT_RULES) throw new PolicyDecodeError(`more than ${EGRESS_PORT_RULES} port rules`);
  const key = Buffer.alloc(ziriz_egress_key.size);
  const k = ziriz_egress_key.fields;
  writeScalar(key, 0, k.prefixlen, EGRESS_KEY_FIXED_BITS + e.prefix.len);
  writeScalar(key, 0, k.policy_id, e.policyId);
  writeScalar(key, 0, k.family, e.prefix.family === 4 ? AF_INET : AF_INET6);
  Buffer.from(e.prefix.addr).copy(key, k.addr.offset);
  const value = Buffer.alloc(ziriz_egress_value.size);
  writeScalar(value, 0, ziriz_egress_value.fields.count, e.rules.length);
  const r = ziriz_port_rule.fields;
  e.rules.forEach((rule, i) => {
    const base = ziriz_egress_value.fields.rules.offset + i * ziriz_port_rule.size;
    writeScalar(value, base, r.port_lo, rule.portLo);
    writeScalar(value, base, r.port_hi, rule.portHi);
    writeScalar(value, base, r.proto, rule.proto);
    writeScalar(value, base, r.verdict, rule.verdict);
    writeScalar(value, base, r.rule_id, rule.ruleId);
  });
  return { key, value };
}

function decodePortRule(value: Buffer, base: number): PortRule {
  const r = ziriz_port_rule.fields;
  const proto = u(value, base, r.proto);
  if (proto !== 0 && proto !== 6 && proto !== 17) throw new PolicyDecodeError(`ziriz_port_rule.proto: unknown value ${String(proto)}`);
  const verdict = oneOf(Verdict, u(value, base, r.verdict), 'ziriz_port_rule.verdict');
  if (verdict !== Verdict.ALLOW && verdict !== Verdict.DENY && verdict !== Verdict.AUDIT) {
    throw new PolicyDecodeError(`ziriz_port_rule.verdict: ${verdict} is not ALLOW, DENY or AUDIT`);
  }
  const rule: PortRule = { portLo: u(value, base, r.port_lo), portHi: u(value, base, r.port_hi), proto, verdict, ruleId: u(value, base, r.rule_id) };
  if (rule.portHi < rule.portLo) throw new PolicyDecodeError('ziriz_port_rule: port_hi < port_lo');
  return rule;
}

export function decodeEgressEntry(bytes: MapEntryBytes): EgressEntry {
  const { key, value } = bytes;
  expectSize(key, ziriz_egress_key.size, 'ziriz_egress_key');
  expectSize(value, ziriz_egress_value.size, 'ziriz_egress_value');
  const k = ziriz_egress_key.fields;
  const familyCode = u(key, 0, k.family);
  if (familyCode !== AF_INET && familyCode !== AF_INET6) throw new PolicyDecodeError(`ziriz_egress_key.family: ${familyCode}`);
  const family: Family = familyCode === AF_INET ? 4 : 6;
  const bytesLen = family === 4 ? 4 : 16;
  const len = u(key, 0, k.prefixlen) - EGRESS_KEY_FIXED_BITS;
  if (len < 0 || len > bytesLen * 8) throw new PolicyDecodeError(`ziriz_egress_key.prefixlen: bad length ${len + EGRESS_KEY_FIXED_BITS}`);
  const raw = Uint8Array.from(key.subarray(k.addr.offset, k.addr.offset + k.addr.size));
  if (raw.subarray(bytesLen).some((b) => b !== 0)) throw new PolicyDecodeError('ziriz_egress_key.addr: bytes beyond the family set');
  const addr = raw.slice(0, bytesLen);
  if (!maskAddr(addr, len).every((b, i) => b === addr[i])) throw new PolicyDecodeError('ziriz_egress_key.addr: host bits set');
  const count = u(value, 0, ziriz_egress_value.fields.count);
  if (count > EGRESS_PORT_RULES) throw new PolicyDecodeError(`ziriz_egress_value.count: ${count}`);
  const rules: PortRule[] = [];
  for (let i = 0; i < count; i++) rules.push(decodePortRule(value, ziriz_egress_value.fields.rules.offset + i * ziriz_port_rule.size));
  return { policyId: u(key, 0, k.policy_id), prefix: { family, addr, len }, rules };
}

/* ---- ziriz_identity ----------------------------------------------------- */

export function encodeIdentityValue(v: IdentityValue): Buffer {
  const buf = Buffer.alloc(ziriz_identity.size);
  const f = ziriz_identity.fields;
  writeScalar(buf, 0, f.identity_id, v.identityId);
  writeScalar(buf, 0, f.policy_id, v.policyId);
  writeScalar(buf, 0, f.cover_enforce, v.coverEnforce);
  writeScalar(buf, 0, f.cover_audit, v.coverAudit);
  writeScalar(buf, 0, f.role, v.role);
  writeScalar(buf, 0, f.action, v.action);
  return buf;
}

export function decodeIdentityValue(buf: Buffer): IdentityValue {
  expectSize(buf, ziriz_identity.size, 'ziriz_identity');
  const f = ziriz_identity.fields;
  return {
    identityId: u(buf, 0, f.identity_id),
    policyId: u(buf, 0, f.policy_id),
    coverEnforce: u(buf, 0, f.cover_enforce),
    coverAudit: u(buf, 0, f.cover_audit),
    role: oneOf(Role, u(buf, 0, f.role), 'ziriz_identity.role'),
    action: oneOf(Action, u(buf, 0, f.action), 'ziriz_identity.action'),
  };
}
