import { expect } from 'chai';
import { Action, CallKind, Cover, INBOUND_KIND_OFFSET, Role, Verdict } from '../../../core/abi/enums.js';
import { readScalar } from '../../../core/abi/layout.js';
import { ziriz_call_key } from '../../../core/abi/structs.js';
import type { CompiledPolicySet } from '../../../core/policy/compiled.js';
import { compile } from '../../../core/policy/compile.js';
import { PolicyDecodeError } from '../../../core/policy/errors.js';
import { evaluate } from '../../../core/policy/evaluate.js';
import { callEntries } from '../../../core/policy/kernel/calls.js';
import { decodeCallEntry, encodeCallEntry } from '../../../core/policy/kernel/codec.js';
import { coverBits, identityValue } from '../../../core/policy/kernel/identity.js';
import type { CallEntry } from '../../../core/policy/kernel/types.js';
import { doc, set } from './helpers.js';

const V = Verdict;

function inboundOf(s: CompiledPolicySet): CompiledPolicySet {
  if (s.inbound === undefined) throw new Error('set.inbound is undefined');
  return s.inbound;
}

function verdicts(entries: CallEntry[], kind: CallKind): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of entries.filter((x) => x.kind === kind)) out[e.nameHash === 0n ? '<default>' : e.names.join('|')] = e.verdict;
  return out;
}

const CALLERS = [{ name: 'office', cidr: '192.168.0.0/16' }, { name: 'billing', selector: { matchLabels: { app: 'billing' } } }];

describe('policy/kernel: inbound ziriz_calls entries and cover bits', () => {
  describe('callEntries(set.inbound, id, { inbound: true })', () => {
    type Row = [comment: string, inbound: Record<string, unknown>, kind: CallKind, expected: Record<string, number>];
    const rows: Row[] = [
      // a tool any caller may call: ALLOW by name; one restricted to callers depends on who calls: CHECK; unlisted: DENY
      ['any caller, some callers, deny, default',
        { callers: CALLERS, mcp: { tools: [{ name: 'get_customer' }, { name: 'export', callers: ['office'] }, { name: 'drop', effect: 'Deny' }] } },
        CallKind.IN_MCP_TOOL, { '<default>': V.DENY, get_customer: V.ALLOW, export: V.CHECK, drop: V.DENY }],
      // arguments need userspace, as outbound
      ['arguments', { mcp: { tools: [{ name: 'q', arguments: { n: { max: 1 } } }] } }, CallKind.IN_MCP_TOOL, { '<default>': V.DENY, q: V.CHECK }],
      // a glob restricted to callers could match any unlisted name: default CHECK
      ['caller-restricted glob', { callers: CALLERS, mcp: { tools: [{ name: 'export_*', callers: ['office'] }, { name: 'ping' }] } },
        CallKind.IN_MCP_TOOL, { '<default>': V.CHECK, ping: V.ALLOW }],
      // "*" for some callers only: every name depends on the caller
      ['everything for some callers', { callers: CALLERS, mcp: { tools: [{ name: '*', callers: ['billing'] }, { name: 'drop', effect: 'Deny' }] } },
        CallKind.IN_MCP_TOOL, { '<default>': V.CHECK, drop: V.DENY }],
      // "*" for any caller
      ['everything for any caller', { mcp: { tools: [{ name: '*' }, { name: 'drop', effect: 'Deny' }] } },
        CallKind.IN_MCP_TOOL, { '<default>': V.ALLOW, drop: V.DENY }],
      // Audit: what Enforce would deny is AUDIT
      ['audit', { callers: CALLERS, mcp: { tools: [{ name: 'a' }, { name: 'b', effect: 'Deny' }] } }, CallKind.IN_MCP_TOOL,
        { '<default>': V.AUDIT, a: V.ALLOW, b: V.AUDIT }],
      // A2A: both spellings of a method
      ['a2a', { callers: CALLERS, a2a: { methods: [{ name: 'tasks/get' }, { name: 'message/send', callers: ['billing'] }] } }, CallKind.IN_A2A_METHOD,
        { '<default>': V.DENY, 'tasks/get': V.ALLOW, GetTask: V.ALLOW, 'message/send': V.CHECK, SendMessage: V.CHECK, 'tasks/send': V.CHECK }],
      // HTTP: literal route ALLOW, default DENY
      ['http', { http: { routes: [{ methods: ['GET'], paths: ['/healthz'] }, { methods: ['GET'], paths: ['/api/x'], query: { limit: { max: 10 } } }] } },
        CallKind.IN_HTTP_ROUTE, { '<default>': V.DENY, 'GET /healthz': V.ALLOW, 'GET /api/x': V.CHECK }],
      // HTTP allow-all is never a kernel ALLOW default
      ['http allow all', { http: { routes: [{}] } }, CallKind.IN_HTTP_ROUTE, { '<default>': V.CHECK }],
    ];
    for (const [comment, inbound, kind, expected] of rows) {
      it(comment, () => {
        const ib = inboundOf(set(comment === 'audit' ? { mode: 'Audit', inbound } : { inbound }));
        const entries = callEntries(ib, 5, { inbound: true });
        expect(verdicts(entries, kind)).to.deep.equal(expected);
        // inbound kinds only, all under the id given
        for (const e of entries) {
          expect(e.kind).to.be.within(CallKind.IN_MCP_TOOL, CallKind.IN_HTTP_ROUTE);
          expect(e.policyId).to.equal(5);
        }
      });
    }

    it('are the outbound entries of the same set with kind + INBOUND_KIND_OFFSET', () => {
      const ib = inboundOf(set({
        inbound: { callers: CALLERS, mcp: { tools: [{ name: 'a' }, { name: 'b', callers: ['office'] }] }, a2a: { methods: [{ name: 'tasks/get' }] }, http: { routes: [{ methods: ['GET'], paths: ['/'] }] } },
      }));
      const out = callEntries(ib, 3);
      const inb = callEntries(ib, 3, { inbound: true });
      expect(INBOUND_KIND_OFFSET).to.equal(CallKind.IN_MCP_TOOL - CallKind.MCP_TOOL);
      expect(out.map((e) => e.kind)).to.include.members([CallKind.MCP_TOOL, CallKind.A2A_METHOD, CallKind.HTTP_ROUTE]);
      expect(inb).to.deep.equal(out.map((e) => ({ ...e, kind: e.kind + INBOUND_KIND_OFFSET })));
    });

    it('the kernel verdicts agree with evaluate() for callers it can and cannot see', () => {
      const ib = inboundOf(set({ inbound: { callers: CALLERS, mcp: { tools: [{ name: 'get_customer' }, { name: 'export', callers: ['office'] }] } } }));
      const byName = verdicts(callEntries(ib, 1, { inbound: true }), CallKind.IN_MCP_TOOL);
      // ALLOW in the kernel: allowed for every caller, even one with no address
      expect(byName.get_customer).to.equal(V.ALLOW);
      for (const target of [undefined, { ip: '203.0.113.1' }, { ip: '192.168.1.1' }]) {
        expect(evaluate(ib, { kind: 'mcp', tool: 'get_customer', ...(target ? { target } : {}) }).verdict).to.equal('allow');
      }
      // CHECK in the kernel: userspace gives different verdicts by caller
      expect(byName.export).to.equal(V.CHECK);
      expect(evaluate(ib, { kind: 'mcp', tool: 'export', target: { ip: '192.168.1.1' } }).verdict).to.equal('allow');
      expect(evaluate(ib, { kind: 'mcp', tool: 'export', target: { ip: '10.0.0.1' } }).verdict).to.equal('deny');
    });

    it('an inbound deny is Block in the kernel even when the policy says Kill; ALLOW entries carry no action', () => {
      const s = set({ action: 'Kill', mcp: { tools: [] }, inbound: { mcp: { tools: [{ name: 'ok' }, { name: 'drop', effect: 'Deny' }] } } });
      const inb = callEntries(inboundOf(s), 2, { inbound: true });
      const deny = inb.filter((e) => e.verdict === V.DENY);
      expect(deny.length).to.equal(2); // default and drop
      for (const e of deny) expect(e.action).to.equal(Action.BLOCK);
      expect(inb.find((e) => e.names.includes('ok'))?.action).to.equal(0);
      // the outbound set keeps Kill
      expect(callEntries(s, 2).find((e) => e.nameHash === 0n)?.action).to.equal(Action.KILL);
    });

    it('carries the rule id of the inbound rule (an index into set.inbound.rules)', () => {
      const ib = inboundOf(set({ mcp: { tools: [{ name: 'x' }, { name: 'y' }] }, inbound: { mcp: { tools: [{ name: 'ping' }, { name: 'get' }] } } }));
      const get = callEntries(ib, 1, { inbound: true }).find((e) => e.names.includes('get'));
      expect(get?.ruleId).to.be.greaterThan(0);
      expect(ib.rules[get?.ruleId ?? 0]?.path).to.equal('spec.inbound.mcp.tools[1]');
    });

    it('a set with no inbound coverage gives no entries', () => {
      expect(callEntries(set({ egress: {} }), 1, { inbound: true })).to.deep.equal([]);
    });
  });

  describe('coverBits / identityValue', () => {
    const rows: [comment: string, specs: Record<string, unknown>[], bits: { enforce: number; audit: number }][] = [
      ['inbound mcp enforced', [{ inbound: { mcp: {} } }], { enforce: Cover.IN_MCP, audit: 0 }],
      ['inbound, all three, enforced', [{ inbound: { mcp: {}, a2a: {}, http: { routes: [] } } }], { enforce: Cover.IN_MCP | Cover.IN_A2A | Cover.IN_HTTP, audit: 0 }],
      ['inbound audited', [{ mode: 'Audit', inbound: { mcp: {}, http: { routes: [] } } }], { enforce: 0, audit: Cover.IN_MCP | Cover.IN_HTTP }],
      // outbound call categories bring the visibility gate (VISIBLE) in their mode
      ['outbound enforced, inbound audited', [{ mcp: {} }, { mode: 'Audit', inbound: { a2a: {} } }], { enforce: Cover.MCP | Cover.VISIBLE, audit: Cover.IN_A2A }],
      ['outbound audited, inbound enforced', [{ mode: 'Audit', http: { routes: [] } }, { inbound: { http: { routes: [] } } }], { enforce: Cover.IN_HTTP, audit: Cover.HTTP | Cover.VISIBLE }],
      // Enforce wins over Audit for the same inbound category
      ['inbound enforced and audited', [{ inbound: { mcp: {} } }, { mode: 'Audit', inbound: { mcp: {} } }], { enforce: Cover.IN_MCP, audit: 0 }],
      // outbound coverage does not give inbound bits
      ['outbound only', [{ mcp: {}, a2a: {}, http: { routes: [] }, egress: {} }], { enforce: Cover.EGRESS | Cover.MCP | Cover.A2A | Cover.HTTP | Cover.VISIBLE, audit: 0 }],
      ['egress only: no gate', [{ egress: {} }], { enforce: Cover.EGRESS, audit: 0 }],
      ['visibility EgressOnly: no gate', [{ visibility: 'EgressOnly', mcp: {} }], { enforce: Cover.MCP, audit: 0 }],
      // the stricter wins: one policy without EgressOnly keeps the gate
      ['EgressOnly in one policy of two', [{ visibility: 'EgressOnly', mcp: {} }, { http: { routes: [] } }], { enforce: Cover.MCP | Cover.HTTP | Cover.VISIBLE, audit: 0 }],
    ];
    for (const [comment, specs, bits] of rows) {
      it(comment, () => {
        expect(coverBits(set(...specs))).to.deep.equal(bits);
      });
    }

    it('identityValue carries the inbound bits', () => {
      const s = compile([doc({ inbound: { mcp: {} } }, 'srv')]);
      expect(identityValue(s, { identityId: 4, policyId: 9, role: Role.MCP_SERVER })).to.deep.equal({
        identityId: 4, policyId: 9, coverEnforce: Cover.IN_MCP, coverAudit: 0, role: Role.MCP_SERVER, action: Action.BLOCK,
      });
    });
  });

  describe('codec', () => {
    const ib = inboundOf(set({
      inbound: { callers: CALLERS, mcp: { tools: [{ name: 'a' }, { name: 'b', callers: ['office'] }, { name: 'c', effect: 'Deny' }] }, a2a: { methods: [{ name: 'tasks/get' }] }, http: { routes: [{ methods: ['GET'], paths: ['/'] }] } },
    }));
    const entries = callEntries(ib, 77, { inbound: true });

    it('round-trips inbound entries (kinds 7..9) through encodeCallEntry / decodeCallEntry', () => {
      expect(new Set(entries.map((e) => e.kind))).to.deep.equal(new Set([7, 8, 9]));
      for (const e of entries) {
        const bytes = encodeCallEntry(e);
        expect(Number(readScalar(bytes.key, 0, ziriz_call_key.fields.kind))).to.equal(e.kind);
        expect(decodeCallEntry(bytes)).to.deep.equal({ ...e, names: [] });
      }
    });

    it('still rejects a kind beyond the inbound ones', () => {
      const bytes = encodeCallEntry({ ...entries[0]!, kind: 10 as CallKind });
      expect(() => decodeCallEntry(bytes)).to.throw(PolicyDecodeError, /kind/);
    });
  });
});
