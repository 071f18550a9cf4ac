/**
 * Honest degradation with the agent's own loader in the real kernel: a
 * program that does not load takes its hook out of the attached set (even
 * when other programs of that hook loaded), and the hook is reported
 * degraded naming the program, the kernel's error and what is not enforced;
 * a pod whose policy needs that hook is not `protected`. The failure is made
 * real: the agent is given an object directory in which two objects are
 * corrupt (libbpf refuses to open them), everything else is the real build.
 */
import { expect } from 'chai';
import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAgentPolicy } from '../../core/policy/parse.js';
import { desiredKernel } from '../../node-agent/src/agent/desired.js';
import { IdAllocator } from '../../node-agent/src/agent/ids.js';
import { NodeKernel, removeNodeKernel } from '../../node-agent/src/agent/kernel.js';
import { protectionOf } from '../../node-agent/src/agent/protection.js';
import { bpfDir } from '../../node-agent/src/bpf/paths.js';
import { runProbe } from '../../node-agent/src/probe/probe.js';
import { needRoot } from '../support/gate.js';

describe('kernel: a program that does not load degrades its hook, and the pods that need it', function () {
  this.timeout(60_000);
  const log = (): void => undefined;
  let dir = '';
  let pinRoot = '';
  let kernel: NodeKernel | undefined;
  const savedDir = process.env.ZIRIZ_BPF_DIR;

  before(function () {
    needRoot(this);
    const real = bpfDir();
    dir = mkdtempSync(join(tmpdir(), 'ziriz-degraded-'));
    for (const f of readdirSync(real).filter((n) => n.endsWith('.bpf.o'))) symlinkSync(join(real, f), join(dir, f));
    for (const broken of ['uprobe_libc_send.bpf.o', 'tp_exec_deny.bpf.o']) {
      rmSync(join(dir, broken));
      copyFileSync(join(real, broken), join(dir, broken));
      writeFileSync(join(dir, broken), readFileSync(join(dir, broken)).subarray(0, 256)); // a truncated ELF
    }
    process.env.ZIRIZ_BPF_DIR = dir;
    pinRoot = mkdtempSync('/sys/fs/bpf/ziriz-degraded-');
    kernel = NodeKernel.open({ pinRoot, stateFile: join(dir, 'tc.json'), probe: runProbe(), log });
  });

  after(() => {
    kernel?.close();
    if (savedDir === undefined) delete process.env.ZIRIZ_BPF_DIR;
    else process.env.ZIRIZ_BPF_DIR = savedDir;
    if (pinRoot) removeNodeKernel({ pinRoot, stateFile: join(dir, 'tc.json'), log });
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('does not name a hook attached when one of its programs is missing, though its other programs loaded', () => {
    expect(kernel!.object('uprobe_ssl_write'), 'the TLS probes still load').not.to.equal(undefined);
    expect(kernel!.object('uprobe_libc_send')).to.equal(undefined);
    expect(kernel!.attached).not.to.include('tls-uprobes');
    expect(kernel!.attached).not.to.include('exec-kill');
    expect(kernel!.attached).to.include.members(['egress-cgroup', 'exec-hold', 'egress-tc']);
  });

  it('reports each missing program: its hook, the kernel\'s error and what is not enforced', () => {
    const d = kernel!.degraded();
    const tls = d.find((x) => x.hook === 'tls-uprobes');
    expect(tls?.why).to.match(/^ziriz_libc_write not loaded \(open \(.*\): plaintext MCP\/A2A\/HTTP calls \(libc write\/send\) not enforced$/);
    expect(d.find((x) => x.hook === 'exec-kill')?.why).to.match(/^ziriz_exec_deny not loaded .*process\.deny where LSM is unavailable/);
    expect(kernel!.attachFailures).to.be.at.least(2);
  });

  it('makes a pod whose policy needs the hook HooksDegraded, naming the missing program', () => {
    const d = desiredKernel({
      pods: [{
        facts: { uid: 'u1', namespace: 'payments', name: 'agent-0', labels: { app: 'a', 'ziriz.io/role': 'agent' }, annotations: {}, serviceAccount: 'sa', podIPs: ['10.244.0.5'], hostNetwork: false, terminal: false, containerNames: {}, protectedCondition: null },
        resolution: { podCgroup: { path: '/x', id: 5n }, containers: [], pids: [1], veths: [] },
      }],
      policies: [parseAgentPolicy({ apiVersion: 'ziriz.io/v1alpha1', kind: 'AgentPolicy', metadata: { name: 'p', namespace: 'payments' }, spec: { selector: { matchLabels: { app: 'a' } }, mcp: { tools: [{ name: 'get_customer' }] } } })],
      peers: [], ownNamespace: 'ziriz-system', namespaceLabels: () => ({}), ids: { policy: new IdAllocator(), identity: new IdAllocator() },
    });
    const plan = d.plans.get('u1');
    if (!plan) throw new Error('no plan');
    const pod = { namespace: 'payments', pod: 'agent-0', uid: 'u1', serviceAccount: 'sa', owner: 'Deployment/a', identity: 'i', role: 'agent' as const, node: 'n' };
    const p = protectionOf(plan, pod, { attached: new Set(kernel!.attached), degraded: kernel!.degraded(), tcInPlace: new Set(), probedPods: new Set(['u1']) });
    expect(p).to.include({ protected: false, reason: 'HooksDegraded' });
    expect(p.degraded.map((x) => x.why).join('\n')).to.include('ziriz_libc_write not loaded');
  });
});
