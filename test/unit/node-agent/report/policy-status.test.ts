import { expect } from 'chai';
import {
  COMPILE_FAILED, nodeApplyBody, nodeEntry, policyTotals, sameEntry, sameTotals, type NodeEntryRead, type PolicyCondition,
} from '../../../../node-agent/src/report/policy-status.js';
import type { PolicyNodeStatus } from '../../../../node-agent/src/report/types.js';

const NOW = Date.UTC(2025, 0, 1, 12, 0, 0);
const s = (over: Partial<PolicyNodeStatus> = {}): PolicyNodeStatus =>
  ({ namespace: 'payments', name: 'agents', generation: 3, node: 'node-1', matchedPods: 5, enforcedPods: 5, compiled: true, ...over });

describe('node-agent report: AgentPolicy status', () => {
  it("this node's entry, clamped to the schema", () => {
    expect(nodeEntry(s({ enforcedPods: 9, degradedPods: 7, degraded: ['tls-uprobes', 'lsm-file-exec-socket', 'tls-uprobes'] }), NOW)).to.deep.equal({
      nodeName: 'node-1', observedGeneration: 3, matchedPods: 5, enforcedPods: 5, degradedPods: 5,
      degraded: ['lsm-file-exec-socket', 'tls-uprobes'], message: '', lastUpdateTime: '2025-01-01T12:00:00Z',
    });
    expect(nodeEntry(s({ compiled: false, error: 'spec.egress.rules[0]: too many ports' }), NOW).message).to.equal(`${COMPILE_FAILED}spec.egress.rules[0]: too many ports`);
    expect(nodeEntry(s({ matchedPods: -1, enforcedPods: Number.NaN }), NOW)).to.include({ matchedPods: 0, enforcedPods: 0 });
  });

  it('an entry equal but for lastUpdateTime is not written again', () => {
    expect(sameEntry(nodeEntry(s(), NOW), nodeEntry(s(), NOW + 60_000))).to.equal(true);
    expect(sameEntry(nodeEntry(s(), NOW), nodeEntry(s({ enforcedPods: 4 }), NOW))).to.equal(false);
    expect(sameEntry(nodeEntry(s(), NOW), nodeEntry(s({ degraded: ['tls-uprobes'] }), NOW))).to.equal(false);
  });

  it('the server-side-apply body holds only this node’s entry', () => {
    const e = nodeEntry(s(), NOW);
    expect(nodeApplyBody('payments', 'agents', e)).to.deep.equal({
      apiVersion: 'ziriz.io/v1alpha1', kind: 'AgentPolicy', metadata: { name: 'agents', namespace: 'payments' }, status: { nodes: [e] },
    });
  });

  const n = (nodeName: string, matchedPods: number, enforcedPods: number, over: Partial<NodeEntryRead> = {}): NodeEntryRead =>
    ({ nodeName, observedGeneration: 3, matchedPods, enforcedPods, degradedPods: 0, degraded: [], message: '', ...over });
  // Rows: [what, nodes, matched, enforced, Accepted, Enforced, Enforced message]
  const rows: [string, NodeEntryRead[], number, number, string, string, string][] = [
    ['all enforced', [n('a', 2, 2), n('b', 3, 3)], 5, 5, 'True/Compiled', 'True/AllPodsEnforced', '5 pods enforced on 2 node(s)'],
    ['a node lags', [n('a', 2, 2), n('b', 3, 1)], 5, 3, 'True/Compiled', 'False/PodsUnprotected', '2 of 5 selected pods not protected: b 1/3'],
    ['no pods anywhere', [n('a', 0, 0)], 0, 0, 'True/Compiled', 'True/NoPodsSelected', 'no pod selected by this policy on any node'],
    ['degraded but enforced', [n('a', 2, 2, { degradedPods: 1, degraded: ['lsm-file-exec-socket'] })], 2, 2, 'True/Compiled', 'True/EnforcedDegraded',
      '2 pods enforced, 1 with degraded hooks: a (lsm-file-exec-socket)'],
    ['compile failed on a node', [n('a', 2, 0, { message: `${COMPILE_FAILED}bad cidr` }), n('b', 1, 1)], 3, 1, 'False/CompileFailed', 'False/PodsUnprotected',
      '2 of 3 selected pods not protected: a 0/2'],
  ];
  for (const [what, nodes, matched, enforced, accepted, enforcedCond, message] of rows) {
    it(`totals and conditions: ${what}`, () => {
      const t = policyTotals(nodes, [], NOW);
      expect([t.matchedPods, t.enforcedPods, t.observedGeneration]).to.deep.equal([matched, enforced, 3]);
      const [a, e] = t.conditions as [PolicyCondition, PolicyCondition];
      expect(`${a.status}/${a.reason}`).to.equal(accepted);
      expect(`${e.status}/${e.reason}`).to.equal(enforcedCond);
      expect(e.message).to.equal(message);
      expect(e.lastTransitionTime).to.equal('2025-01-01T12:00:00Z');
    });
  }

  it('observedGeneration is the oldest any node has seen', () => {
    expect(policyTotals([n('a', 1, 1), n('b', 1, 1, { observedGeneration: 2 })], [], NOW).observedGeneration).to.equal(2);
  });

  it('keeps lastTransitionTime while a condition keeps its status; unchanged totals are not written', () => {
    const first = policyTotals([n('a', 2, 2)], [], NOW);
    const second = policyTotals([n('a', 3, 3)], first.conditions, NOW + 60_000);
    expect(second.conditions.map((c) => c.lastTransitionTime)).to.deep.equal(first.conditions.map((c) => c.lastTransitionTime));
    const third = policyTotals([n('a', 3, 2)], second.conditions, NOW + 120_000);
    expect(third.conditions.find((c) => c.type === 'Enforced')?.lastTransitionTime).to.equal('2025-01-01T12:02:00Z');
    expect(sameTotals({ ...second }, policyTotals([n('a', 3, 3)], second.conditions, NOW + 180_000))).to.equal(true);
    expect(sameTotals({ ...second }, third)).to.equal(false);
  });
});
