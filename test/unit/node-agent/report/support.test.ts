import { expect } from 'chai';
import { ApiException } from '@kubernetes/client-node';
import { kube } from '../../../../core/kube/client-node-errors.js';
import { KubeApiError } from '../../../../core/kube/errors.js';
import { eventName, microTime } from '../../../../node-agent/src/kube/writer.js';
import { KeyedQueue } from '../../../../node-agent/src/report/keyed-queue.js';
import { verdictLine, verdictRecord } from '../../../../node-agent/src/report/log-line.js';
import { Lru } from '../../../../node-agent/src/report/lru.js';
import { backoffMs, DEFAULT_RETRY, retryable, withRetry } from '../../../../node-agent/src/report/retry.js';
import { blockedToolCall } from './fixtures.js';

const apiError = (status: number): KubeApiError => new KubeApiError('op', status, 'm', undefined);

describe('node-agent report: JSON verdict line', () => {
  it('one line with full identity, cgroup as a string, detail passed through and nothing else', () => {
    const v = blockedToolCall({ detail: { argsDigest: 'sha256:0f3a' } });
    const line = verdictLine(v, 'node-1');
    expect(line.endsWith('\n')).to.equal(true);
    expect(line.slice(0, -1)).to.not.include('\n');
    expect(JSON.parse(line)).to.deep.equal({
      time: '2025-01-01T00:00:00.123Z', msg: 'verdict', node: 'node-1', kind: 'mcp', verdict: 'deny', reason: 'ToolCallBlocked', action: 'Block',
      target: 'tools/call get_all_customers', policy: 'payments/agents', rule: 'spec.mcp.rules[0]', why: 'argument filter: "none" not allowed',
      pid: 4242, uid: 1000, comm: 'python3', cgroup: '98765', container: 'agent', containerId: 'containerd://0123abcd',
      namespace: 'payments', pod: 'gpt-orchestrator-7d9f-x2k', podUid: 'uid-1', owner: 'Deployment/gpt-orchestrator',
      serviceAccount: 'ai-agent-prod', identity: 'payments.ai-agent-prod-1a2b3c4d', role: 'agent',
      peer: { namespace: 'payments', pod: 'customer-mcp-0', identity: 'payments.customer-mcp-9f8e7d6c', owner: 'StatefulSet/customer-mcp', serviceAccount: 'customer-mcp' },
      detail: { argsDigest: 'sha256:0f3a' },
    });
  });

  it('audit and unattributed verdicts', () => {
    expect(verdictRecord(blockedToolCall({ verdict: 'audit' }), 'n').action).to.equal('Audit');
    expect(verdictRecord(blockedToolCall({ pod: null }), 'n')).to.deep.include({ namespace: null, pod: null, podUid: null });
    expect(verdictRecord(blockedToolCall(), 'n')).to.not.have.property('detail');
  });
});

describe('node-agent report: retries', () => {
  // Rows: [status, retried?]
  const rows: [number, boolean][] = [[0, true], [429, true], [500, true], [503, true], [404, false], [409, false], [403, false], [422, false]];
  for (const [status, retried] of rows) {
    it(`status ${status} is ${retried ? '' : 'not '}retried`, () => {
      expect(retryable(apiError(status))).to.equal(retried);
    });
  }

  it('backoff is capped exponential with full jitter', () => {
    expect([1, 2, 3, 10].map((a) => backoffMs(a, DEFAULT_RETRY, () => 0.999))).to.deep.equal([199, 399, 799, 2997]);
    expect(backoffMs(3, DEFAULT_RETRY, () => 0)).to.equal(0);
  });

  it('bounded: gives up after `attempts`, answers (4xx) at once', async () => {
    let calls = 0;
    const slept: number[] = [];
    const fail503 = (): Promise<never> => { calls++; return Promise.reject(apiError(503)); };
    let err: unknown;
    await withRetry(fail503, DEFAULT_RETRY, (ms) => { slept.push(ms); return Promise.resolve(); }).catch((e: unknown) => { err = e; });
    expect(calls).to.equal(DEFAULT_RETRY.attempts);
    expect(slept).to.have.length(DEFAULT_RETRY.attempts - 1);
    expect((err as KubeApiError).status).to.equal(503);
    calls = 0;
    await withRetry(() => { calls++; return Promise.reject(apiError(404)); }, DEFAULT_RETRY, () => Promise.resolve()).catch(() => undefined);
    expect(calls).to.equal(1);
    calls = 0;
    const ok = await withRetry(() => (++calls < 3 ? Promise.reject(apiError(0)) : Promise.resolve('done')), DEFAULT_RETRY, () => Promise.resolve());
    expect([ok, calls]).to.deep.equal(['done', 3]);
  });

  it('client-node ApiExceptions become KubeApiError with their status', async () => {
    let err: unknown;
    await kube('op', () => Promise.reject(new ApiException(503, 'unavailable', '{"message":"etcd down"}', {}))).catch((e: unknown) => { err = e; });
    expect(retryable(err)).to.equal(true);
  });
});

describe('node-agent report: small parts', () => {
  it('KeyedQueue: one task per key at a time, newer replaces queued, bounded concurrency', async () => {
    const order: string[] = [];
    let running = 0;
    let peak = 0;
    const q = new KeyedQueue(2, () => undefined);
    const task = (name: string) => async (): Promise<void> => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 5));
      order.push(name);
      running--;
    };
    q.enqueue('a', task('a1'));
    q.enqueue('a', task('a2'));
    q.enqueue('a', task('a3'));
    q.enqueue('b', task('b1'));
    q.enqueue('c', task('c1'));
    await q.idle();
    expect(order.filter((n) => n.startsWith('a'))).to.deep.equal(['a1', 'a3']);
    expect(order).to.include.members(['b1', 'c1']);
    expect(peak).to.equal(2);
  });

  it('KeyedQueue reports a failing task and goes on', async () => {
    const errors: string[] = [];
    const q = new KeyedQueue(1, (k) => errors.push(k));
    q.enqueue('x', () => Promise.reject(new Error('boom')));
    let ran = false;
    q.enqueue('y', () => { ran = true; return Promise.resolve(); });
    await q.idle();
    expect([errors, ran]).to.deep.equal([['x'], true]);
  });

  it('Lru evicts the least recently used and reports it', () => {
    const evicted: string[] = [];
    const l = new Lru<string, number>(2, (k) => evicted.push(k));
    l.set('a', 1);
    l.set('b', 2);
    l.get('a');
    l.set('c', 3);
    expect(evicted).to.deep.equal(['b']);
    expect([...l.entries()].map(([k]) => k)).to.deep.equal(['a', 'c']);
    expect(() => new Lru(0)).to.throw(RangeError);
  });

  it('Event names are valid DNS subdomains, unique per call', () => {
    const a = eventName('gpt-orchestrator-7d9f-x2k', Date.UTC(2025, 0, 1), () => 0.5);
    expect(a).to.equal(`gpt-orchestrator-7d9f-x2k.${Date.UTC(2025, 0, 1).toString(16)}8000`);
    const long = eventName('x'.repeat(253), 1);
    expect(long.length).to.be.at.most(253);
    expect(long).to.match(/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/);
  });

  it('Event times are metav1.MicroTime: RFC 3339 with six fractional digits, UTC', () => {
    expect(microTime(new Date('2025-01-01T12:00:00.123Z'))).to.equal('2025-01-01T12:00:00.123000Z');
    expect(microTime(new Date(Date.UTC(2025, 11, 31, 23, 59, 59, 7)))).to.equal('2025-12-31T23:59:59.007000Z');
    expect(microTime(new Date(0))).to.match(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/);
  });
});
