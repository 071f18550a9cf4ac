import { expect } from 'chai';
import { functionalTests, hookState, kernelAtLeast, parseSummary, matrixMarkdown, matrixProblems, shortError, withMatrix, MATRIX_BEGIN, MATRIX_END, type MatrixResult } from '../../../hack/vm/matrix-model.js';

const ALL = ['egress-cgroup', 'egress-tc', 'exec-hold', 'exec-kill', 'tls-uprobes', 'lsm-file-exec-socket'];

function result(kernel: string, over: Partial<MatrixResult> = {}): MatrixResult {
  return {
    kernel, lsm: ['bpf'], lsmUsable: true, hooks: { usable: ALL, degraded: [] },
    programs: [{ object: 'o', program: 'ziriz_ssl_write', ok: true, loadMs: 5, insns: 16_000 }],
    agent: { ok: true, peakMb: 60, ms: 4000, attached: ALL, degraded: [] },
    ...over,
  };
}

describe('hack/vm/matrix-model: judging a kernel matrix run', () => {
  it('compares kernel releases by major.minor', () => {
    expect(kernelAtLeast('5.17.0-1-amd64', 5, 17)).to.equal(true);
    expect(kernelAtLeast('5.10.0-46-amd64', 5, 17)).to.equal(false);
    expect(kernelAtLeast('6.1.0-57-amd64', 5, 17)).to.equal(true);
    expect(kernelAtLeast('garbage', 5, 17)).to.equal(false);
  });

  it('finds no problem in a clean run', () => {
    expect(matrixProblems([{ release: 'bookworm', result: result('6.1.0') }], 200_000)).to.deep.equal([]);
  });

  it('flags a program over the budget, one refused for its size, a missing hook on a new kernel, a guest that gave nothing', () => {
    const over = result('6.12.0', { programs: [{ object: 'o', program: 'big', ok: true, loadMs: 1, insns: 250_000 }, { object: 'o', program: 'huge', ok: false, loadMs: 1, error: 'load: Argument list too long [E2BIG]' }] });
    const lsmMissing = result('6.12.1', { agent: { ok: true, peakMb: 1, attached: ALL.filter((h) => h !== 'lsm-file-exec-socket') } });
    const p = matrixProblems([{ release: 'a', result: over }, { release: 'b', result: lsmMissing }, { release: 'c', failure: 'guest exit 125' }], 200_000);
    expect(p).to.have.length(4);
    expect(p[0]).to.include('big verified in 250000');
    expect(p[1]).to.include('huge refused for its size');
    expect(p[2]).to.include('hooks not in place: lsm-file-exec-socket');
    expect(p[3]).to.include('c: no result');
  });

  it('accepts hooks degraded on a kernel older than 5.17, but not an agent that did not start', () => {
    const old = result('5.10.0', { agent: { ok: true, peakMb: 20, attached: ['egress-cgroup'] } });
    expect(matrixProblems([{ release: 'bullseye', result: old }], 200_000)).to.deep.equal([]);
    expect(hookState(old, 'tls-uprobes')).to.equal('degraded');
    const dead = result('5.10.0', { agent: { ok: false, peakMb: 20, error: 'boom' } });
    expect(matrixProblems([{ release: 'bullseye', result: dead }], 200_000)[0]).to.include('the agent did not start');
    expect(hookState(dead, 'egress-cgroup')).to.equal('failed');
  });

  it('runs the kernel tests of the hooks in place only, and reads their closing line', () => {
    expect(functionalTests(result('6.1.0'))).to.deep.equal([
      'dist/test/kernel/cgroup-connect.test.js', 'dist/test/kernel/ssl-capture.test.js', 'dist/test/kernel/tool-enforcement.test.js',
      'dist/test/kernel/exec-deny.test.js', 'dist/test/guest/lsm-agent.guest.js',
    ]);
    expect(functionalTests(result('5.10.0', { agent: { ok: true, peakMb: 1, attached: ['egress-cgroup', 'egress-tc'] } }))).to.deep.equal(['dist/test/kernel/cgroup-connect.test.js']);
    expect(parseSummary('x\n3 passed, 1 failed, 2 skipped\n')).to.deep.equal({ passed: 3, failed: 1, skipped: 2 });
    expect(parseSummary('no tests')).to.equal(null);
    const failing = matrixProblems([{ release: 'b', result: result('6.1.0'), functional: { files: ['a'], passed: 4, failed: 1, skipped: 0, tail: '1) boom' } }], 200_000);
    expect(failing).to.deep.equal(['6.1.0: kernel tests in the guest: 4 passed, 1 failed: 1) boom']);
  });

  it('says why a program was refused in a few words', () => {
    expect(shortError('... unknown func bpf_loop#181 ...')).to.equal('no bpf_loop');
    expect(shortError('load: Invalid argument [EINVAL]')).to.equal('EINVAL');
  });

  it('writes the table between its markers, replacing an earlier one, and appends it when absent', () => {
    const md = matrixMarkdown([{ release: 'bookworm', result: result('6.1.0') }, { release: 'sid', failure: 'timeout' }], '2026-12-04', 'h');
    expect(md).to.include('| 6.1.0 | ok | ok | ok | ok | ok | ok | 60 MB, 4.0 s | `ziriz_ssl_write` 16000 | not run | none |');
    expect(md).to.include('| sid | failed');
    const once = withMatrix('# Doc\n', md);
    expect(once.startsWith('# Doc\n\n' + MATRIX_BEGIN)).to.equal(true);
    const twice = withMatrix(`${once}tail\n`, 'new');
    expect(twice).to.equal(`# Doc\n\n${MATRIX_BEGIN}\nnew\n${MATRIX_END}\ntail\n`);
  });
});

describe('verifierReason: the verifier\'s words for a refusal', () => {
  it('picks the telling line before the statistics', async () => {
    const { verifierReason } = await import('../../../node-agent/src/bpf/verifier.js');
    const log = 'libbpf: prog x: BPF program load failed\n18: (85) call bpf_get_current_ancestor_cgroup_id#123\nunknown func bpf_get_current_ancestor_cgroup_id#123\nprocessed 18 insns (limit 1000000)\n';
    expect(verifierReason(log)).to.equal('unknown func bpf_get_current_ancestor_cgroup_id#123');
    expect(verifierReason('At program exit the register R0 has smin=0 smax=4294967295 should have been in [-4095, 0]\nprocessed 604 insns')).to.include('should have been in [-4095, 0]');
    expect(verifierReason('')).to.equal(null);
  });
});
