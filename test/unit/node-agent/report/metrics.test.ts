import { expect } from 'chai';
import { request } from 'node:http';
import { Increases, NodeAgentMetrics } from '../../../../node-agent/src/report/metrics.js';
import { MetricsServer } from '../../../../node-agent/src/report/metrics-server.js';
import { MetricsServerError } from '../../../../node-agent/src/report/errors.js';
import { blockedToolCall } from './fixtures.js';

function get(port: number, path: string, method = 'GET'): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => { body += c.toString(); });
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }); });
    });
    req.on('error', reject);
    req.end();
  });
}

describe('node-agent report: metrics', () => {
  // Rows: successive totals read from a source -> increase exported each time.
  const rows: [string, number[], number[]][] = [
    ['monotonic', [0, 5, 5, 12], [0, 5, 0, 7]],
    ['source restarted (map recreated)', [10, 20, 3, 4], [10, 10, 3, 1]],
    ['garbage ignored', [5, Number.NaN, -1, 6], [5, 0, 0, 1]],
  ];
  for (const [what, totals, increases] of rows) {
    it(`kernel totals become counter increases: ${what}`, () => {
      const inc = new Increases();
      expect(totals.map((t) => inc.increase('x', t))).to.deep.equal(increases);
    });
  }

  it('exports kernel counters (bigint totals) and ring-buffer stats as counters', async () => {
    const m = new NodeAgentMetrics({ defaultMetrics: false });
    m.setKernelCounters({ ringbuf_full: 3n, map_full: 0n });
    m.setKernelCounters({ ringbuf_full: 10n, map_full: 1n });
    m.setRingBuffer({ records: 100, bytes: 6400, batches: 4, wakeups: 4, sinkErrors: 0 });
    m.setRingBuffer({ records: 150, bytes: 9600, batches: 6 });
    m.decodeError('exec', 'E_SHORT_RECORD');
    m.observeRingLag(0.002);
    m.attachFailure('egress-tc');
    m.setPods({ protected: 5, degraded: 1, unprotected: 2 });
    expect(await m.value('ziriz_node_agent_kernel_events_total', { counter: 'ringbuf_full' })).to.equal(10);
    expect(await m.value('ziriz_node_agent_kernel_events_total', { counter: 'map_full' })).to.equal(1);
    expect(await m.value('ziriz_node_agent_ringbuf_records_total')).to.equal(150);
    expect(await m.value('ziriz_node_agent_ringbuf_batches_total')).to.equal(6);
    expect(await m.value('ziriz_node_agent_pods', { state: 'degraded' })).to.equal(1);
    const text = await m.registry.metrics();
    expect(text).to.include('# TYPE ziriz_node_agent_kernel_events_total counter');
    expect(text).to.include('ziriz_node_agent_ringbuf_decode_errors_total{op="exec",code="E_SHORT_RECORD"} 1');
    expect(text).to.include('ziriz_node_agent_attach_failures_total{hook="egress-tc"} 1');
    expect(text).to.include('ziriz_node_agent_ringbuf_lag_seconds_count 1');
  });

  it('counts verdicts by kind, verdict, namespace and reason; verdicts without a pod separately', async () => {
    const m = new NodeAgentMetrics({ defaultMetrics: false });
    m.verdict(blockedToolCall());
    m.verdict(blockedToolCall({ verdict: 'audit', reason: 'ToolCallAudited' }));
    m.verdict(blockedToolCall({ pod: null }));
    expect(await m.value('ziriz_node_agent_verdicts_total', { kind: 'mcp', verdict: 'deny', namespace: 'payments', reason: 'ToolCallBlocked' })).to.equal(1);
    expect(await m.value('ziriz_node_agent_verdicts_total', { verdict: 'audit' })).to.equal(1);
    expect(await m.value('ziriz_node_agent_verdicts_total', { namespace: '' })).to.equal(1);
    expect(await m.value('ziriz_node_agent_verdicts_without_pod_total')).to.equal(1);
  });

  it('serves /metrics and /healthz on loopback', async () => {
    const m = new NodeAgentMetrics();
    let unhealthy: string | undefined;
    const server = await MetricsServer.start(m, { host: '127.0.0.1', port: 0, health: () => unhealthy });
    try {
      m.verdict(blockedToolCall());
      const metrics = await get(server.port, '/metrics');
      expect(metrics.status).to.equal(200);
      expect(metrics.type).to.match(/^text\/plain/);
      expect(metrics.body).to.include('ziriz_node_agent_verdicts_total{kind="mcp",verdict="deny",namespace="payments",reason="ToolCallBlocked"} 1');
      expect(metrics.body).to.include('ziriz_node_agent_process_cpu_seconds_total');
      expect(await get(server.port, '/healthz')).to.include({ status: 200, body: 'ok\n' });
      unhealthy = 'pod informer not synced';
      expect(await get(server.port, '/healthz')).to.include({ status: 503, body: 'pod informer not synced\n' });
      expect((await get(server.port, '/nope')).status).to.equal(404);
      expect((await get(server.port, '/metrics', 'POST')).status).to.equal(405);
    } finally {
      await server.close();
    }
  });

  it('fails with a typed error when the port is taken', async () => {
    const m = new NodeAgentMetrics({ defaultMetrics: false });
    const first = await MetricsServer.start(m, { host: '127.0.0.1', port: 0 });
    try {
      let err: unknown;
      await MetricsServer.start(m, { host: '127.0.0.1', port: first.port }).catch((e: unknown) => { err = e; });
      expect(err).to.be.instanceOf(MetricsServerError);
      expect((err as MetricsServerError).code).to.equal('E_METRICS_LISTEN');
    } finally {
      await first.close();
    }
  });
});
