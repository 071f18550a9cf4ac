import { expect } from 'chai';
import { decideCondition, conditionPatch, PROTECTED_CONDITION } from '../../../../node-agent/src/report/condition.js';
import { nodeHooksNote, protectionMessage, protectionNote, verdictNote, NOTE_MAX } from '../../../../node-agent/src/report/note.js';
import { nodeHooksEventSpec, protectionEventSpec, verdictEventSpec } from '../../../../node-agent/src/report/event-spec.js';
import type { ObservedCondition, Protection, Verdict } from '../../../../node-agent/src/report/types.js';
import { blockedToolCall, POD } from './fixtures.js';

const NOW = Date.UTC(2025, 0, 1, 12, 0, 0);
const LSM = { hook: 'lsm-file-exec-socket', why: 'LSM unavailable on this kernel', substitute: 'exec visibility via tracepoint + Kill' } as const;

function protection(over: Partial<Protection> = {}): Protection {
  return { pod: POD, protected: true, reason: 'ProtectionAttached', attached: ['egress-cgroup', 'egress-tc', 'tls-uprobes'], degraded: [], ...over };
}

describe('node-agent report: Event notes', () => {
  it('a blocked tool call reads like the architecture example, with full identity', () => {
    expect(verdictNote(blockedToolCall(), 'node-1')).to.equal(
      'MCP tools/call get_all_customers to payments/customer-mcp-0 denied by AgentPolicy payments/agents spec.mcp.rules[0] ' +
      '(argument filter: "none" not allowed); identity payments/ai-agent-prod, pod payments/gpt-orchestrator-7d9f-x2k ' +
      '(Deployment/gpt-orchestrator, service account ai-agent-prod), container agent, pid 4242 uid 1000 (python3), node node-1');
  });

  // Rows: [changes, fields removed, wording]
  const rows: [Partial<Verdict>, ('peer' | 'container')[], RegExp][] = [
    [{ verdict: 'audit' }, [], / would be denied \(audit\) by AgentPolicy /],
    [{ action: 'Kill' }, [], / denied \(process killed\) by AgentPolicy /],
    [{ policy: '', rule: 'spec.egress' }, [], / denied by the default of the policies in force spec\.egress /],
    [{ kind: 'egress', target: '10.0.0.9:443/TCP', why: '' }, ['peer'], /^egress 10\.0\.0\.9:443\/TCP denied by AgentPolicy payments\/agents spec\.mcp\.rules\[0\]; identity /],
    [{ pod: null }, ['container'], /; cgroup 98765, pid 4242 /],
  ];
  for (const [over, drop, re] of rows) {
    it(`words ${JSON.stringify(over)}${drop.length ? ` without ${drop.join(', ')}` : ''}`, () => {
      const v = Object.fromEntries(Object.entries(blockedToolCall(over)).filter(([k]) => !(drop as string[]).includes(k))) as unknown as Verdict;
      expect(verdictNote(v, 'node-1')).to.match(re);
    });
  }

  it('stays within the 1 kB Event note limit', () => {
    const note = verdictNote(blockedToolCall({ target: `tools/call ${'x'.repeat(5000)}` }), 'node-1');
    expect(note).to.have.length(NOTE_MAX);
    expect(note.endsWith('…')).to.equal(true);
  });

  it('verdict Events: Warning/Block for denials, Normal/Audit for audits, the peer as related', () => {
    expect(verdictEventSpec(blockedToolCall(), 'n')).to.deep.include({ type: 'Warning', action: 'Block', reason: 'ToolCallBlocked', namespace: 'payments' });
    expect(verdictEventSpec(blockedToolCall({ verdict: 'audit', reason: 'ToolCallAudited' }), 'n')).to.deep.include({ type: 'Normal', action: 'Audit' });
    expect(verdictEventSpec(blockedToolCall({ action: 'Kill' }), 'n')?.action).to.equal('Kill');
    expect(verdictEventSpec(blockedToolCall(), 'n')?.related).to.deep.equal({ apiVersion: 'v1', kind: 'Pod', name: 'customer-mcp-0', namespace: 'payments', uid: 'uid-mcp' });
    expect(verdictEventSpec(blockedToolCall({ pod: null }), 'n')).to.equal(null);
  });

  it('protection Events by state', () => {
    expect(protectionEventSpec(protection(), 'n')).to.deep.include({ reason: 'ProtectionAttached', type: 'Normal', action: 'Attach' });
    expect(protectionEventSpec(protection({ degraded: [LSM] }), 'n')).to.deep.include({ reason: 'ProtectionDegraded', type: 'Warning' });
    expect(protectionEventSpec(protection({ protected: false, reason: 'CgroupNotFound' }), 'n')).to.deep.include({ reason: 'ProtectionFailed', type: 'Warning' });
    expect(protectionNote(protection({ protected: false, reason: 'CgroupNotFound', attached: [] }), 'node-1'))
      .to.match(/^not protected \(CgroupNotFound\) on node node-1: hooks attached: none; identity payments\/ai-agent-prod/);
  });

  it('the Node Event names what this kernel lacks', () => {
    const s = nodeHooksEventSpec('node-1', ['egress-cgroup'], [{ hook: 'lsm-file-exec-socket', why: 'bpf is not in the active LSM list' }]);
    expect(s).to.deep.include({ namespace: 'default', reason: 'HooksDegraded', type: 'Warning', action: 'Probe' });
    expect(s.regarding).to.deep.include({ kind: 'Node', name: 'node-1' });
    expect(nodeHooksNote([], [])).to.equal('hooks available: none');
  });
});

describe('node-agent report: the ziriz.io/protected condition', () => {
  it('names attached hooks and degraded ones with why and the substitute in force', () => {
    expect(protectionMessage(protection({ degraded: [LSM], detail: 'policies payments/agents (sha256:ab12)' }))).to.equal(
      'hooks attached: egress-cgroup, egress-tc, tls-uprobes; degraded: lsm-file-exec-socket: LSM unavailable on this kernel ' +
      '(exec visibility via tracepoint + Kill in force); policies payments/agents (sha256:ab12)');
  });

  const t = (s: string): string => s;
  const prevTrue: ObservedCondition = { status: 'True', reason: 'ProtectionAttached', message: protectionMessage(protection()), lastTransitionTime: '2024-12-31T00:00:00Z' };
  // Rows: [what, protection, previous, changed, flipped, lastTransitionTime]
  const rows: [string, Protection, ObservedCondition | undefined, boolean, boolean, string][] = [
    ['first write', protection(), undefined, true, true, t('2025-01-01T12:00:00Z')],
    ['same as the API has: no write, time kept', protection(), prevTrue, false, false, t('2024-12-31T00:00:00Z')],
    ['message changes, status does not: time kept', protection({ degraded: [LSM] }), prevTrue, true, false, t('2024-12-31T00:00:00Z')],
    ['status flips: time moves', protection({ protected: false, reason: 'AttachFailed' }), prevTrue, true, true, t('2025-01-01T12:00:00Z')],
    ['previous without a time: written with one', protection(), { status: 'True', reason: 'ProtectionAttached', message: prevTrue.message ?? '' }, true, false, t('2025-01-01T12:00:00Z')],
    ['previous time as a Date', protection(), { ...prevTrue, lastTransitionTime: new Date('2024-12-31T00:00:00Z') }, false, false, t('2024-12-31T00:00:00Z')],
  ];
  for (const [what, p, prev, changed, flipped, ltt] of rows) {
    it(what, () => {
      const d = decideCondition(p, prev, NOW);
      expect(d.changed).to.equal(changed);
      expect(d.flipped).to.equal(flipped);
      expect(d.condition.lastTransitionTime).to.equal(ltt);
      expect(d.condition.type).to.equal(PROTECTED_CONDITION);
      expect(d.condition.status).to.equal(p.protected ? 'True' : 'False');
    });
  }

  it('falls back to a generic reason when the caller gives an invalid one', () => {
    expect(decideCondition(protection({ reason: 'not camel case!' }), undefined, NOW).condition.reason).to.equal('Protected');
    expect(decideCondition(protection({ protected: false, reason: '' }), undefined, NOW).condition.reason).to.equal('NotProtected');
  });

  it('is patched as a strategic merge of status.conditions with the pod UID as a guard', () => {
    const c = decideCondition(protection(), undefined, NOW).condition;
    expect(conditionPatch('uid-1', c)).to.deep.equal({ metadata: { uid: 'uid-1' }, status: { conditions: [c] } });
  });
});
