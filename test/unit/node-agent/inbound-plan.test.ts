import { expect } from 'chai';
import { decodeStruct } from '../../../core/abi/codec.js';
import { CallKind, Cover, Role, Verdict } from '../../../core/abi/enums.js';
import { nameHash } from '../../../core/abi/fnv.js';
import { ziriz_ip_key } from '../../../core/abi/structs.js';
import { decodeCallEntry, decodeIdentityValue } from '../../../core/policy/kernel/codec.js';
import type { AgentPolicy } from '../../../core/policy/model.js';
import { parseAgentPolicy } from '../../../core/policy/parse.js';
import { desiredKernel, probeWants, type DesiredInput, type DesiredKernel, type PodPlan } from '../../../node-agent/src/agent/desired.js';
import { IdAllocator } from '../../../node-agent/src/agent/ids.js';
import type { PodFacts, PodResolution } from '../../../node-agent/src/agent/model.js';
import { PROBED_FUNCTIONS, probeTargets } from '../../../node-agent/src/calls/targets.js';
import { set } from '../policy/helpers.js';

function facts(name: string, over: Partial<PodFacts> = {}): PodFacts {
  return {
    uid: `00000000-0000-0000-0000-${name.padStart(12, '0').slice(-12)}`,
    namespace: 'payments', name, labels: { app: 'customers' }, annotations: {},
    serviceAccount: 'default', podIPs: ['10.244.0.7'], hostNetwork: false, terminal: false, containerNames: {}, protectedCondition: null, ...over,
  };
}

function resolution(podId: bigint): PodResolution {
  return { podCgroup: { path: `/cg/pod${podId}`, id: podId }, containers: [], pids: [], veths: [{ ifindex: Number(podId), name: `veth${podId}` }] };
}

function policy(name: string, app: string, spec: Record<string, unknown>): AgentPolicy {
  return parseAgentPolicy({ apiVersion: 'ziriz.io/v1alpha1', kind: 'AgentPolicy', metadata: { name, namespace: 'payments' }, spec: { selector: { matchLabels: { app } }, ...spec } });
}

function input(pods: DesiredInput['pods'], policies: AgentPolicy[]): DesiredInput {
  return { pods, policies, peers: [], ownNamespace: 'ziriz-system', namespaceLabels: () => ({}), ids: { policy: new IdAllocator(), identity: new IdAllocator() } };
}

/** What customers-0 serves, to callers ziriz does not protect. */
const INBOUND = policy('customers-inbound', 'customers', {
  inbound: {
    callers: [{ name: 'office', cidr: '192.168.0.0/16' }],
    mcp: { tools: [{ name: 'get_customer' }, { name: 'export_customers', callers: ['office'] }, { name: 'delete_customer', effect: 'Deny' }] },
    a2a: { methods: [{ name: 'tasks/get' }] },
    http: { routes: [{ methods: ['GET'], paths: ['/healthz'] }] },
  },
});

/** Outbound rules for another pod (an agent). */
const OUTBOUND = policy('agent-tools', 'agent', { mcp: { tools: [{ name: 'search' }] }, http: { routes: [{ methods: ['GET'], paths: ['/x'] }] } });

function onlyPlan(d: DesiredKernel): PodPlan {
  expect(d.plans.size).to.equal(1);
  const plan = [...d.plans.values()][0];
  if (plan === undefined) throw new Error('no plan');
  return plan;
}

function ipsOf(d: DesiredKernel): string[] {
  return [...d.podIps.values()].map((e) => {
    const k = decodeStruct(ziriz_ip_key, e.key);
    return [...(k.addr as Buffer).subarray(0, 4)].join('.');
  }).sort();
}

describe('node agent: plans of servers with inbound rules', () => {
  describe('desiredKernel with a server selected by an inbound-only policy', () => {
    const d = desiredKernel(input([{ facts: facts('customers-0'), resolution: resolution(11n) }], [INBOUND]));
    const plan = onlyPlan(d);

    it('is an MCP server that needs the TLS probes (and the exec hold that attaches them) and nothing else', () => {
      expect(plan.role).to.equal('mcp-server');
      expect(plan.error).to.equal(undefined);
      expect(plan.needs).to.deep.equal(['tls-uprobes', 'exec-hold', 'fork-hold']);
      expect(d.tc.size, 'no egress rules: no TC filter').to.equal(0);
      expect(d.egress.size).to.equal(0);
    });

    it('writes an identity with the inbound cover bits only, role MCP_SERVER', () => {
      const v = decodeIdentityValue(d.identities.get('11') ?? Buffer.alloc(0));
      expect(v.role).to.equal(Role.MCP_SERVER);
      expect(v.policyId).to.equal(plan.policyId);
      expect(v.coverEnforce).to.equal(Cover.IN_MCP | Cover.IN_A2A | Cover.IN_HTTP);
      expect(v.coverAudit).to.equal(0);
      expect(v.coverEnforce & (Cover.EGRESS | Cover.MCP | Cover.A2A | Cover.HTTP)).to.equal(0);
    });

    it('puts inbound call entries (kinds 7, 8, 9) under the pod\'s policy id, and no outbound ones', () => {
      const entries = [...d.calls.values()].map(decodeCallEntry);
      expect(entries.length).to.be.greaterThan(0);
      expect(new Set(entries.map((e) => e.policyId))).to.deep.equal(new Set([plan.policyId]));
      expect([...new Set(entries.map((e) => e.kind))].sort()).to.deep.equal([CallKind.IN_MCP_TOOL, CallKind.IN_A2A_METHOD, CallKind.IN_HTTP_ROUTE]);
      expect([7, 8, 9]).to.deep.equal([CallKind.IN_MCP_TOOL, CallKind.IN_A2A_METHOD, CallKind.IN_HTTP_ROUTE]);
    });

    it('judges tool names in the kernel as the inbound rules say', () => {
      const entries = [...d.calls.values()].map(decodeCallEntry).filter((e) => e.kind === CallKind.IN_MCP_TOOL);
      const verdict = (hash: bigint): number | undefined => entries.find((e) => e.nameHash === hash)?.verdict;
      expect(verdict(0n), 'default').to.equal(Verdict.DENY);
      expect(verdict(nameHash('get_customer')), 'any caller').to.equal(Verdict.ALLOW);
      expect(verdict(nameHash('export_customers')), 'office only: depends on the caller').to.equal(Verdict.CHECK);
      expect(verdict(nameHash('delete_customer'))).to.equal(Verdict.DENY);
    });

    it('probes the receiving side only', () => {
      expect(probeWants(plan.set)).to.deep.equal({ outbound: false, inbound: true });
    });
  });

  it('a pod with outbound and inbound rules is an agent with both kinds of entries under one policy id', () => {
    const both = policy('both', 'customers', { mcp: { tools: [{ name: 'search' }] } });
    const d = desiredKernel(input([{ facts: facts('customers-0'), resolution: resolution(11n) }], [INBOUND, both]));
    const plan = onlyPlan(d);
    expect(plan.role).to.equal('agent');
    const v = decodeIdentityValue(d.identities.get('11') ?? Buffer.alloc(0));
    expect(v.coverEnforce).to.equal(Cover.MCP | Cover.VISIBLE | Cover.IN_MCP | Cover.IN_A2A | Cover.IN_HTTP);
    const entries = [...d.calls.values()].map(decodeCallEntry);
    expect([...new Set(entries.map((e) => e.kind))].sort()).to.deep.equal([CallKind.MCP_TOOL, CallKind.IN_MCP_TOOL, CallKind.IN_A2A_METHOD, CallKind.IN_HTTP_ROUTE]);
    // the outbound rule is not an inbound one, and the other way round
    const has = (kind: CallKind, tool: string): boolean => entries.some((e) => e.kind === kind && e.nameHash === nameHash(tool));
    expect(has(CallKind.MCP_TOOL, 'search')).to.equal(true);
    expect(has(CallKind.IN_MCP_TOOL, 'search')).to.equal(false);
    expect(has(CallKind.IN_MCP_TOOL, 'get_customer')).to.equal(true);
    expect(has(CallKind.MCP_TOOL, 'get_customer')).to.equal(false);
    expect(probeWants(plan.set)).to.deep.equal({ outbound: true, inbound: true });
  });

  describe('probeWants', () => {
    const rows: [what: string, spec: Record<string, unknown> | null, want: { outbound: boolean; inbound: boolean }][] = [
      ['mcp outbound only', { mcp: { tools: [{ name: 'a' }] } }, { outbound: true, inbound: false }],
      ['a2a outbound only', { a2a: { methods: [{ name: 'tasks/get' }] } }, { outbound: true, inbound: false }],
      ['http outbound only, audited', { mode: 'Audit', http: { routes: [{}] } }, { outbound: true, inbound: false }],
      ['inbound only', { inbound: { http: { routes: [{}] } } }, { outbound: false, inbound: true }],
      ['inbound only, audited', { mode: 'Audit', inbound: { mcp: { tools: [] } } }, { outbound: false, inbound: true }],
      ['both', { mcp: { tools: [] }, inbound: { mcp: { tools: [] } } }, { outbound: true, inbound: true }],
      ['egress only: no probes', { egress: { rules: [] } }, { outbound: false, inbound: false }],
      ['process only: no probes', { process: { deny: [{ path: '/bin/sh' }] } }, { outbound: false, inbound: false }],
      ['policies that do not compile (null): no probes', null, { outbound: false, inbound: false }],
    ];
    for (const [what, spec, want] of rows) {
      it(what, () => {
        expect(probeWants(spec === null ? null : set(spec))).to.deep.equal(want);
      });
    }
  });

  it('writes the IPs of a normal pod to ziriz_pod_ips, not those of a host-network pod (they are the node\'s)', () => {
    const d = desiredKernel(input([
      { facts: facts('customers-0', { podIPs: ['10.244.0.7'] }), resolution: resolution(11n) },
      { facts: facts('node-mcp', { hostNetwork: true, podIPs: ['172.18.0.2'] }), resolution: resolution(21n) },
      { facts: facts('agent-0', { labels: { app: 'agent' }, podIPs: ['10.244.0.8'] }), resolution: resolution(31n) },
    ], [INBOUND, OUTBOUND]));
    expect(d.plans.size).to.equal(3);
    expect(ipsOf(d)).to.deep.equal(['10.244.0.7', '10.244.0.8']);
    // the host-network pod is still protected: identity by uid and cgroup
    expect(d.podUids.size).to.equal(3);
    expect(d.identities.has('21')).to.equal(true);
  });

  describe('probed functions', () => {
    const all = Object.values(PROBED_FUNCTIONS).flat();

    it('every inbound program is a ziriz_recv program, and no outbound one is (the probe manager picks the object by prefix)', () => {
      const inbound = all.filter((f) => f.side === 'inbound');
      const outbound = all.filter((f) => f.side === 'outbound');
      expect(inbound.length).to.be.greaterThan(0);
      expect(outbound.length).to.be.greaterThan(0);
      for (const f of inbound) expect(f.program, f.symbol).to.match(/^ziriz_recv/);
      for (const f of outbound) expect(f.program, f.symbol).to.not.match(/^ziriz_recv/);
    });

    it('SSL_read and SSL_read_ex (and, for plaintext servers, read/recv/recvfrom) have an entry probe and a return probe; only they have return probes', () => {
      const ret = all.filter((f) => f.retprobe === true);
      expect(ret.map((f) => `${f.symbol}:${f.program}`).sort()).to.deep.equal([
        'SSL_read:ziriz_recv_ssl_read_ret', 'SSL_read_ex:ziriz_recv_ssl_read_ex_ret',
        'read:ziriz_recv_plain_read_ret', 'recv:ziriz_recv_plain_read_ret', 'recvfrom:ziriz_recv_plain_read_ret',
      ]);
      expect(ret.filter((f) => f.program.startsWith('ziriz_recv_plain')).every((f) => f.plaintext === true)).to.equal(true);
      for (const sym of ['SSL_read', 'SSL_read_ex']) {
        expect(PROBED_FUNCTIONS.openssl.filter((f) => f.symbol === sym && f.retprobe !== true), sym).to.have.length(1);
      }
      // SSL_free ends a connection's judged state on both sides, each with its side's program.
      expect(PROBED_FUNCTIONS.openssl.filter((f) => f.symbol === 'SSL_free').map((f) => `${f.side}:${f.program}`)).to.deep.equal(['outbound:ziriz_ssl_free', 'inbound:ziriz_recv_ssl_free']);
    });

    it('the libc reads naming the caller are inbound, the writes outbound; plaintext probes switch reads from naming to judging', () => {
      const side = (sym: string): string[] => [...new Set(PROBED_FUNCTIONS.libc.filter((f) => f.symbol === sym).map((f) => f.side))];
      for (const sym of ['read', 'recv', 'recvfrom', 'recvmsg', 'readv']) expect(side(sym), sym).to.deep.equal(['inbound']);
      for (const sym of ['write', 'send', 'sendto', 'writev']) expect(side(sym), sym).to.deep.equal(['outbound']);
      const reads = (plaintext: boolean): string[] => probeTargets(process.pid, { outbound: false, inbound: true }, plaintext).filter((t) => t.symbol === 'read').map((t) => t.program).sort();
      expect(reads(false)).to.deep.equal(['ziriz_recv_sock_read']);
      expect(reads(true)).to.deep.equal(['ziriz_recv_plain_read', 'ziriz_recv_plain_read_ret']);
      const sends = (plaintext: boolean): number => probeTargets(process.pid, { outbound: true, inbound: false }, plaintext).filter((t) => t.symbol === 'write').length;
      expect(sends(true)).to.equal(1);
      expect(sends(false)).to.equal(0);
    });

    it('probeTargets gives the sides asked for (this process: its executable is probed for OpenSSL)', () => {
      const programs = (want: { outbound: boolean; inbound: boolean }): string[] => probeTargets(process.pid, want).map((t) => t.program);
      expect(programs({ outbound: false, inbound: false })).to.deep.equal([]);
      const inbound = programs({ outbound: false, inbound: true });
      expect(inbound).to.include('ziriz_recv_ssl_read_ret');
      expect(inbound.filter((p) => !p.startsWith('ziriz_recv'))).to.deep.equal([]);
      const outbound = probeTargets(process.pid);
      expect(outbound.map((t) => t.program)).to.include('ziriz_ssl_write');
      expect(outbound.filter((t) => t.program.startsWith('ziriz_recv') || t.retprobe === true)).to.deep.equal([]);
      const both = programs({ outbound: true, inbound: true });
      expect(both.length).to.equal(inbound.length + outbound.length);
      // return probes keep their flag
      expect(probeTargets(process.pid, { outbound: false, inbound: true }).filter((t) => t.retprobe === true).map((t) => t.symbol)).to.include('SSL_read');
    });
  });
});
