import { expect } from 'chai';
import { parseAgentPolicy } from '../../../core/policy/parse.js';
import { desiredKernel } from '../../../node-agent/src/agent/desired.js';
import { IdAllocator } from '../../../node-agent/src/agent/ids.js';
import { isWaiting, protectionOf } from '../../../node-agent/src/agent/protection.js';
import type { PodIdentity } from '../../../node-agent/src/report/types.js';

const pod: PodIdentity = { namespace: 'payments', pod: 'a-0', uid: 'u1', serviceAccount: 'sa', owner: 'Deployment/a', identity: 'i', role: 'agent', node: 'n' };

function plan(spec: Record<string, unknown>, cgroup = true): ReturnType<typeof desiredKernel>['plans'] extends Map<string, infer P> ? P : never {
  const d = desiredKernel({
    pods: [{
      facts: { uid: 'u1', namespace: 'payments', name: 'a-0', labels: { app: 'a', 'ziriz.io/role': 'agent' }, annotations: {}, serviceAccount: 'sa', podIPs: ['10.244.0.5'], hostNetwork: false, terminal: false, containerNames: {}, protectedCondition: null },
      resolution: { podCgroup: cgroup ? { path: '/x', id: 5n } : null, containers: [], pids: [1], veths: [{ ifindex: 9, name: 'veth9' }] },
    }],
    policies: [parseAgentPolicy({ apiVersion: 'ziriz.io/v1alpha1', kind: 'AgentPolicy', metadata: { name: 'p', namespace: 'payments' }, spec: { selector: { matchLabels: { app: 'a' } }, ...spec } })],
    peers: [], ownNamespace: 'ziriz-system', namespaceLabels: () => ({}), ids: { policy: new IdAllocator(), identity: new IdAllocator() },
  });
  const p = d.plans.get('u1');
  if (!p) throw new Error('no plan');
  return p;
}

const noLsm = { hook: 'lsm-file-exec-socket' as const, why: 'LSM BPF programs do not load on this kernel (lockdown or no BPF trampolines)' };

describe('node agent: protection condition', () => {
  it('is True with every needed hook attached, naming them', () => {
    const p = protectionOf(plan({ egress: { rules: [{ effect: 'Allow', to: [{ cidr: '10.0.0.0/8' }] }] } }), pod, {
      attached: new Set(['egress-cgroup', 'egress-tc']), degraded: [noLsm], tcInPlace: new Set([9]), probedPods: new Set(),
    });
    expect(p).to.include({ protected: true, reason: 'ProtectionAttached' });
    expect(p.attached).to.deep.equal(['egress-cgroup', 'egress-tc']);
  });

  it('is False (HooksDegraded) when the policy needs LSM and the kernel lacks it, naming the substitute in force', () => {
    const p = protectionOf(plan({ process: { deny: [{ name: 'curl' }] }, files: { deny: ['/var/run/secrets'] } }), pod, {
      attached: new Set(['egress-cgroup', 'exec-kill']), degraded: [noLsm], tcInPlace: new Set(), probedPods: new Set(),
    });
    expect(p).to.include({ protected: false, reason: 'HooksDegraded' });
    expect(p.degraded[0]?.hook).to.equal('lsm-file-exec-socket');
    expect(p.degraded[0]?.why).to.include('LSM BPF programs do not load');
    expect(p.degraded[0]?.substitute).to.include('process.deny enforced by killing at exec');
  });

  it('waits for the TC filter and the per-process probes', () => {
    const hooks = { attached: new Set(['egress-cgroup', 'egress-tc', 'tls-uprobes', 'exec-hold', 'fork-hold'] as const), degraded: [], tcInPlace: new Set<number>(), probedPods: new Set<string>() };
    const p = protectionOf(plan({ egress: { rules: [{ effect: 'Allow', to: [{ cidr: '10.0.0.0/8' }] }] }, mcp: { tools: [{ name: 'x', effect: 'Allow' }] } }), pod, hooks);
    expect(p.protected).to.equal(false);
    expect(p.degraded.map((d) => d.hook).sort()).to.deep.equal(['egress-tc', 'tls-uprobes']);
  });

  it('is False (HooksDegraded) when a program of a hook it needs did not load, naming the program and what is not enforced', () => {
    // As NodeKernel reports a failed program: its hook is not attached, and degraded with why.
    const notLoaded = { hook: 'tls-uprobes' as const, why: 'ziriz_libc_write not loaded (load: Argument list too long [E2BIG]): plaintext MCP/A2A/HTTP calls (libc write/send) not enforced' };
    const hooks = { attached: new Set(['egress-cgroup', 'exec-hold', 'fork-hold'] as const), degraded: [notLoaded], tcInPlace: new Set<number>(), probedPods: new Set<string>(['u1']) };
    const p = protectionOf(plan({ mcp: { tools: [{ name: 'x', effect: 'Allow' }] } }), pod, hooks);
    expect(p).to.include({ protected: false, reason: 'HooksDegraded' });
    expect(p.degraded).to.deep.equal([notLoaded]);
    expect(p.attached).to.deep.equal(['exec-hold', 'fork-hold']);
  });

  it('needs the exec hold with the probes: without it a new process runs unprobed, so the pod is not protected', () => {
    const hooks = { attached: new Set(['tls-uprobes', 'fork-hold'] as const), degraded: [{ hook: 'exec-hold' as const, why: 'ziriz_sched_exec not loaded' }], tcInPlace: new Set<number>(), probedPods: new Set<string>(['u1']) };
    const p = protectionOf(plan({ mcp: { tools: [{ name: 'x', effect: 'Allow' }] } }), pod, hooks);
    expect(p).to.include({ protected: false, reason: 'HooksDegraded' });
    expect(p.degraded.map((d) => d.hook)).to.deep.equal(['exec-hold']);
  });

  it('needs the fork hold with the probes: before 6.13 a forked child runs unprobed, so the pod is not protected', () => {
    const hooks = { attached: new Set(['tls-uprobes', 'exec-hold'] as const), degraded: [{ hook: 'fork-hold' as const, why: 'ziriz_fork_hold not loaded (load: EINVAL)' }], tcInPlace: new Set<number>(), probedPods: new Set<string>(['u1']) };
    const p = protectionOf(plan({ mcp: { tools: [{ name: 'x', effect: 'Allow' }] } }), pod, hooks);
    expect(p).to.include({ protected: false, reason: 'HooksDegraded' });
    expect(p.degraded.map((d) => d.hook)).to.deep.equal(['fork-hold']);
  });

  it('names no substitute that is not in force: process.deny without LSM and without the exec-kill program is not enforced', () => {
    const p = protectionOf(plan({ process: { deny: [{ name: 'curl' }] } }), pod, {
      attached: new Set(['egress-cgroup']), degraded: [noLsm, { hook: 'exec-kill', why: 'ziriz_exec_deny not loaded' }], tcInPlace: new Set(), probedPods: new Set(),
    });
    expect(p).to.include({ protected: false, reason: 'HooksDegraded' });
    expect(p.degraded[0]?.substitute).to.include('process.deny not enforced');
    expect(p.degraded[0]?.substitute).not.to.include('killing at exec');
  });

  it('is False with CgroupNotFound before the pod runs here', () => {
    const p = protectionOf(plan({ egress: { rules: [] } }, false), pod, { attached: new Set(), degraded: [], tcInPlace: new Set(), probedPods: new Set() });
    expect(p).to.include({ protected: false, reason: 'CgroupNotFound' });
  });

  it('counts as waiting (look again soon) only for what comes by itself: cgroup, TC filter, probes; not a hook the node lacks', () => {
    const egress = { egress: { rules: [{ effect: 'Allow', to: [{ cidr: '10.0.0.0/8' }] }] } };
    const all = { attached: new Set(['egress-cgroup', 'egress-tc', 'tls-uprobes'] as const), degraded: [], tcInPlace: new Set<number>([9]), probedPods: new Set<string>(['u1']) };
    expect(isWaiting(plan(egress, false), all)).to.equal(true);
    expect(isWaiting(plan(egress), all)).to.equal(false);
    expect(isWaiting(plan(egress), { ...all, tcInPlace: new Set<number>() })).to.equal(true);
    expect(isWaiting(plan({ ...egress, mcp: { tools: [{ name: 'x', effect: 'Allow' }] } }), { ...all, probedPods: new Set<string>() })).to.equal(true);
    // LSM missing on this kernel: degraded for good, nothing to wait for.
    expect(isWaiting(plan({ process: { deny: [{ name: 'curl' }] } }), { ...all, degraded: [noLsm] })).to.equal(false);
    // TC not attached node-wide (e.g. no clsact): not waiting either.
    expect(isWaiting(plan(egress), { ...all, attached: new Set(['egress-cgroup'] as const), tcInPlace: new Set<number>() })).to.equal(false);
  });
});
