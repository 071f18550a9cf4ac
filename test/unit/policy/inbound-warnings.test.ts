import { expect } from 'chai';
import { compile } from '../../../core/policy/compile.js';
import { policySetSummary } from '../../../core/policy/digest.js';
import { parseAgentPolicy } from '../../../core/policy/parse.js';
import { policyWarnings } from '../../../core/policy/warnings.js';

function policy(spec: Record<string, unknown>, name = 'p'): ReturnType<typeof parseAgentPolicy> {
  return parseAgentPolicy({
    apiVersion: 'ziriz.io/v1alpha1', kind: 'AgentPolicy', metadata: { name, namespace: 'payments' },
    spec: { selector: { matchLabels: { app: 'customer-mcp' } }, ...spec },
  });
}

const inbound = {
  callers: [{ name: 'office', cidr: '10.20.0.0/16' }, { name: 'unused', cidr: '10.30.0.0/16' }],
  mcp: { tools: [{ name: 'get_customer' }, { name: 'get_all_customers', callers: ['office'] }] },
};

describe('policy: warnings and summary for inbound rules', () => {
  it('does not call an inbound-only policy one that restricts nothing', () => {
    const w = policyWarnings(policy({ inbound }));
    expect(w.join('\n')).to.not.include('restricts nothing');
    expect(policyWarnings(policy({})).join('\n')).to.include('restricts nothing');
  });

  it('says Kill does nothing on an inbound-only policy, and not when the policy also restricts its own pods', () => {
    expect(policyWarnings(policy({ inbound, action: 'Kill' })).join('\n')).to.include('Kill has no effect on inbound rules');
    expect(policyWarnings(policy({ inbound, action: 'Kill', mcp: { tools: [] } })).join('\n')).to.not.include('Kill has no effect on inbound rules');
  });

  it('names callers no rule refers to, and rules held per call because they depend on the caller', () => {
    const w = policyWarnings(policy({ inbound }));
    expect(w).to.include('spec.inbound.callers: "unused" is declared but no rule refers to it');
    expect(w.some((x) => x.startsWith('spec.inbound.mcp.tools[1]:') && x.includes('depends on the caller'))).to.equal(true);
    expect(w.some((x) => x.includes('"office" is declared but no rule'))).to.equal(false);
  });

  it("keeps an inbound-only policy's Kill out of the pod's own action", () => {
    const killIn = policy({ inbound, action: 'Kill' }, 'serving');
    const agent = policy({ mcp: { tools: [] } }, 'own');
    expect(compile([killIn, agent]).action).to.equal('Block');
    expect(compile([killIn, policy({ mcp: { tools: [] }, action: 'Kill' }, 'own')]).action).to.equal('Kill');
    expect(compile([killIn]).inbound?.action).to.equal('Block');
  });

  it('summarises the inbound rules of a set', () => {
    expect(policySetSummary(compile([policy({ inbound })]))).to.match(/inbound: mcp enforced, - audited, \d+ rules/);
    expect(policySetSummary(compile([policy({ mcp: { tools: [] } })]))).to.not.include('inbound');
  });
});
