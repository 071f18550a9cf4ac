/**
 * The verifier's budget on this machine's kernel: every program of every
 * object the node agent loads is loaded alone and must verify in at most a
 * fifth of the kernel's 1,000,000-instruction limit (programs near the limit
 * load on one kernel build and fail on the next: issue 16). Prints the figure
 * per program. LSM programs do not load on a kernel that refuses trampolines
 * (the probe says so): they must fail for that reason here, and their budget
 * is measured on the VM kernel matrix (hack/vm/matrix).
 */
import { expect } from 'chai';
import { NODE_PROGRAMS } from '../../node-agent/src/bpf/programs.js';
import { formatProgramLoads, measurePrograms, VERIFIER_BUDGET, type ProgramLoad } from '../../node-agent/src/bpf/verifier.js';
import { runProbe } from '../../node-agent/src/probe/probe.js';
import { tempPinRoot } from '../support/bpffs.js';
import { needRoot } from '../support/gate.js';

describe('kernel: verifier budget of every node agent program', function () {
  this.timeout(300_000);
  let rows: ProgramLoad[] = [];
  let lsmUsable = false;

  before(function () {
    needRoot(this);
    lsmUsable = runProbe().lsm.usable;
    const pins = tempPinRoot();
    try {
      rows = measurePrograms(pins.dir);
    } finally {
      pins.remove();
    }
    for (const line of formatProgramLoads(rows)) console.log(`      ${line}`);
  });

  const lsmObjects = new Set(NODE_PROGRAMS.filter((p) => p.attach === 'lsm').map((p) => p.object));

  it('measured every program of every object (more programs than the table lists: entry/return pairs)', () => {
    const objects = new Set(rows.map((r) => r.object));
    for (const p of NODE_PROGRAMS) expect(objects, p.object).to.include(p.object);
    for (const p of NODE_PROGRAMS) expect(rows.map((r) => r.program), p.object).to.include(p.program);
    expect(rows.length).to.be.greaterThan(NODE_PROGRAMS.length);
  });

  it('loads every program this kernel can load (all but LSM where the probe says LSM is unusable)', () => {
    const failed = rows.filter((r) => !r.ok && (lsmUsable || !lsmObjects.has(r.object)));
    expect(failed.map((r) => `${r.program}: ${r.error ?? ''}`.slice(0, 300))).to.deep.equal([]);
  });

  it(`verifies each loaded program in at most ${VERIFIER_BUDGET} instructions (a fifth of the limit)`, () => {
    const loaded = rows.filter((r) => r.ok);
    expect(loaded.length).to.be.greaterThan(0);
    const noStats = loaded.filter((r) => r.stats === undefined).map((r) => r.program);
    expect(noStats, 'programs the kernel gave no instruction count for').to.deep.equal([]);
    const over = loaded.filter((r) => (r.stats?.insns ?? Infinity) > VERIFIER_BUDGET).map((r) => `${r.program}: ${r.stats?.insns}`);
    expect(over).to.deep.equal([]);
  });

  it('an LSM program this kernel refuses fails with the kernel\'s refusal, not a verifier limit', function () {
    if (lsmUsable) {
      expect(rows.filter((r) => lsmObjects.has(r.object)).every((r) => r.ok)).to.equal(true);
      return;
    }
    const lsm = rows.filter((r) => lsmObjects.has(r.object));
    expect(lsm.length).to.equal(lsmObjects.size);
    for (const r of lsm) {
      expect(r.ok, r.program).to.equal(false);
      expect(r.error, r.program).to.match(/EPERM|EINVAL|ENOTSUPP|EOPNOTSUPP/);
      expect(r.error, r.program).not.to.match(/E2BIG|too large/);
    }
  });
});
