/**
 * The map entries of the LSM VM test, made on the host by the real policy
 * compiler and encoder (so the test in the VM checks them, not a copy):
 *   identity <value hex>          the pod's ziriz_identity value (the key is made in the VM)
 *   calls <key hex> <value hex>   deny-list entries (files, executables)
 *   egress <key hex> <value hex>  egress LPM entries (socket_connect)
 */
import { Role } from '../../core/abi/enums.js';
import { compile } from '../../core/policy/compile.js';
import { encodeCallEntry, encodeEgressEntry, encodeIdentityValue } from '../../core/policy/kernel/codec.js';
import { egressEntries } from '../../core/policy/kernel/egress.js';
import { identityValue } from '../../core/policy/kernel/identity.js';
import { lsmEntries } from '../../core/policy/kernel/lsm.js';

export const VM_POLICY = {
  apiVersion: 'ziriz.io/v1alpha1',
  kind: 'AgentPolicy',
  metadata: { name: 'vm-agents', namespace: 'payments' },
  spec: {
    selector: { matchLabels: { app: 'agent' } },
    mode: 'Enforce',
    files: { deny: ['/etc/ziriz-secret'] },
    process: { deny: [{ name: 'forbidden-tool' }, { path: '/usr/local/bin/denied' }] },
    egress: { rules: [{ effect: 'Allow', to: [{ cidr: '10.1.0.0/16' }] }] },
  },
};

export function vmEntries(): string[] {
  const set = compile([VM_POLICY]);
  const policyId = 9;
  const lines = [`identity ${encodeIdentityValue(identityValue(set, { identityId: 77, policyId, role: Role.AGENT })).toString('hex')}`];
  for (const e of lsmEntries(set, policyId).map(encodeCallEntry)) lines.push(`calls ${e.key.toString('hex')} ${e.value.toString('hex')}`);
  for (const e of egressEntries(set, policyId).map(encodeEgressEntry)) lines.push(`egress ${e.key.toString('hex')} ${e.value.toString('hex')}`);
  return lines;
}

if (process.argv[1]?.endsWith('gen-entries.js')) process.stdout.write(`${vmEntries().join('\n')}\n`);
