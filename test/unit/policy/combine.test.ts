import { expect } from 'chai';
import { compile } from '../../../core/policy/compile.js';
import { evaluate } from '../../../core/policy/evaluate.js';
import type { VerdictName } from '../../../core/policy/evaluate.js';
import { doc } from './helpers.js';

const MCP = (tools: unknown[]): Record<string, unknown> => ({ mcp: { tools } });
const call = (tool: string, args: Record<string, unknown> = {}): unknown => ({ kind: 'mcp', tool, arguments: args });

type Row = [comment: string, policies: Record<string, unknown>[], request: unknown, verdict: VerdictName, policy: string];

describe('policy/combination of several policies on one pod', () => {
  const rows: Row[] = [
    // allows add up: each policy allows one tool, both are allowed
    ['allows add up (a)', [MCP([{ name: 'a' }]), MCP([{ name: 'b' }])], call('a'), 'allow', 'ns/p0'],
    ['allows add up (b)', [MCP([{ name: 'a' }]), MCP([{ name: 'b' }])], call('b'), 'allow', 'ns/p1'],
    // what neither allows is denied
    ['neither allows', [MCP([{ name: 'a' }]), MCP([{ name: 'b' }])], call('c'), 'deny', 'ns/p0'],
    // a deny in one policy beats an allow in another
    ['deny wins across policies', [MCP([{ name: 'a' }]), MCP([{ name: 'a', effect: 'Deny' }])], call('a'), 'deny', 'ns/p1'],
    // a policy that covers only http does not restrict mcp
    ['other category', [{ http: {} }, MCP([{ name: 'a' }])], call('a'), 'allow', 'ns/p1'],
    // an Audit policy reports what it would block
    ['audit only: unlisted', [{ mode: 'Audit', ...MCP([{ name: 'a' }]) }], call('b'), 'audit', 'ns/p0'],
    ['audit only: allowed', [{ mode: 'Audit', ...MCP([{ name: 'a' }]) }], call('a'), 'allow', 'ns/p0'],
    ['audit only: explicit deny', [{ mode: 'Audit', ...MCP([{ name: 'a', effect: 'Deny' }]) }], call('a'), 'audit', 'ns/p0'],
    // an Audit argument violation
    ['audit argument', [{ mode: 'Audit', ...MCP([{ name: 'a', arguments: { n: { max: 1 } } }]) }], call('a', { n: 2 }), 'audit', 'ns/p0'],
    // Enforce deny beats an Audit allow
    ['enforce deny, audit allow', [MCP([{ name: 'a', effect: 'Deny' }]), { mode: 'Audit', ...MCP([{ name: 'a' }]) }], call('a'), 'deny', 'ns/p0'],
    // an Audit allow cannot lift an Enforce default deny
    ['enforce default, audit allow', [MCP([{ name: 'a' }]), { mode: 'Audit', ...MCP([{ name: 'b' }]) }], call('b'), 'deny', 'ns/p0'],
    // Enforce allows, Audit explicitly denies: reported, not blocked
    ['enforce allow, audit deny', [MCP([{ name: 'a' }]), { mode: 'Audit', ...MCP([{ name: 'a', effect: 'Deny' }]) }], call('a'), 'audit', 'ns/p1'],
    // Enforce allows, Audit covers without mentioning it: allows add up
    ['enforce allow, audit silent', [MCP([{ name: 'a' }]), { mode: 'Audit', ...MCP([{ name: 'b' }]) }], call('a'), 'allow', 'ns/p0'],
    // Enforce does not cover, Audit does: audit
    ['audit covers alone', [{ http: {} }, { mode: 'Audit', ...MCP([]) }], call('a'), 'audit', 'ns/p1'],
    // argument violation in one policy, unconditional allow in another: allowed
    ['constraint vs plain allow', [MCP([{ name: 'a', arguments: { n: { max: 1 } } }]), MCP([{ name: 'a' }])], call('a', { n: 5 }), 'allow', 'ns/p1'],
  ];
  for (const [comment, specs, request, verdict, policy] of rows) {
    it(`${comment} -> ${verdict} by ${policy}`, () => {
      const v = evaluate(compile(specs.map((s, i) => doc(s, `p${i}`))), request);
      expect(v.verdict, v.reason).to.equal(verdict);
      expect(v.policy).to.equal(policy);
    });
  }

  it('reports the deciding policy\'s action; the set is Kill when any enforcing policy kills', () => {
    const s = compile([doc({ action: 'Kill', ...MCP([{ name: 'x', effect: 'Deny' }]) }, 'killer'), doc(MCP([{ name: 'a' }]), 'blocker')]);
    expect(s.action).to.equal('Kill');
    expect(evaluate(s, call('x')).action).to.equal('Kill');
    expect(evaluate(s, call('zzz')).action).to.equal('Block');
  });

  it('an Audit policy with Kill does not make the set Kill', () => {
    const s = compile([doc({ mode: 'Audit', action: 'Kill', ...MCP([]) })]);
    expect(s.action).to.equal('Block');
  });

  it('numbers rules deterministically whatever the input order', () => {
    const a = doc(MCP([{ name: 'a' }]), 'alpha');
    const b = doc(MCP([{ name: 'b' }]), 'beta');
    expect(compile([a, b]).rules).to.deep.equal(compile([b, a]).rules);
  });
});
