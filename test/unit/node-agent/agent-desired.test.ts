import { expect } from 'chai';
import { Cover } from '../../../core/abi/enums.js';
import { decodeIdentityValue } from '../../../core/policy/kernel/codec.js';
import { parseAgentPolicy } from '../../../core/policy/parse.js';
import type { AgentPolicy } from '../../../core/policy/model.js';
import { desiredKernel, type DesiredInput } from '../../../node-agent/src/agent/desired.js';
import { DENY_ALL_POLICY_ID, IdAllocator } from '../../../node-agent/src/agent/ids.js';
import { desiredMaps } from '../../../node-agent/src/agent/kernel.js';
import { planSync } from '../../../node-agent/src/agent/map-sync.js';
import type { PodFacts, PodResolution } from '../../../node-agent/src/agent/model.js';

function facts(name: string, over: Partial<PodFacts> = {}): PodFacts {
  return {
    uid: `00000000-0000-0000-0000-${name.padStart(12, '0').slice(-12)}`,
    namespace: 'payments', name, labels: { app: 'agent', 'ziriz.io/role': 'agent' }, annotations: {},
    serviceAccount: 'ai-agent-prod', podIPs: ['10.244.0.7'], hostNetwork: false, terminal: false, containerNames: {}, protectedCondition: null, ...over,
  };
}

function resolution(podId: bigint, ctr: bigint[] = [], veth = 7): PodResolution {
  return {
    podCgroup: { path: `/cg/pod${podId}`, id: podId },
    containers: ctr.map((id) => ({ path: `/cg/pod${podId}/${id}`, id, containerId: `c${id}` })),
    pids: [100],
    veths: [{ ifindex: veth, name: `veth${veth}` }],
  };
}

function policy(name: string, spec: Record<string, unknown>): AgentPolicy {
  return parseAgentPolicy({ apiVersion: 'ziriz.io/v1alpha1', kind: 'AgentPolicy', metadata: { name, namespace: 'payments' }, spec: { selector: { matchLabels: { app: 'agent' } }, ...spec } });
}

const egressPolicy = policy('egress', { egress: { rules: [{ effect: 'Allow', to: [{ cidr: '10.244.0.0/24' }], ports: [{ port: 443 }] }] } });

function input(pods: DesiredInput['pods'], policies: AgentPolicy[] = [egressPolicy]): DesiredInput {
  return {
    pods, policies, peers: [], ownNamespace: 'ziriz-system', namespaceLabels: () => ({}),
    ids: { policy: new IdAllocator(), identity: new IdAllocator() },
  };
}

describe('node agent: desired kernel state', () => {
  it('keys the pod cgroup and every container cgroup with the same identity; one policy set for equal sets', () => {
    const d = desiredKernel(input([
      { facts: facts('a'), resolution: resolution(11n, [12n, 13n], 7) },
      { facts: facts('b', { podIPs: ['10.244.0.8'] }), resolution: resolution(21n, [22n], 8) },
    ]));
    expect([...d.identities.keys()].sort()).to.deep.equal(['11', '12', '13', '21', '22']);
    const a = decodeIdentityValue(d.identities.get('11')!);
    const b = decodeIdentityValue(d.identities.get('21')!);
    expect(a.identityId).to.not.equal(b.identityId); // per pod: records name the exact pod
    expect(a.policyId).to.equal(b.policyId); // same compiled set
    expect(a.coverEnforce & Cover.EGRESS).to.equal(Cover.EGRESS);
    expect(d.sets.size).to.equal(1);
    expect(d.egress.size).to.be.greaterThan(0);
    expect([...d.tc.keys()].sort()).to.deep.equal([7, 8]);
    expect(d.podIps.size).to.equal(2);
    expect(d.podUids.size).to.equal(2);
  });

  it('fails closed when the selecting policies do not compile: everything covered denied, reason kept', () => {
    const broken = { ...egressPolicy, spec: { ...egressPolicy.spec, egress: { rules: [{ effect: 'Allow' as const, to: [{ cidr: 'zz', namespaces: [] }], ports: [] }] } } };
    const d = desiredKernel(input([{ facts: facts('a'), resolution: resolution(11n) }], [broken]));
    const plan = [...d.plans.values()][0]!;
    expect(plan.error).to.be.a('string');
    const v = decodeIdentityValue(d.identities.get('11')!);
    expect(v.policyId).to.equal(DENY_ALL_POLICY_ID);
    expect(v.coverEnforce & (Cover.EGRESS | Cover.MCP | Cover.HTTP)).to.equal(Cover.EGRESS | Cover.MCP | Cover.HTTP);
    expect(d.egress.size).to.equal(0);
  });

  // Rows: pods that get no kernel state.
  const untouched: [string, PodFacts][] = [
    ['out of scope', facts('x', { labels: { app: 'other' } })],
    ['terminal', facts('y', { terminal: true })],
    ['in ziriz-system', facts('z', { namespace: 'ziriz-system' })],
  ];
  for (const [what, f] of untouched) {
    it(`leaves a pod ${what} out`, () => {
      expect(desiredKernel(input([{ facts: f, resolution: resolution(31n) }])).identities.size).to.equal(0);
    });
  }

  it('needs no TC filter for hostNetwork pods, and none without egress rules', () => {
    const host = desiredKernel(input([{ facts: facts('h', { hostNetwork: true, podIPs: [] }), resolution: resolution(41n) }]));
    expect(host.tc.size).to.equal(0);
    expect([...host.plans.values()][0]!.needs).to.deep.equal(['egress-cgroup']);
    const mcpOnly = desiredKernel(input([{ facts: facts('m'), resolution: resolution(51n) }], [policy('mcp', { mcp: { tools: [{ name: 'get_customer', effect: 'Allow' }] } })]));
    expect(mcpOnly.tc.size).to.equal(0);
    expect([...mcpOnly.plans.values()][0]!.needs).to.deep.equal(['tls-uprobes', 'exec-hold', 'fork-hold']);
  });

  it('resolves egress peers named by selector into host prefixes', () => {
    const byPeer = policy('peer', { egress: { rules: [{ effect: 'Allow', to: [{ selector: { matchLabels: { app: 'db' } } }] }] } });
    const i = input([{ facts: facts('a'), resolution: resolution(11n) }], [byPeer]);
    const d = desiredKernel({ ...i, peers: [{ namespace: 'payments', labels: { app: 'db' }, podIPs: ['10.244.0.99'] }] });
    const keys = [...d.egress.values()].map((e) => e.key.subarray(12, 16).join('.'));
    expect(keys).to.include('10.244.0.99');
  });

  it('is deterministic: the same input gives the same bytes', () => {
    const mk = (): ReturnType<typeof desiredKernel> => desiredKernel(input([{ facts: facts('a'), resolution: resolution(11n, [12n]) }]));
    const [x, y] = [mk(), mk()];
    expect([...x.identities.entries()].map(([k, v]) => k + v.toString('hex'))).to.deep.equal([...y.identities.entries()].map(([k, v]) => k + v.toString('hex')));
    expect([...x.egress.keys()]).to.deep.equal([...y.egress.keys()]);
  });

  it('is idempotent against the kernel: a second apply of the same state writes and removes nothing in any map', () => {
    const mcp = policy('tools', { mcp: { tools: [{ name: 'get_customer', effect: 'Allow' }] } });
    const d = desiredKernel(input([
      { facts: facts('a'), resolution: resolution(11n, [12n]) },
      { facts: facts('b', { podIPs: ['10.244.0.8'] }), resolution: resolution(21n, [22n], 8) },
    ], [egressPolicy, mcp]));
    const live = new Set([...d.plans.values()].map((p) => p.identityId));
    const maps = desiredMaps(d, live);
    expect(maps.map(([name]) => name)).to.deep.equal(['ziriz_egress', 'ziriz_calls', 'ziriz_pod_ips', 'ziriz_pod_uids', 'ziriz_identity']);
    for (const [name, desired, keep] of maps) {
      expect(desired.size, name).to.be.greaterThan(0);
      // What the kernel holds after the first apply, read back the way readMap keys it.
      const kernel = new Map([...desired.values()].map((e) => [e.key.toString('hex'), Buffer.from(e.value)] as const));
      const again = planSync(kernel, desired, keep);
      expect({ name, upserts: again.upserts.length, removals: again.removals.length }).to.deep.equal({ name, upserts: 0, removals: 0 });
    }
  });
});
