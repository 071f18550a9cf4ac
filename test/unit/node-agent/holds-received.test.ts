/**
 * HoldManager without a kernel (records that did not stop a process: no
 * rewrite, no signal): a call a server received is judged by its inbound
 * rules with the caller as the target, and its report names the caller.
 */
import { expect } from 'chai';
import { CallKind, DataSource, Op } from '../../../core/abi/enums.js';
import { parseAgentPolicy } from '../../../core/policy/parse.js';
import { Attribution } from '../../../node-agent/src/agent/attribution.js';
import { desiredKernel } from '../../../node-agent/src/agent/desired.js';
import { IdAllocator } from '../../../node-agent/src/agent/ids.js';
import type { ReportSink } from '../../../node-agent/src/agent/sink.js';
import type { DataRecord } from '../../../node-agent/src/bpf/records.js';
import { HoldManager } from '../../../node-agent/src/calls/holds.js';
import type { Verdict } from '../../../node-agent/src/report/types.js';

const BATCH_IP = '10.244.1.9';

function policy(name: string, spec: Record<string, unknown>): ReturnType<typeof parseAgentPolicy> {
  return parseAgentPolicy({ apiVersion: 'ziriz.io/v1alpha1', kind: 'AgentPolicy', metadata: { name, namespace: 'payments' }, spec: { selector: { matchLabels: { app: 'customers' } }, ...spec } });
}

function rig(policies: ReturnType<typeof parseAgentPolicy>[]): { holds: HoldManager; verdicts: Verdict[]; identityId: number } {
  const d = desiredKernel({
    pods: [{
      facts: {
        uid: '00000000-0000-0000-0000-000000000001', namespace: 'payments', name: 'customers-0', labels: { app: 'customers', 'ziriz.io/role': 'mcp-server' }, annotations: {},
        serviceAccount: 'default', podIPs: ['10.244.0.7'], hostNetwork: false, terminal: false, containerNames: {}, protectedCondition: null,
      },
      resolution: { podCgroup: { path: '/cg/pod1', id: 11n }, containers: [], pids: [], veths: [] },
    }],
    policies, peers: [{ namespace: 'jobs', labels: { app: 'batch' }, podIPs: [BATCH_IP] }], ownNamespace: 'ziriz-system', namespaceLabels: () => ({}),
    ids: { policy: new IdAllocator(), identity: new IdAllocator() },
  });
  const attr = new Attribution('node-1');
  attr.update(d.plans, [{ namespace: 'jobs', name: 'batch-0', labels: { app: 'batch' }, podIPs: [BATCH_IP] }]);
  const verdicts: Verdict[] = [];
  const sink = { verdict: (v: Verdict) => { verdicts.push(v); } } as unknown as ReportSink;
  const holds = new HoldManager(attr, sink, {}, { held: () => undefined, audited: () => undefined, failed: () => undefined }, () => undefined);
  holds.ready();
  const plan = [...d.plans.values()][0];
  if (!plan) throw new Error('no plan');
  return { holds, verdicts, identityId: plan.identityId };
}

function received(identityId: number, tool: string, peer?: { ip: string; port: number }): DataRecord {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: tool, arguments: {} } });
  const data = Buffer.from(`POST /mcp HTTP/1.1\r\nHost: customers:8443\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
  return {
    kind: 'data',
    hdr: { op: Op.CALL_SEEN, flags: 0, size: 0, ktimeNs: 1n, cgroupId: 11n, pid: 4242, tid: 4242, uid: 0, identityId, comm: 'node' },
    conn: 7n, buf: 0n, len: data.length, source: DataSource.SSL_READ, verdict: 4, callKind: CallKind.IN_MCP_TOOL, held: false, ruleId: 0, nameHash: 0n, why: 0,
    ...(peer ? { peer } : {}), data,
  };
}

describe('node agent: calls a server received, judged by its inbound rules (HoldManager, no kernel)', () => {
  const inbound = policy('srv', {
    inbound: {
      callers: [{ name: 'batch', selector: { matchLabels: { app: 'batch' } }, namespaces: ['jobs'] }],
      mcp: { tools: [{ name: 'get_customer' }, { name: 'delete_customer', callers: ['batch'] }] },
    },
  });

  it('denies a tool the caller may not call and names the caller and the inbound rule', () => {
    const r = rig([inbound]);
    r.holds.handle(received(r.identityId, 'delete_customer', { ip: '10.9.9.9', port: 5555 }));
    expect(r.verdicts).to.have.length(1);
    expect(r.verdicts[0]?.reason).to.equal('ToolCallBlocked');
    expect(r.verdicts[0]?.target).to.equal('tools/call delete_customer to customers:8443 from 10.9.9.9');
    expect(r.verdicts[0]?.rule).to.equal('spec.inbound.mcp.tools[1].callers');
    expect(r.verdicts[0]?.pod?.pod).to.equal('customers-0');
  });

  it('allows it for a caller pod the rule names by labels (nothing reported)', () => {
    const r = rig([inbound]);
    r.holds.handle(received(r.identityId, 'delete_customer', { ip: BATCH_IP, port: 5555 }));
    expect(r.verdicts).to.deep.equal([]);
  });

  it('judges a caller it cannot name by the rules that name no caller (fail closed for the others)', () => {
    const r = rig([inbound]);
    r.holds.handle(received(r.identityId, 'get_customer'));
    r.holds.handle(received(r.identityId, 'delete_customer'));
    expect(r.verdicts.map((v) => v.target)).to.deep.equal(['tools/call delete_customer to customers:8443 from unknown']);
  });

  it('denies, naming the caller, when the pod has no inbound rules any more', () => {
    const r = rig([policy('own', { mcp: { tools: [{ name: '*' }] } })]);
    r.holds.handle(received(r.identityId, 'get_customer', { ip: '10.9.9.9', port: 1 }));
    expect(r.verdicts[0]?.verdict).to.equal('deny');
    expect(r.verdicts[0]?.why).to.include('inbound rules the pod no longer has');
    expect(r.verdicts[0]?.target).to.include('from 10.9.9.9');
  });

  it('names the caller of a call denied because its pod is unknown (fail closed)', () => {
    const r = rig([inbound]);
    r.holds.handle(received(r.identityId + 1, 'get_customer', { ip: '10.9.9.9', port: 1 }));
    expect(r.verdicts[0]?.verdict).to.equal('deny');
    expect(r.verdicts[0]?.why).to.include('is known to this agent');
    expect(r.verdicts[0]?.detail?.caller).to.equal('10.9.9.9');
  });
});
