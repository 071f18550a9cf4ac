/**
 * The LSM tier (issue 8): this machine's kernel refuses BPF LSM programs, so
 * hack/vm/lsm-test boots a stock Debian cloud kernel under qemu (software
 * emulation) and runs ziriz's LSM programs there, with map entries made by
 * the real compiler/encoder on the host, against real processes in a real
 * cgroup. The verdict comes from the serial log (qemu exits 0 after poweroff).
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { need, needRoot } from '../support/gate.js';
import { REPO } from '../support/kustomize.js';

interface VmRun {
  readonly lines: Map<string, { pass: boolean; detail: string }[]>;
  readonly output: string;
}

function runVm(env: Record<string, string> = {}): Promise<VmRun> {
  return new Promise((resolve) => {
    execFile(join(REPO, 'hack/vm/lsm-test'), { env: { ...process.env, ...env }, timeout: 600_000, maxBuffer: 16 << 20 }, (_err, stdout, stderr) => {
      const lines = new Map<string, { pass: boolean; detail: string }[]>();
      for (const m of stdout.matchAll(/^ZIRIZ-VM (\S+) (PASS|FAIL) ?(.*)$/gm)) {
        const name = m[1] ?? '';
        lines.set(name, [...(lines.get(name) ?? []), { pass: m[2] === 'PASS', detail: m[3] ?? '' }]);
      }
      resolve({ lines, output: `${stdout}\n${stderr}` });
    });
  });
}

describe('VM (stock Debian kernel with BPF LSM): LSM enforcement', function () {
  this.timeout(900_000);
  let run: VmRun;

  before(async function () {
    needRoot(this);
    need(this, existsSync('/usr/bin/qemu-system-x86_64'), 'qemu-system-x86 (hack/setup installs it)');
    run = await runVm();
  });

  const cases: [string, string][] = [
    ['bpf-in-active-lsm-list', 'the guest kernel has bpf in its active LSM list'],
    ['load', 'the LSM objects load (CO-RE, built against the host kernel)'],
    ['attach', 'the LSM programs attach'],
    ['pod-open-denied-path', 'a process in the protected cgroup cannot open a denied path (EPERM)'],
    ['pod-open-denied-dir', 'nor the denied directory itself'],
    ['pod-open-allowed-path', 'but opens an allowed path'],
    ['pod-open-sibling', 'and a sibling path that merely shares the prefix'],
    ['untargeted-open-denied-path', 'an untargeted process opens the denied path'],
    ['pod-exec-denied-name', 'exec of a binary denied by name fails with EPERM'],
    ['pod-exec-denied-path', 'exec of a binary denied by path fails with EPERM'],
    ['pod-exec-allowed', 'an allowed binary runs'],
    ['untargeted-exec-denied-name', 'an untargeted process runs the denied binary'],
    ['pod-connect-denied', 'socket_connect refuses egress outside the policy (EPERM)'],
    ['pod-connect-loopback', 'loopback stays allowed'],
    ['verdict-records-with-identity', 'verdict records reach userspace with the pod identity'],
    ['detached-open-restored', 'detaching restores opening'],
    ['detached-exec-restored', 'detaching restores exec'],
  ];
  for (const [name, what] of cases) {
    it(`${what} [${name}]`, () => {
      const got = run.lines.get(name);
      expect(got, `no "${name}" line in the VM output:\n${run.output.slice(-3000)}`).to.not.equal(undefined);
      for (const g of got ?? []) expect(g.pass, `${name}: ${g.detail}`).to.equal(true);
    });
  }

  it('without bpf in lsm= the same programs load and attach but enforce nothing (why the probe checks the list)', async () => {
    const off = await runVm({ ZIRIZ_VM_LSM: 'lockdown,capability,landlock' });
    expect(off.lines.get('bpf-in-active-lsm-list')?.[0]?.pass).to.equal(false);
    expect(off.lines.get('attach')?.every((x) => x.pass)).to.equal(true);
    expect(off.lines.get('pod-open-denied-path')?.[0]?.pass).to.equal(false); // opened: not enforced
  });
});
