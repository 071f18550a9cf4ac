import { expect } from 'chai';
import { scopeOf } from '../../../core/identity/scope.js';
import type { ScopeContext } from '../../../core/identity/scope.js';
import { compile } from '../../../core/policy/compile.js';
import type { CompiledPolicySet } from '../../../core/policy/compiled.js';
import { PolicyInvalidError } from '../../../core/policy/errors.js';
import { evaluate } from '../../../core/policy/evaluate.js';
import type { VerdictName } from '../../../core/policy/evaluate.js';
import { parseAgentPolicy } from '../../../core/policy/parse.js';
import { doc, set } from './helpers.js';

/** The inbound set of the policies; fails the test when there is none. */
function inboundOf(compiled: CompiledPolicySet): CompiledPolicySet {
  const ib = compiled.inbound;
  if (ib === undefined) throw new Error('set.inbound is undefined');
  return ib;
}

const mcp = (tool: string, target?: Record<string, unknown>, args?: Record<string, unknown>): unknown =>
  ({ kind: 'mcp', tool, ...(target === undefined ? {} : { target }), ...(args === undefined ? {} : { arguments: args }) });

const BILLING = { ip: '10.244.1.7', namespace: 'ns', labels: { app: 'billing' } };
const BATCH = { ip: '10.244.2.9', namespace: 'jobs', labels: { app: 'batch', tier: 'etl' } };
const OFFICE = { ip: '192.168.7.8' };
const LAB = { ip: 'fd00:1::42' };

/** A server's policy: only what callers ziriz does not protect may call on it. */
const SERVER = {
  inbound: {
    callers: [
      { name: 'billing', selector: { matchLabels: { app: 'billing' } } },
      { name: 'batch', selector: { matchLabels: { app: 'batch' } }, namespaces: ['jobs', 'etl'] },
      { name: 'office', cidr: '192.168.0.0/16' },
      { name: 'lab', cidr: 'fd00:1::/64' },
    ],
    mcp: {
      tools: [
        { name: 'get_customer' },
        {
          name: 'get_all_customers',
          callers: ['billing', 'batch'],
          arguments: { filter: { required: true, notIn: ['none'] }, limit: { type: 'integer', max: 100 } },
        },
        { name: 'export_*', callers: ['office', 'lab'] },
        { name: 'delete_*', effect: 'Deny' },
      ],
    },
    a2a: { methods: [{ name: 'message/send', callers: ['billing'] }, { name: 'tasks/get' }] },
    http: {
      routes: [
        { methods: ['GET'], paths: ['/api/v2/customers'], query: { limit: { type: 'integer', min: 1, max: 100, maxItems: 1 } } },
        { hosts: ['customers.ns.svc'], methods: ['GET'], paths: ['/health'] },
      ],
    },
  },
};

type Row = [comment: string, request: unknown, verdict: VerdictName, rule?: string | undefined, reason?: RegExp];

describe('policy/inbound (spec.inbound: what unprotected callers may call on the selected servers)', () => {
  describe('parse', () => {
    it('reads callers by selector (namespaces default to the policy\'s) and by cidr, and rules naming them', () => {
      const p = parseAgentPolicy(doc({
        inbound: {
          callers: [
            { name: 'billing', selector: { matchLabels: { app: 'billing' } } },
            { name: 'batch', selector: { matchLabels: { app: 'batch' } }, namespaces: ['jobs'] },
            { name: 'office', cidr: '192.168.0.0/16' },
            { name: 'lab', cidr: 'fd00:1::/64' },
          ],
          mcp: { tools: [{ name: 'get_all_customers', callers: ['billing', 'office'], arguments: { limit: { max: 100 } } }] },
          a2a: { methods: [{ name: 'message/send', callers: ['batch'] }] },
          http: { routes: [{ methods: ['GET'], paths: ['/api/v2/customers'] }] },
        },
      }, 'srv', 'payments'));
      const ib = p.spec.inbound;
      expect(ib?.callers).to.deep.equal([
        { name: 'billing', selector: { matchLabels: { app: 'billing' }, matchExpressions: [] }, namespaces: ['payments'] },
        { name: 'batch', selector: { matchLabels: { app: 'batch' }, matchExpressions: [] }, namespaces: ['jobs'] },
        { name: 'office', cidr: '192.168.0.0/16', namespaces: [] },
        { name: 'lab', cidr: 'fd00:1::/64', namespaces: [] },
      ]);
      expect(ib?.mcp?.tools[0]).to.deep.include({ name: 'get_all_customers', effect: 'Allow', servers: ['billing', 'office'] });
      expect(ib?.mcp?.tools[0]?.arguments).to.have.keys('limit');
      expect(ib?.a2a?.methods[0]).to.deep.include({ name: 'message/send', effect: 'Allow', servers: ['batch'] });
      expect(ib?.http?.routes[0]).to.deep.include({ methods: ['GET'], paths: ['/api/v2/customers'] });
      // inbound rules are not outbound rules
      expect(p.spec.mcp).to.equal(undefined);
      expect(p.spec.a2a).to.equal(undefined);
      expect(p.spec.http).to.equal(undefined);
    });

    it('accepts inbound without callers when no rule names one', () => {
      const p = parseAgentPolicy(doc({ inbound: { mcp: { tools: [{ name: 'ping' }] } } }));
      expect(p.spec.inbound?.callers).to.deep.equal([]);
      expect(p.spec.inbound?.mcp?.tools.map((t) => t.name)).to.deep.equal(['ping']);
    });

    const invalid: [what: string, inbound: Record<string, unknown>, field: string, message: RegExp][] = [
      // a rule naming a caller the section does not declare
      ['unknown caller reference', { callers: [{ name: 'office', cidr: '192.168.0.0/16' }], mcp: { tools: [{ name: 'a', callers: ['nope'] }] } },
        'spec.inbound.mcp.tools[0].callers[0]', /no caller named "nope" in this inbound section/],
      // the same in an A2A rule, with no callers at all
      ['unknown caller in a2a', { a2a: { methods: [{ name: 'message/send', callers: ['planner'] }] } },
        'spec.inbound.a2a.methods[0].callers[0]', /no caller named "planner"/],
      // cidr and selector on one caller
      ['caller with cidr and selector', { callers: [{ name: 'x', cidr: '10.0.0.0/8', selector: { matchLabels: { app: 'x' } } }], mcp: {} },
        'spec.inbound.callers[0]', /needs exactly one of cidr or selector/],
      // neither cidr nor selector
      ['caller with neither', { callers: [{ name: 'x' }], mcp: {} }, 'spec.inbound.callers[0]', /needs exactly one of cidr or selector/],
      // duplicate caller names
      ['duplicate caller names', { callers: [{ name: 'x', cidr: '10.0.0.0/8' }, { name: 'x', cidr: '172.16.0.0/12' }], mcp: {} },
        'spec.inbound.callers', /duplicate name "x" at index 1/],
      // host bits set in a caller's cidr
      ['cidr with host bits', { callers: [{ name: 'x', cidr: '10.0.0.1/8' }], mcp: {} }, 'spec.inbound.callers[0].cidr', /host bits set/],
      // host bits in an IPv6 cidr
      ['ipv6 cidr with host bits', { callers: [{ name: 'x', cidr: 'fd00::1/64' }], mcp: {} }, 'spec.inbound.callers[0].cidr', /host bits set/],
      // namespaces only go with a selector
      ['namespaces with cidr', { callers: [{ name: 'x', cidr: '10.0.0.0/8', namespaces: ['a'] }], mcp: {} },
        'spec.inbound.callers[0].namespaces', /only allowed with selector/],
      // caller names are DNS labels
      ['caller name', { callers: [{ name: 'Office', cidr: '10.0.0.0/8' }], mcp: {} }, 'spec.inbound.callers[0].name', /DNS label/],
      // nothing to judge
      ['inbound with none of mcp/a2a/http', { callers: [] }, 'spec.inbound', /needs at least one of mcp, a2a or http/],
      // arguments on a Deny rule
      ['arguments on a Deny rule', { mcp: { tools: [{ name: 'drop', effect: 'Deny', arguments: { q: { max: 1 } } }] } },
        'spec.inbound.mcp.tools[0].arguments', /argument constraints belong on Allow rules/],
      // the outbound reference field is not accepted here
      ['servers instead of callers', { mcp: { tools: [{ name: 'a', servers: ['x'] }] } }, 'spec.inbound.mcp.tools[0]', /unknown field "servers"/],
      // A2A rules take no arguments
      ['arguments on an a2a rule', { a2a: { methods: [{ name: 'tasks/get', arguments: { q: { max: 1 } } }] } },
        'spec.inbound.a2a.methods[0]', /unknown field "arguments"/],
      // outbound sections do not nest in inbound
      ['egress inside inbound', { egress: { rules: [] }, mcp: {} }, 'spec.inbound', /unknown field "egress"/],
      // query constraints on a Deny route, as outbound
      ['query on a Deny route', { http: { routes: [{ effect: 'Deny', query: { limit: { max: 1 } } }] } },
        'spec.inbound.http.routes[0].query', /query constraints belong on Allow routes/],
    ];
    for (const [what, inbound, field, message] of invalid) {
      it(`rejects ${what} naming ${field}`, () => {
        expect(() => parseAgentPolicy(doc({ inbound }))).to.throw(PolicyInvalidError).that.satisfies((e: PolicyInvalidError) => {
          expect(e.field).to.equal(field);
          expect(e.policy).to.equal('ns/p');
          expect(e.message).to.match(message);
          return true;
        });
      });
    }
  });

  describe('compile', () => {
    it('compiles inbound rules into set.inbound with paths under spec.inbound, apart from the outbound rules', () => {
      const s = compile([doc({
        mcp: { tools: [{ name: 'search' }] },
        inbound: {
          callers: [{ name: 'office', cidr: '192.168.0.0/16' }],
          mcp: { tools: [{ name: 'get_customer' }, { name: 'export_*', callers: ['office'] }] },
          a2a: { methods: [{ name: 'tasks/get' }] },
          http: { routes: [{ methods: ['GET'] }] },
        },
      })]);
      const ib = inboundOf(s);
      expect(ib.rules.slice(1).map((r) => r.path)).to.deep.equal([
        'spec.inbound.mcp',
        'spec.inbound.mcp.tools[0]',
        'spec.inbound.mcp.tools[1]',
        'spec.inbound.a2a',
        'spec.inbound.a2a.methods[0]',
        'spec.inbound.http',
        'spec.inbound.http.routes[0]',
      ]);
      expect(ib.rules.slice(1).map((r) => r.id)).to.deep.equal([1, 2, 3, 4, 5, 6, 7]);
      expect(ib.mcp.map((r) => r.peerField)).to.deep.equal(['callers', 'callers']);
      expect(s.rules.slice(1).map((r) => r.path)).to.deep.equal(['spec.mcp', 'spec.mcp.tools[0]']);
      expect(evaluate(ib, mcp('export_db', { ip: '192.168.1.1' }))).to.include({ verdict: 'allow', rule: 'spec.inbound.mcp.tools[1]', ruleId: 3 });
      // outbound and inbound do not see each other's rules
      expect(evaluate(s, mcp('get_customer'))).to.include({ verdict: 'deny', rule: 'spec.mcp' });
      expect(evaluate(ib, mcp('search', { ip: '192.168.1.1' }))).to.include({ verdict: 'deny', rule: 'spec.inbound.mcp' });
    });

    it('leaves set.inbound out when no policy has inbound, and holds only the policies that do', () => {
      expect(set({ mcp: { tools: [{ name: 'a' }] } }).inbound).to.equal(undefined);
      expect(set({}, { egress: {} }).inbound).to.equal(undefined);
      const s = compile([
        doc({ mcp: { tools: [{ name: 'a' }] } }, 'agents'),
        doc({ inbound: { mcp: { tools: [{ name: 'b' }] } } }, 'server'),
      ]);
      expect(inboundOf(s).policies.map((p) => p.name)).to.deep.equal(['server']);
      expect(s.policies.map((p) => p.name)).to.deep.equal(['agents', 'server']);
    });

    it('an inbound-only policy covers nothing outbound', () => {
      const s = set({ inbound: { mcp: {}, http: { routes: [] } } });
      expect(evaluate(s, mcp('anything'))).to.include({ verdict: 'allow', rule: '' });
      expect(evaluate(s, { kind: 'http', method: 'GET', path: '/' })).to.include({ verdict: 'allow', rule: '' });
      expect(evaluate(inboundOf(s), mcp('anything', OFFICE))).to.include({ verdict: 'deny', rule: 'spec.inbound.mcp' });
      expect(evaluate(inboundOf(s), { kind: 'http', method: 'GET', path: '/', target: OFFICE })).to.include({ verdict: 'deny', rule: 'spec.inbound.http' });
    });

    it('an enforced inbound deny is Block even when the policy says Kill (the outbound set keeps Kill)', () => {
      const s = set({ action: 'Kill', mcp: { tools: [] }, inbound: { mcp: { tools: [{ name: 'drop_*', effect: 'Deny' }] } } });
      const ib = inboundOf(s);
      expect(s.action).to.equal('Kill');
      expect(evaluate(s, mcp('x'))).to.include({ verdict: 'deny', action: 'Kill' });
      expect(ib.action).to.equal('Block');
      expect(ib.rules.slice(1).map((r) => r.action)).to.deep.equal(['Block', 'Block']);
      expect(evaluate(ib, mcp('drop_tables', OFFICE))).to.include({ verdict: 'deny', rule: 'spec.inbound.mcp.tools[0]', action: 'Block' });
      expect(evaluate(ib, mcp('other', OFFICE))).to.include({ verdict: 'deny', rule: 'spec.inbound.mcp', action: 'Block' });
      // a request that cannot be judged fails closed with Block too
      expect(evaluate(ib, { kind: 'mcp' })).to.include({ verdict: 'deny', rule: 'request', action: 'Block' });
    });

    it('mode Audit gives audit verdicts (reported, not blocked)', () => {
      const ib = inboundOf(set({
        mode: 'Audit',
        action: 'Kill',
        inbound: { callers: [{ name: 'office', cidr: '192.168.0.0/16' }], mcp: { tools: [{ name: 'get' }, { name: 'export', callers: ['office'] }] } },
      }));
      expect(ib.rules.slice(1).map((r) => r.mode)).to.deep.equal(['Audit', 'Audit', 'Audit']);
      expect(evaluate(ib, mcp('get', OFFICE))).to.include({ verdict: 'allow' });
      expect(evaluate(ib, mcp('drop', OFFICE))).to.include({ verdict: 'audit', rule: 'spec.inbound.mcp' });
      const v = evaluate(ib, mcp('export', { ip: '10.0.0.1' }));
      expect(v).to.include({ verdict: 'audit', rule: 'spec.inbound.mcp.tools[1].callers' });
      expect(v.action).to.equal(undefined);
    });

    it('inbound sections of several policies combine: allows add up, a deny wins, Audit does not weaken Enforce', () => {
      const ib = inboundOf(compile([
        doc({ inbound: { mcp: { tools: [{ name: 'a' }, { name: 'c' }] } } }, 'p0'),
        doc({ inbound: { mcp: { tools: [{ name: 'b' }, { name: 'c', effect: 'Deny' }] } } }, 'p1'),
        doc({ mode: 'Audit', inbound: { mcp: { tools: [{ name: 'd' }] } } }, 'p2'),
      ]));
      expect(evaluate(ib, mcp('a', OFFICE))).to.include({ verdict: 'allow', policy: 'ns/p0' });
      expect(evaluate(ib, mcp('b', OFFICE))).to.include({ verdict: 'allow', policy: 'ns/p1' });
      expect(evaluate(ib, mcp('c', OFFICE))).to.include({ verdict: 'deny', policy: 'ns/p1', rule: 'spec.inbound.mcp.tools[1]' });
      expect(evaluate(ib, mcp('d', OFFICE))).to.include({ verdict: 'deny', policy: 'ns/p0', rule: 'spec.inbound.mcp' });
    });
  });

  describe('evaluate(set.inbound, request) with target = the caller', () => {
    const rows: Row[] = [
      // a tool with no callers is open to any caller, even one that cannot be identified
      ['any caller, by ip', mcp('get_customer', { ip: '203.0.113.9' }), 'allow', 'spec.inbound.mcp.tools[0]'],
      ['any caller, unidentified', mcp('get_customer'), 'allow', 'spec.inbound.mcp.tools[0]'],
      // selector caller in the policy's namespace (the default)
      ['billing pod', mcp('get_all_customers', BILLING, { filter: 'region=eu', limit: 50 }), 'allow', 'spec.inbound.mcp.tools[1]'],
      // selector caller in one of its listed namespaces
      ['batch pod in jobs', mcp('get_all_customers', BATCH, { filter: 'region=eu' }), 'allow', 'spec.inbound.mcp.tools[1]'],
      // right labels, wrong namespace
      ['billing labels in another namespace', mcp('get_all_customers', { ...BILLING, namespace: 'other' }, { filter: 'x' }),
        'deny', 'spec.inbound.mcp.tools[1].callers', /^caller not one of billing, batch$/],
      // batch labels in the policy's namespace, which batch does not list
      ['batch labels in ns', mcp('get_all_customers', { ...BATCH, namespace: 'ns' }, { filter: 'x' }), 'deny', 'spec.inbound.mcp.tools[1].callers'],
      // another pod
      ['web pod', mcp('get_all_customers', { ip: '10.244.1.8', namespace: 'ns', labels: { app: 'web' } }, { filter: 'x' }),
        'deny', 'spec.inbound.mcp.tools[1].callers', /caller not one of billing, batch/],
      // a caller known only by its address is not a pod the selector can match
      ['billing rule, caller by ip only', mcp('get_all_customers', { ip: BILLING.ip }, { filter: 'x' }), 'deny', 'spec.inbound.mcp.tools[1].callers'],
      // a caller that cannot be identified is judged like any unprotected caller
      ['billing rule, unidentified caller', mcp('get_all_customers', undefined, { filter: 'x' }), 'deny', 'spec.inbound.mcp.tools[1].callers'],
      // argument constraints, from an allowed caller
      ['filter none', mcp('get_all_customers', BILLING, { filter: 'none' }), 'deny', 'spec.inbound.mcp.tools[1].arguments.filter', /^argument filter: "none" not allowed$/],
      ['filter missing', mcp('get_all_customers', BILLING, {}), 'deny', 'spec.inbound.mcp.tools[1].arguments.filter', /required/],
      ['limit above max', mcp('get_all_customers', BATCH, { filter: 'x', limit: 100000 }), 'deny', 'spec.inbound.mcp.tools[1].arguments.limit', /above the maximum 100/],
      ['limit as a string', mcp('get_all_customers', BATCH, { filter: 'x', limit: '100' }), 'deny', 'spec.inbound.mcp.tools[1].arguments.limit', /not of type integer/],
      // cidr callers, matched by target.ip: IPv4
      ['office ip', mcp('export_db', OFFICE), 'allow', 'spec.inbound.mcp.tools[2]'],
      ['office range edge', mcp('export_db', { ip: '192.168.255.255' }), 'allow', 'spec.inbound.mcp.tools[2]'],
      ['just outside office', mcp('export_db', { ip: '192.169.0.1' }), 'deny', 'spec.inbound.mcp.tools[2].callers', /^caller not one of office, lab$/],
      // an IPv4-mapped IPv6 address is the IPv4 address
      ['office ip, v4-mapped', mcp('export_db', { ip: '::ffff:192.168.7.8' }), 'allow', 'spec.inbound.mcp.tools[2]'],
      // IPv6
      ['lab ip', mcp('export_db', LAB), 'allow', 'spec.inbound.mcp.tools[2]'],
      ['other v6 prefix', mcp('export_db', { ip: 'fd00:2::42' }), 'deny', 'spec.inbound.mcp.tools[2].callers'],
      // labels do not satisfy a cidr caller
      ['pod outside the cidrs', mcp('export_db', BILLING), 'deny', 'spec.inbound.mcp.tools[2].callers'],
      // a cidr rule with no address to match
      ['cidr rule, no ip', mcp('export_db', { namespace: 'ns', labels: { app: 'billing' } }), 'deny', 'spec.inbound.mcp.tools[2].callers'],
      // Deny rule, for every caller
      ['delete from office', mcp('delete_customer', OFFICE), 'deny', 'spec.inbound.mcp.tools[3]', /MCP tool delete_customer denied/],
      // default deny of a tool no rule covers
      ['uncovered tool', mcp('drop_tables', BILLING), 'deny', 'spec.inbound.mcp', /^MCP tool drop_tables not allowed$/],
      // A2A: caller-restricted method
      ['a2a message/send from billing', { kind: 'a2a', method: 'message/send', target: BILLING }, 'allow', 'spec.inbound.a2a.methods[0]'],
      ['a2a SendMessage from billing', { kind: 'a2a', method: 'SendMessage', target: BILLING }, 'allow', 'spec.inbound.a2a.methods[0]'],
      ['a2a message/send from office', { kind: 'a2a', method: 'message/send', target: OFFICE }, 'deny', 'spec.inbound.a2a.methods[0].callers', /^caller not one of billing$/],
      ['a2a tasks/get from anyone', { kind: 'a2a', method: 'GetTask', target: OFFICE }, 'allow', 'spec.inbound.a2a.methods[1]'],
      ['a2a tasks/cancel', { kind: 'a2a', method: 'tasks/cancel', target: BILLING }, 'deny', 'spec.inbound.a2a', /A2A method tasks\/cancel not allowed/],
      // HTTP routes with a query limit
      ['http limit=10', { kind: 'http', method: 'GET', path: '/api/v2/customers?limit=10', target: OFFICE }, 'allow', 'spec.inbound.http.routes[0]'],
      ['http limit=100000', { kind: 'http', method: 'GET', path: '/api/v2/customers?limit=100000', target: OFFICE },
        'deny', 'spec.inbound.http.routes[0].query.limit', /query limit: 100000 is above the maximum 100/],
      ['http limit twice', { kind: 'http', method: 'GET', path: '/api/v2/customers?limit=1&limit=100000', target: OFFICE },
        'deny', 'spec.inbound.http.routes[0].query.limit', /2 times/],
      ['http POST', { kind: 'http', method: 'POST', path: '/api/v2/customers', target: OFFICE }, 'deny', 'spec.inbound.http', /HTTP POST \/api\/v2\/customers not allowed/],
      // target.host is the Host the call was addressed to
      ['http health on its host', { kind: 'http', method: 'GET', path: '/health', target: { ...OFFICE, host: 'customers.ns.svc' } }, 'allow', 'spec.inbound.http.routes[1]'],
      ['http health on another host', { kind: 'http', method: 'GET', path: '/health', target: { ...OFFICE, host: 'other.ns.svc' } }, 'deny', 'spec.inbound.http'],
    ];
    const ib = inboundOf(set(SERVER));
    for (const [comment, request, verdict, rule, reason] of rows) {
      it(`${comment} -> ${verdict}`, () => {
        const v = evaluate(ib, request);
        expect(v.verdict, v.reason).to.equal(verdict);
        expect(v.policy, 'policy').to.equal('ns/p0');
        if (rule !== undefined) expect(v.rule).to.equal(rule);
        if (reason !== undefined) expect(v.reason).to.match(reason);
        if (verdict === 'deny') expect(v.action).to.equal('Block');
      });
    }
  });

  describe('scope: a pod selected only by inbound rules is an MCP server', () => {
    const pod = { namespace: 'ns', labels: { app: 'agent' }, annotations: undefined };
    const ctx = (...specs: Record<string, unknown>[]): ScopeContext => ({
      namespaceLabels: {},
      policies: specs.map((s, i) => parseAgentPolicy(doc(s, `p${i}`))),
      ownNamespace: 'ziriz-system',
    });
    const INBOUND = { inbound: { mcp: { tools: [{ name: 'get_customer' }] } } };

    it('inbound only -> mcp-server, naming the policy', () => {
      const s = scopeOf(pod, ctx(INBOUND));
      expect(s).to.deep.include({ inScope: true, role: 'mcp-server', why: 'selected by the inbound rules of AgentPolicy ns/p0' });
    });

    it('inbound and mcp in one policy -> agent', () => {
      const s = scopeOf(pod, ctx({ ...INBOUND, mcp: { tools: [] } }));
      expect(s).to.deep.include({ inScope: true, role: 'agent', why: 'selected by AgentPolicy ns/p0' });
    });

    it('an inbound-only policy and another with an outbound section -> agent, named after the other', () => {
      const s = scopeOf(pod, ctx(INBOUND, { egress: { rules: [] } }));
      expect(s).to.deep.include({ inScope: true, role: 'agent', why: 'selected by AgentPolicy ns/p1' });
    });

    it('a policy with no section at all still makes it an agent', () => {
      expect(scopeOf(pod, ctx({}))).to.deep.include({ role: 'agent' });
    });

    it('the pod\'s own role label still comes first', () => {
      const s = scopeOf({ ...pod, labels: { app: 'agent', 'ziriz.io/role': 'agent' } }, ctx(INBOUND));
      expect(s).to.deep.include({ inScope: true, role: 'agent' });
    });

    it('an inbound policy selecting other pods does not bring this one into scope', () => {
      expect(scopeOf({ ...pod, labels: { app: 'web' } }, ctx(INBOUND))).to.deep.include({ inScope: false });
    });
  });
});
