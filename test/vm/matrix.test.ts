/**
 * The kernel matrix (hack/vm/matrix): every Debian kernel the archive serves
 * (5.10, 6.1, 6.12, the newest), booted under qemu with this machine's root,
 * runs the agent's own loader: the probe, every program loaded alone (verified
 * instructions against the budget), and the agent's start (NodeKernel.open)
 * in a memory cgroup. On each kernel the agent starts; no program is refused
 * for its size or goes over the budget; from 5.17 on every hook is in place
 * (LSM included: the guests boot with bpf in lsm=); older kernels report what
 * they cannot do as degraded.
 */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { need, needRoot } from '../support/gate.js';
import { REPO } from '../support/kustomize.js';

function run(cmd: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { cwd: REPO, timeout: 1_500_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, out: `${stdout}\n${stderr}` });
    });
  });
}

describe('VM kernel matrix: the agent\'s loader on every Debian kernel the archive serves', function () {
  this.timeout(1_800_000);
  let out = '';
  let code = -1;

  before(async function () {
    needRoot(this);
    need(this, existsSync('/usr/bin/qemu-system-x86_64'), 'qemu-system-x86 (hack/setup installs it)');
    const fetched = await run(join(REPO, 'hack/vm/kernels'), []);
    expect(fetched.code, fetched.out.slice(-2000)).to.equal(0);
    ({ code, out } = await run(process.execPath, [join(REPO, 'dist/hack/vm/matrix.js')]));
    console.log(out.split('\n').filter((l) => l.startsWith('|') || l.startsWith('PROBLEM') || l.startsWith('kernel matrix')).map((l) => `      ${l}`).join('\n'));
  });

  it('ran a guest on each of 5.10, 6.1, 6.12 and a newer kernel', () => {
    for (const k of [/\| 5\.10\./, /\| 6\.1\./, /\| 6\.12\./, /\| (6\.(1[3-9]|[2-9]\d)|[7-9]\.\d+)\./]) expect(out).to.match(k);
  });

  it('finds no problem: the agent starts everywhere, every program within the budget, every hook in place from 5.17 on', () => {
    expect(out).to.match(/kernel matrix: \d+ kernels, 0 problems/);
    expect(code).to.equal(0);
  });
});
