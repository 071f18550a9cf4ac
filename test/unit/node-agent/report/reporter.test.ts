import { expect } from 'chai';
import { Writable } from 'node:stream';
import { ManualClock } from '../../../../node-agent/src/report/clock.js';
import { PROTECTED_CONDITION } from '../../../../node-agent/src/report/condition.js';
import { NodeAgentMetrics } from '../../../../node-agent/src/report/metrics.js';
import { Reporter, type ReporterOptions } from '../../../../node-agent/src/report/reporter.js';
import type { Protection } from '../../../../node-agent/src/report/types.js';
import { blockedToolCall, FakeWriter, POD } from './fixtures.js';

class Lines extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _e: BufferEncoding, cb: () => void): void {
    this.lines.push(chunk.toString());
    cb();
  }
}

interface Setup {
  reporter: Reporter;
  writer: FakeWriter;
  metrics: NodeAgentMetrics;
  clock: ManualClock;
  out: Lines;
  logs: { level: string; msg: string }[];
}

function setup(opts: ReporterOptions = {}): Setup {
  const writer = new FakeWriter();
  const metrics = new NodeAgentMetrics({ defaultMetrics: false });
  const clock = new ManualClock(Date.UTC(2025, 0, 1));
  const out = new Lines();
  const logs: { level: string; msg: string }[] = [];
  const reporter = new Reporter(writer, metrics, 'node-1', {
    clock, out, log: (level, msg) => { logs.push({ level, msg }); }, autoPump: false, sleep: () => Promise.resolve(), ...opts,
  });
  return { reporter, writer, metrics, clock, out, logs };
}

const attached: Protection = { pod: POD, protected: true, reason: 'ProtectionAttached', attached: ['egress-cgroup', 'egress-tc'], degraded: [] };

describe('node-agent report: Reporter (fake API writer)', () => {
  it('a flood of 10,000 identical verdicts: exact metrics and JSON lines, 1 Event create, 1 series update on flush', async () => {
    const { reporter, writer, metrics, clock, out } = setup();
    for (let i = 0; i < 10_000; i++) {
      reporter.verdict(blockedToolCall({ pid: 4000 + i }));
      if (i % 10 === 0) clock.advance(1); // 10,000 in one simulated second
      if (i % 500 === 0) reporter.pump();
      if (i % 500 === 0) await Promise.resolve();
    }
    await reporter.flush(1000);
    expect(writer.of('createEvent')).to.have.length(1);
    expect(writer.of('eventSeries').map((c) => c.count)).to.deep.equal([10_000]);
    expect(await metrics.value('ziriz_node_agent_verdicts_total', { reason: 'ToolCallBlocked', verdict: 'deny', kind: 'mcp', namespace: 'payments' })).to.equal(10_000);
    expect(await metrics.value('ziriz_node_agent_events_aggregated_total', { reason: 'ToolCallBlocked' })).to.equal(9_999);
    expect(out.lines).to.have.length(10_000);
    const created = writer.of('createEvent')[0]!.e;
    expect(created).to.deep.include({ namespace: 'payments', reason: 'ToolCallBlocked', type: 'Warning', action: 'Block' });
    expect(created.regarding).to.deep.equal({ apiVersion: 'v1', kind: 'Pod', name: POD.pod, namespace: 'payments', uid: 'uid-1' });
    expect(created.note).to.include('pid 4000 ');
  });

  it('writes the condition once per change; a known condition (informer) saves the read and the write', async () => {
    const { reporter, writer } = setup();
    writer.pods.set(POD.uid, null);
    reporter.protection(attached);
    await reporter.flush(1000);
    expect(writer.of('readPodCondition')).to.have.length(1);
    expect(writer.of('podCondition')).to.have.length(1);
    reporter.protection(attached);
    await reporter.flush(1000);
    expect(writer.of('podCondition')).to.have.length(1);
    expect(writer.of('createEvent').map((c) => c.e.reason)).to.deep.equal(['ProtectionAttached']);

    const restarted = setup();
    restarted.writer.pods.set(POD.uid, writer.pods.get(POD.uid) ?? null);
    restarted.reporter.protection({ ...attached, current: writer.pods.get(POD.uid)! });
    await restarted.reporter.flush(1000);
    expect(restarted.writer.calls).to.deep.equal([]);
  });

  it('latest state wins while a write is in flight', async () => {
    const { reporter, writer } = setup();
    writer.pods.set(POD.uid, null);
    reporter.protection(attached); // starts
    reporter.protection({ ...attached, protected: false, reason: 'AttachFailed' }); // queued...
    reporter.protection({ ...attached, protected: false, reason: 'CgroupNotFound' }); // ...and replaced
    await reporter.flush(1000);
    expect(writer.of('podCondition').map((c) => c.c.reason)).to.deep.equal(['ProtectionAttached', 'CgroupNotFound']);
  });

  it('lastTransitionTime moves only when the status flips', async () => {
    const { reporter, writer, clock } = setup();
    writer.pods.set(POD.uid, null);
    reporter.protection(attached);
    await reporter.flush(1000);
    clock.advance(5000);
    reporter.protection({ ...attached, attached: ['egress-cgroup'] });
    await reporter.flush(1000);
    clock.advance(5000);
    reporter.protection({ ...attached, protected: false, reason: 'CgroupNotFound' });
    await reporter.flush(1000);
    expect(writer.of('podCondition').map((c) => [c.c.type, c.c.status, c.c.lastTransitionTime])).to.deep.equal([
      [PROTECTED_CONDITION, 'True', '2025-01-01T00:00:00Z'],
      [PROTECTED_CONDITION, 'True', '2025-01-01T00:00:00Z'],
      [PROTECTED_CONDITION, 'False', '2025-01-01T00:00:10Z'],
    ]);
  });

  it('a vanished pod is logged and counted, not an error', async () => {
    const { reporter, metrics, logs } = setup();
    reporter.protection(attached); // the fake knows no pod: read says gone
    await reporter.flush(1000);
    expect(await metrics.value('ziriz_node_agent_api_writes_total', { op: 'pod_condition_read', result: 'gone' })).to.equal(1);
    expect(logs.map((l) => l.msg)).to.include('pod gone before its condition was written');
    expect(logs.filter((l) => l.level === 'warn' || l.level === 'error')).to.deep.equal([]);
  });

  it('AgentPolicy status: apply once per change, totals retried on conflict', async () => {
    const { reporter, writer, metrics } = setup();
    writer.conflicts = 2;
    const s = { namespace: 'payments', name: 'agents', generation: 1, node: 'node-1', matchedPods: 3, enforcedPods: 2, compiled: true } as const;
    reporter.policyStatus(s);
    await reporter.flush(1000);
    reporter.policyStatus(s);
    await reporter.flush(1000);
    expect(writer.of('applyPolicyNode')).to.have.length(1);
    expect(writer.of('patchPolicyTotals')).to.have.length(3);
    expect(writer.policy?.totals).to.deep.include({ matchedPods: 3, enforcedPods: 2 });
    expect(await metrics.value('ziriz_node_agent_api_writes_total', { op: 'policy_totals', result: 'conflict' })).to.equal(2);
    // Unchanged totals: the next change of another field re-reads but does not patch totals twice.
    reporter.policyStatus({ ...s, enforcedPods: 3 });
    await reporter.flush(1000);
    expect(writer.of('patchPolicyTotals')).to.have.length(4);
  });

  it('drops entries of nodes that no longer exist (only stale ones are checked)', async () => {
    const { reporter, writer } = setup({ staleNodeMs: 60_000 });
    const old = { observedGeneration: 1, matchedPods: 4, enforcedPods: 4, degradedPods: 0, degraded: [], message: '' };
    writer.policy = { rv: 1, nodes: [
      { nodeName: 'ghost', ...old, lastUpdateTime: '2020-01-01T00:00:00Z' },
      { nodeName: 'fresh-unknown', ...old, lastUpdateTime: '2025-01-01T00:00:00Z' },
    ] };
    reporter.policyStatus({ namespace: 'payments', name: 'agents', generation: 1, node: 'node-1', matchedPods: 1, enforcedPods: 1, compiled: true });
    await reporter.flush(1000);
    expect(writer.policy.nodes.map((n) => n.nodeName).sort()).to.deep.equal(['fresh-unknown', 'node-1']);
    expect(writer.policy.totals?.matchedPods).to.equal(5);
  });

  it('node hooks: one Node Event and one warning per change', async () => {
    const { reporter, writer, logs, metrics } = setup();
    const degraded = [{ hook: 'lsm-file-exec-socket', why: 'bpf is not in the active LSM list' }];
    reporter.nodeHooks(['egress-cgroup'], degraded);
    reporter.nodeHooks(['egress-cgroup'], degraded);
    await reporter.flush(1000);
    expect(writer.of('createEvent').map((c) => [c.e.regarding.kind, c.e.reason, c.e.namespace])).to.deep.equal([['Node', 'HooksDegraded', 'default']]);
    expect(logs.filter((l) => l.msg === 'hooks degraded on this node')).to.have.length(1);
    expect(await metrics.value('ziriz_node_agent_hook_degraded', { hook: 'lsm-file-exec-socket' })).to.equal(1);
    reporter.nodeHooks(['egress-cgroup', 'lsm-file-exec-socket'], []);
    expect(await metrics.value('ziriz_node_agent_hook_degraded')).to.equal(0);
  });

  it('close() drains pending series within its bound, then counts what comes later as suppressed', async () => {
    const { reporter, writer, metrics } = setup();
    reporter.verdict(blockedToolCall());
    reporter.pump();
    await Promise.resolve();
    reporter.verdict(blockedToolCall());
    await reporter.close(1000);
    expect(writer.of('eventSeries').map((c) => c.count)).to.deep.equal([2]);
    reporter.verdict(blockedToolCall({ target: 'tools/call x' }));
    expect(await metrics.value('ziriz_node_agent_verdicts_total')).to.equal(3);
    expect(await metrics.value('ziriz_node_agent_events_suppressed_total', { why: 'closed' })).to.equal(1);
    reporter.protection(attached);
    expect(writer.of('readPodCondition')).to.have.length(0);
  });
});
