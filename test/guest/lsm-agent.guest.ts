/**
 * Runs in the kernel matrix's guests only (hack/vm/matrix, kernels where the
 * probe finds BPF LSM usable; this machine's own kernel refuses LSM programs,
 * so the host suite never loads this file: it is not a *.test.js).
 * BPF LSM with the agent's own loader (NodeKernel.open: every program the
 * agent loads, attached as the agent attaches them) and map entries from the
 * real policy compiler: a process in the protected cgroup cannot open a
 * denied file or run a denied program (EPERM from the LSM hook, before the
 * file is opened or the program loaded), an allowed one works, and processes
 * outside the cgroup are untouched.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Role } from '../../core/abi/enums.js';
import { encodeCallEntry, encodeIdentityValue } from '../../core/policy/kernel/codec.js';
import { identityValue } from '../../core/policy/kernel/identity.js';
import { lsmEntries } from '../../core/policy/kernel/lsm.js';
import { compile } from '../../core/policy/compile.js';
import { NodeKernel, removeNodeKernel } from '../../node-agent/src/agent/kernel.js';
import { runProbe } from '../../node-agent/src/probe/probe.js';
import { TestCgroup } from '../support/cgroup.js';
import { needRoot } from '../support/gate.js';
import { Processes } from '../support/processes.js';
import { cgroupKey } from '../kernel/egress-fixtures.js';

describe('guest: BPF LSM rules enforced with the agent\'s own loader', function () {
  this.timeout(120_000);
  const procs = new Processes();
  const log = (): void => undefined;
  let kernel: NodeKernel | undefined;
  let cg: TestCgroup | undefined;
  let dir = '';
  let pinRoot = '';

  before(function () {
    needRoot(this);
    const probe = runProbe();
    expect(probe.lsm.usable, 'BPF LSM usable in this guest (bpf in lsm=)').to.equal(true);
    dir = mkdtempSync(join(tmpdir(), 'ziriz-lsm-agent-'));
    writeFileSync(join(dir, 'secret'), 'token\n');
    writeFileSync(join(dir, 'public'), 'hello\n');
    pinRoot = mkdtempSync('/sys/fs/bpf/ziriz-lsm-agent-');
    kernel = NodeKernel.open({ pinRoot, stateFile: join(dir, 'tc.json'), probe, log });
    expect(kernel.attached).to.include('lsm-file-exec-socket');
    cg = TestCgroup.create('lsmagent');
    const set = compile([{
      apiVersion: 'ziriz.io/v1alpha1', kind: 'AgentPolicy', metadata: { name: 'locked', namespace: 'payments' },
      spec: { selector: { matchLabels: { app: 'a' } }, files: { deny: [join(dir, 'secret')] }, process: { deny: [{ name: 'curl' }] } },
    }]);
    const calls = kernel.maps.ziriz_calls!;
    for (const e of lsmEntries(set, 7).map(encodeCallEntry)) calls.set(e.key, e.value);
    kernel.maps.ziriz_identity!.set(cgroupKey(cg.id), encodeIdentityValue(identityValue(set, { identityId: 77, policyId: 7, role: Role.AGENT })));
  });

  after(() => {
    procs.killAll();
    kernel?.close();
    if (pinRoot) removeNodeKernel({ pinRoot, stateFile: join(dir, 'tc.json'), log });
    cg?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function sh(inCgroup: boolean, script: string): Promise<{ code: number | null; out: string }> {
    const prefix = inCgroup ? `echo $$ > ${cg!.path}/cgroup.procs && ` : '';
    const child = procs.start('sh', ['-c', `${prefix}${script} 2>&1`]);
    const fin = await procs.wait(child, 30_000);
    return { code: fin.code, out: fin.stdout };
  }

  it('refuses to open a denied file in the protected cgroup (EPERM), opens an allowed one', async () => {
    const denied = await sh(true, `cat ${join(dir, 'secret')}`);
    expect(denied.code).to.not.equal(0);
    expect(denied.out).to.match(/Operation not permitted/);
    expect(denied.out).not.to.include('token');
    expect((await sh(true, `cat ${join(dir, 'public')}`)).out).to.equal('hello\n');
  });

  it('refuses to run a denied program (EPERM at exec, nothing runs), runs an allowed one', async () => {
    const denied = await sh(true, 'curl --version');
    expect(denied.code).to.not.equal(0);
    expect(denied.out).to.match(/Operation not permitted|Permission denied/);
    expect(denied.out).not.to.match(/^curl \d/m);
    expect((await sh(true, 'ls /')).code).to.equal(0);
  });

  it('leaves processes outside the protected cgroup alone', async () => {
    expect((await sh(false, `cat ${join(dir, 'secret')}`)).out).to.equal('token\n');
    expect((await sh(false, 'curl --version')).out).to.match(/^curl \d/m);
  });
});
