import { expect } from 'chai';
import { Action, CallKind, Cover, Role, Verdict } from '../../../core/abi/enums.js';
import { nameHash } from '../../../core/abi/fnv.js';
import { ziriz_call_key, ziriz_egress_key, ziriz_egress_value, ziriz_identity } from '../../../core/abi/structs.js';
import { formatPrefix } from '../../../core/policy/cidr.js';
import { PolicyCapacityError, PolicyDecodeError } from '../../../core/policy/errors.js';
import { callEntries } from '../../../core/policy/kernel/calls.js';
import {
  decodeCallEntry,
  decodeEgressEntry,
  decodeIdentityValue,
  encodeCallEntry,
  encodeEgressEntry,
  encodeIdentityValue,
} from '../../../core/policy/kernel/codec.js';
import { egressEntries, selectorPeerMatches, selectorPeers } from '../../../core/policy/kernel/egress.js';
import { identityValue } from '../../../core/policy/kernel/identity.js';
import type { CallEntry } from '../../../core/policy/kernel/types.js';
import { set } from './helpers.js';

const V = Verdict;

function verdicts(entries: CallEntry[], kind: CallKind): Record<string, number> {
  const out: Record<string, number> = {};
  for (const e of entries.filter((x) => x.kind === kind)) out[e.nameHash === 0n ? '<default>' : e.names.join('|')] = e.verdict;
  return out;
}

describe('policy/kernel: ziriz_calls entries', () => {
  type Row = [comment: string, spec: Record<string, unknown>, kind: CallKind, expected: Record<string, number>];
  const long = 'x'.repeat(70);
  const rows: Row[] = [
    // literal allow/deny, argument constraints need userspace, unlisted names denied
    ['literal names', { mcp: { tools: [{ name: 'a' }, { name: 'b', effect: 'Deny' }, { name: 'c', arguments: { n: { max: 1 } } }] } },
      CallKind.MCP_TOOL, { '<default>': V.DENY, a: V.ALLOW, b: V.DENY, c: V.CHECK }],
    // the same under Audit
    ['audit', { mode: 'Audit', mcp: { tools: [{ name: 'a' }, { name: 'b', effect: 'Deny' }] } },
      CallKind.MCP_TOOL, { '<default>': V.AUDIT, a: V.ALLOW, b: V.AUDIT }],
    // a glob could match any unlisted name: default CHECK; listed names still exact
    ['glob', { mcp: { tools: [{ name: 'get_*' }, { name: 'get_secret', effect: 'Deny' }, { name: 'put' }] } },
      CallKind.MCP_TOOL, { '<default>': V.CHECK, get_secret: V.DENY, put: V.ALLOW }],
    // "*" alone matches every name: default ALLOW, denies exact
    ['allow all but', { mcp: { tools: [{ name: '*' }, { name: 'drop', effect: 'Deny' }] } },
      CallKind.MCP_TOOL, { '<default>': V.ALLOW, drop: V.DENY }],
    // server-scoped allow depends on the server
    ['server scoped', { mcp: { servers: [{ name: 's', host: 'a.b' }], tools: [{ name: 'a', servers: ['s'] }, { name: 'z', effect: 'Deny' }] } },
      CallKind.MCP_TOOL, { '<default>': V.DENY, a: V.CHECK, z: V.DENY }],
    // a deny that holds on every server stays DENY even with a scoped allow
    ['deny beats scoped allow', { mcp: { servers: [{ name: 's', host: 'a.b' }], tools: [{ name: 'a', servers: ['s'] }, { name: 'a', effect: 'Deny' }] } },
      CallKind.MCP_TOOL, { '<default>': V.DENY, a: V.DENY }],
    // names of NAME_HASH_MAX bytes or more are hashed on a prefix: CHECK, collisions grouped
    ['long names', { mcp: { tools: [{ name: `${long}a` }, { name: `${long}b` }, { name: 'x'.repeat(64) }, { name: 'x'.repeat(63) }] } },
      CallKind.MCP_TOOL, { '<default>': V.DENY, [`${long}a|${long}b|${'x'.repeat(64)}`]: V.CHECK, ['x'.repeat(63)]: V.ALLOW }],
    // A2A: a rule covers both spellings of the method
    ['a2a spellings', { a2a: { methods: [{ name: 'message/send' }, { name: 'CancelTask', effect: 'Deny' }] } },
      CallKind.A2A_METHOD, { '<default>': V.DENY, 'message/send': V.ALLOW, SendMessage: V.ALLOW, 'tasks/send': V.ALLOW, 'tasks/cancel': V.DENY, CancelTask: V.DENY }],
    // HTTP: literal routes hashed as "METHOD /path"; query constraints -> CHECK
    ['http literal', { http: { routes: [{ methods: ['GET', 'POST'], paths: ['/api/v2/customers'], query: { limit: { max: 100 } } }, { methods: ['GET'], paths: ['/healthz'] }] } },
      CallKind.HTTP_ROUTE, { '<default>': V.DENY, 'GET /api/v2/customers': V.CHECK, 'POST /api/v2/customers': V.CHECK, 'GET /healthz': V.ALLOW }],
    // HTTP: a path glob makes the default CHECK, literal names still judged with the glob rules
    ['http glob', { http: { routes: [{ methods: ['GET'], paths: ['/api/**'] }, { methods: ['GET'], paths: ['/api/admin'], effect: 'Deny' }] } },
      CallKind.HTTP_ROUTE, { '<default>': V.CHECK, 'GET /api/admin': V.DENY }],
    // HTTP: allow-all is never a kernel ALLOW default (path normalisation happens in userspace)
    ['http allow all', { http: { routes: [{}] } }, CallKind.HTTP_ROUTE, { '<default>': V.CHECK }],
    // HTTP: a percent-encoded literal path has other raw spellings: the default must not deny them
    ['http encoded path', { http: { routes: [{ methods: ['GET'], paths: ['/a%3Ab'] }] } }, CallKind.HTTP_ROUTE, { '<default>': V.CHECK, 'GET /a%3Ab': V.ALLOW }],
    // HTTP: host-scoped route
    ['http host', { http: { routes: [{ hosts: ['api.example.com'], methods: ['GET'], paths: ['/x'] }] } },
      CallKind.HTTP_ROUTE, { '<default>': V.DENY, 'GET /x': V.CHECK }],
  ];
  for (const [comment, spec, kind, expected] of rows) {
    it(comment, () => {
      expect(verdicts(callEntries(set(spec), 7), kind)).to.deep.equal(expected);
    });
  }

  it('emits nothing for categories the set does not cover', () => {
    expect(callEntries(set({ egress: {} }), 1)).to.deep.equal([]);
  });

  it('carries rule ids and the deciding policy\'s action; ALLOW/AUDIT carry no action', () => {
    const s = set({ action: 'Kill', mcp: { tools: [{ name: 'a' }, { name: 'b', effect: 'Deny' }] } });
    const e = callEntries(s, 3);
    const b = e.find((x) => x.names[0] === 'b');
    const a = e.find((x) => x.names[0] === 'a');
    const d = e.find((x) => x.nameHash === 0n);
    expect(b).to.include({ verdict: V.DENY, action: Action.KILL, policyId: 3 });
    expect(s.rules[b?.ruleId ?? 0]?.path).to.equal('spec.mcp.tools[1]');
    expect(a).to.include({ verdict: V.ALLOW, action: 0 });
    expect(s.rules[d?.ruleId ?? 0]?.path).to.equal('spec.mcp');
    expect(a?.nameHash).to.equal(nameHash('a'));
  });

  it('round-trips through bytes (names are not in the map)', () => {
    const s = set({ mcp: { tools: [{ name: 'a' }, { name: 'b*' }] }, a2a: { methods: [{ name: 'message/send' }] }, http: { routes: [{ methods: ['GET'], paths: ['/x'] }] } });
    for (const e of callEntries(s, 0xfffffffe)) {
      const bytes = encodeCallEntry(e);
      expect(bytes.key.length).to.equal(ziriz_call_key.size);
      expect(decodeCallEntry(bytes)).to.deep.equal({ ...e, names: [] });
    }
  });

  const garbage: [string, () => { key: Buffer; value: Buffer }][] = [
    // short key
    ['short key', () => ({ key: Buffer.alloc(8), value: Buffer.alloc(8) })],
    // unknown kind
    ['unknown kind', () => { const b = encodeCallEntry(sample()); b.key.writeUInt16LE(42, 4); return b; }],
    // unknown verdict
    ['unknown verdict', () => { const b = encodeCallEntry(sample()); b.value.writeUInt8(77, 0); return b; }],
    // non-zero padding
    ['padding', () => { const b = encodeCallEntry(sample()); b.key.writeUInt16LE(1, 6); return b; }],
  ];
  function sample(): CallEntry {
    return { policyId: 1, kind: CallKind.MCP_TOOL, nameHash: 5n, verdict: V.ALLOW, action: 0, ruleId: 1, names: [] };
  }
  for (const [what, bytes] of garbage) {
    it(`decoder rejects ${what}`, () => {
      expect(() => decodeCallEntry(bytes())).to.throw(PolicyDecodeError);
    });
  }
});

describe('policy/kernel: ziriz_egress entries', () => {
  const spec = {
    egress: {
      rules: [
        { to: [{ cidr: '10.0.0.0/8' }], ports: [{ port: 443, protocol: 'TCP' }, { port: 8000, endPort: 8100 }] },
        { effect: 'Deny', to: [{ cidr: '10.1.0.0/16' }] },
        { to: [{ cidr: 'fd00::/8' }], ports: [{ port: 443, protocol: 'UDP' }] },
        { to: [{ selector: { matchLabels: { app: 'db' } } }], ports: [{ port: 5432, protocol: 'TCP' }] },
      ],
    },
  };

  it('one entry per distinct prefix, each holding the rules of every prefix containing it', () => {
    const s = set(spec);
    const entries = egressEntries(s, 9);
    const byPrefix = Object.fromEntries(entries.map((e) => [formatPrefix(e.prefix), e.rules.map((r) => [r.portLo, r.portHi, r.proto, r.verdict])]));
    expect(byPrefix).to.deep.equal({
      '10.0.0.0/8': [[443, 443, 6, V.ALLOW], [8000, 8100, 0, V.ALLOW]],
      '10.1.0.0/16': [[443, 443, 6, V.ALLOW], [8000, 8100, 0, V.ALLOW], [0, 65535, 0, V.DENY]],
      '127.0.0.0/8': [[0, 65535, 0, V.ALLOW]],
      '::1/128': [[0, 65535, 0, V.ALLOW]],
      'fd00::/8': [[443, 443, 17, V.ALLOW]],
    });
  });

  it('pod-selector peers become host prefixes from the IPs the node agent resolves', () => {
    const s = set(spec);
    const peers = selectorPeers(s);
    expect(peers.map((p) => p.path)).to.deep.equal(['spec.egress.rules[3].to[0]']);
    const peer = peers[0]!;
    expect(selectorPeerMatches(peer, { namespace: 'ns', labels: { app: 'db', x: 'y' } })).to.equal(true);
    expect(selectorPeerMatches(peer, { namespace: 'other', labels: { app: 'db' } })).to.equal(false);
    expect(selectorPeerMatches(peer, { namespace: 'ns', labels: { app: 'web' } })).to.equal(false);
    const entries = egressEntries(s, 9, () => ['10.1.2.3', '10.244.0.7', 'fd00::5']);
    const byPrefix = Object.fromEntries(entries.map((e) => [formatPrefix(e.prefix), e.rules.length]));
    // 10.1.2.3 lies in 10.0.0.0/8 and 10.1.0.0/16: their 3 rules + its own.
    expect(byPrefix['10.1.2.3/32']).to.equal(4);
    expect(byPrefix['10.244.0.7/32']).to.equal(3);
    expect(byPrefix['fd00::5/128']).to.equal(2);
  });

  it('Audit rules: deny -> AUDIT; an Audit allow is dropped when an Enforce policy covers egress', () => {
    const s = set(
      { egress: { rules: [{ to: [{ cidr: '10.0.0.0/8' }] }] } },
      { mode: 'Audit', egress: { rules: [{ to: [{ cidr: '192.168.0.0/16' }] }, { effect: 'Deny', to: [{ cidr: '10.9.0.0/16' }] }] } },
    );
    const byPrefix = Object.fromEntries(egressEntries(s, 1).map((e) => [formatPrefix(e.prefix), e.rules.map((r) => r.verdict)]));
    expect(byPrefix['192.168.0.0/16']).to.deep.equal([]);
    expect(byPrefix['10.9.0.0/16']).to.deep.equal([V.ALLOW, V.AUDIT]);
  });

  it('more than ZIRIZ_EGRESS_PORT_RULES rules on one prefix is a compile error naming the policies', () => {
    const ports = Array.from({ length: 5 }, (_, i) => ({ port: 1000 + i }));
    const ok = { egress: { rules: [{ to: [{ cidr: '10.0.0.0/8' }], ports }] } };
    const nested = { egress: { rules: [{ to: [{ cidr: '10.1.0.0/16' }], ports: ports.map((p) => ({ port: p.port + 1000 })) }] } };
    // identical port rules are merged, so they do not count twice
    expect(() => set(ok, { egress: { rules: [{ to: [{ cidr: '10.1.0.0/16' }], ports }] } })).not.to.throw();
    expect(() => set(ok)).not.to.throw();
    expect(() => set(ok, nested)).to.throw(PolicyCapacityError).that.satisfies((e: PolicyCapacityError) => {
      expect(e.code).to.equal('E_POLICY_CAPACITY');
      expect(e.policies).to.deep.equal(['ns/p0', 'ns/p1']);
      expect(e.message).to.match(/10\.1\.0\.0\/16.*10 port rules/);
      return true;
    });
  });

  it('round-trips through bytes', () => {
    const s = set(spec);
    for (const e of egressEntries(s, 12345, () => ['10.244.0.7', 'fd00::5'])) {
      const bytes = encodeEgressEntry(e);
      expect(bytes.key.length).to.equal(ziriz_egress_key.size);
      expect(bytes.value.length).to.equal(ziriz_egress_value.size);
      expect(bytes.key.readUInt32LE(0)).to.equal(64 + e.prefix.len);
      expect(decodeEgressEntry(bytes)).to.deep.equal(e);
    }
  });

  it('decoder rejects bad family, prefix length, host bits and counts', () => {
    const good = encodeEgressEntry(egressEntries(set(spec), 1)[0] ?? { policyId: 1, prefix: { family: 4, addr: new Uint8Array(4), len: 0 }, rules: [] });
    const mutate = (f: (b: { key: Buffer; value: Buffer }) => void): { key: Buffer; value: Buffer } => {
      const b = { key: Buffer.from(good.key), value: Buffer.from(good.value) };
      f(b);
      return b;
    };
    expect(() => decodeEgressEntry(mutate((b) => b.key.writeUInt32LE(3, 8)))).to.throw(PolicyDecodeError, /family/);
    expect(() => decodeEgressEntry(mutate((b) => b.key.writeUInt32LE(64 + 33, 0)))).to.throw(PolicyDecodeError, /prefixlen/);
    expect(() => decodeEgressEntry(mutate((b) => b.key.writeUInt8(1, 15)))).to.throw(PolicyDecodeError, /host bits/);
    expect(() => decodeEgressEntry(mutate((b) => b.value.writeUInt32LE(9, 0)))).to.throw(PolicyDecodeError, /count/);
  });
});

describe('policy/kernel: ziriz_identity value', () => {
  it('cover bits per layer and the set action; exec/file never get default-deny bits', () => {
    const s = set(
      { action: 'Kill', mcp: {}, egress: {}, process: { deny: [{ name: 'sh' }] } },
      { mode: 'Audit', http: {}, mcp: {} },
    );
    const v = identityValue(s, { identityId: 5, policyId: 6, role: Role.AGENT });
    expect(v).to.deep.equal({ identityId: 5, policyId: 6, coverEnforce: Cover.MCP | Cover.EGRESS | Cover.VISIBLE, coverAudit: Cover.HTTP, role: Role.AGENT, action: Action.KILL });
    const bytes = encodeIdentityValue(v);
    expect(bytes.length).to.equal(ziriz_identity.size);
    expect(decodeIdentityValue(bytes)).to.deep.equal(v);
    expect(() => decodeIdentityValue(Buffer.alloc(3))).to.throw(PolicyDecodeError);
  });
});
