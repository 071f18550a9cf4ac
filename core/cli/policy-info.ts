/** `ziriz policy validate` and `ziriz policy compile`: check policies, show what the kernel gets. */
import { compile } from '../policy/compile.js';
import { policySetDigest, policySetSummary } from '../policy/digest.js';
import { formatPrefix } from '../policy/cidr.js';
import { callEntries } from '../policy/kernel/calls.js';
import { egressEntries, selectorPeers } from '../policy/kernel/egress.js';
import { coverBits } from '../policy/kernel/identity.js';
import { policyRef } from '../policy/model.js';
import { CallKind, Verdict } from '../abi/enums.js';
import { loadPolicies } from './load.js';
import type { Io } from './policy-test.js';

const VERDICT_NAME = Object.fromEntries(Object.entries(Verdict).map(([k, v]) => [v, k]));
const KIND_NAME = Object.fromEntries(Object.entries(CallKind).map(([k, v]) => [v, k]));

/** Every file parses and every policy compiles on its own: exit 0; errors go to stderr as exceptions. */
export function policyValidate(files: readonly string[], io: Io): number {
  const policies = loadPolicies(files, io.read);
  for (const p of policies) {
    compile([p]);
    io.out(`ok ${policyRef(p)}`);
  }
  io.out(`${policies.length} ${policies.length === 1 ? 'policy' : 'policies'} valid`);
  return 0;
}

/** The combined set of all given policies: summary, digest, and its kernel map entries. */
export function policyCompile(files: readonly string[], policyId: number, io: Io): number {
  const set = compile(loadPolicies(files, io.read));
  const bits = coverBits(set);
  io.out(`summary: ${policySetSummary(set)}`);
  io.out(`digest: ${policySetDigest(set)}`);
  io.out(`identity: policy_id=${policyId} cover_enforce=0x${bits.enforce.toString(16)} cover_audit=0x${bits.audit.toString(16)} action=${set.action}`);
  const inbound = set.inbound ? callEntries(set.inbound, policyId, { inbound: true }).map((e) => ({ e, rules: set.inbound?.rules ?? [] })) : [];
  for (const { e, rules } of [...callEntries(set, policyId).map((x) => ({ e: x, rules: set.rules })), ...inbound]) {
    const rule = rules[e.ruleId];
    const name = e.nameHash === 0n ? '(default)' : e.names.join(' | ');
    io.out(`calls: ${KIND_NAME[e.kind] ?? e.kind} ${name} hash=0x${e.nameHash.toString(16)} -> ${VERDICT_NAME[e.verdict] ?? e.verdict} rule=${e.ruleId}${rule === undefined || e.ruleId === 0 ? '' : ` (${rule.policy} ${rule.path})`}`);
  }
  for (const e of egressEntries(set, policyId)) {
    const rules = e.rules.map((r) => `${r.portLo}-${r.portHi}/${r.proto}:${VERDICT_NAME[r.verdict] ?? r.verdict}#${r.ruleId}`);
    io.out(`egress: ${formatPrefix(e.prefix)} -> ${rules.join(' ')}`);
  }
  for (const sp of selectorPeers(set)) io.out(`egress: pod selector ${sp.policy} ${sp.path} (resolved by the node agent)`);
  return 0;
}
