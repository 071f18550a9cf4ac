import { expect } from 'chai';
import { DataSource } from '../../../core/abi/enums.js';
import { parseAgentPolicy } from '../../../core/policy/parse.js';
import type { AgentPolicy } from '../../../core/policy/model.js';
import { Attribution } from '../../../node-agent/src/agent/attribution.js';
import { desiredKernel, type PeerPod } from '../../../node-agent/src/agent/desired.js';
import { IdAllocator } from '../../../node-agent/src/agent/ids.js';
import type { PodFacts, PodResolution } from '../../../node-agent/src/agent/model.js';
import { callerFacts, describeCaller, isReceived, withCaller, type CallerFacts } from '../../../node-agent/src/calls/caller.js';

function facts(name: string, over: Partial<PodFacts> = {}): PodFacts {
  return {
    uid: `00000000-0000-0000-0000-${name.padStart(12, '0').slice(-12)}`,
    namespace: 'payments', name, labels: { app: 'customers' }, annotations: {},
    serviceAccount: 'default', podIPs: [], hostNetwork: false, terminal: false, containerNames: {}, protectedCondition: null, ...over,
  };
}

function resolution(podId: bigint): PodResolution {
  return { podCgroup: { path: `/cg/pod${podId}`, id: podId }, containers: [], pids: [], veths: [] };
}

const SERVER_POLICY: AgentPolicy = parseAgentPolicy({
  apiVersion: 'ziriz.io/v1alpha1', kind: 'AgentPolicy', metadata: { name: 'srv', namespace: 'payments' },
  spec: { selector: { matchLabels: { app: 'customers' } }, inbound: { mcp: { tools: [{ name: 'get_customer' }] } } },
});

const SERVER_IP = '10.244.0.7';
const HOST_IP = '172.18.0.2';
const BATCH_IP = '10.244.1.9';

/** An Attribution as the reconciler leaves it: a normal server pod, a host-network server pod, one peer of the cluster. */
function attribution(peers: readonly (PeerPod & { name: string })[] = [{ namespace: 'jobs', name: 'batch-0', labels: { app: 'batch' }, podIPs: [BATCH_IP] }]): Attribution {
  const d = desiredKernel({
    pods: [
      { facts: facts('customers-0', { podIPs: [SERVER_IP] }), resolution: resolution(11n) },
      { facts: facts('node-mcp', { hostNetwork: true, podIPs: [HOST_IP], labels: { app: 'customers', tier: 'host' } }), resolution: resolution(21n) },
    ],
    policies: [SERVER_POLICY], peers, ownNamespace: 'ziriz-system', namespaceLabels: () => ({}),
    ids: { policy: new IdAllocator(), identity: new IdAllocator() },
  });
  expect(d.plans.size, 'both pods are planned').to.equal(2);
  const attr = new Attribution('node-1');
  attr.update(d.plans, peers);
  return attr;
}

describe('node agent: the caller of a received call (calls/caller.ts)', () => {
  describe('isReceived', () => {
    // Every data source: the received ones are judged by the inbound rules.
    const rows: [name: keyof typeof DataSource, received: boolean][] = [
      ['SSL_WRITE', false],
      ['SSL_READ', true],
      ['GNUTLS_SEND', false],
      ['GNUTLS_RECV', true],
      ['SYS_WRITE', false],
      ['SYS_READ', true],
      ['EXEC', false],
      ['SYS_WRITEV', false],
      ['GO_TLS_WRITE', false],
      ['GO_TLS_READ', true],
      // Read from a stream written where no probe sees: judged by the writer's pod's own (outbound) rules.
      ['UNSEEN_READ', false],
    ];
    it('has a row for every DataSource', () => {
      expect(rows.map(([n]) => n).sort()).to.deep.equal(Object.keys(DataSource).sort());
    });
    for (const [name, received] of rows) {
      it(`${name} (${DataSource[name]}) -> ${received ? 'received' : 'not received'}`, () => {
        expect(isReceived({ source: DataSource[name] })).to.equal(received);
      });
    }
    it('an unknown source is not received', () => {
      expect(isReceived({ source: 0 })).to.equal(false);
      expect(isReceived({ source: 99 })).to.equal(false);
    });
  });

  describe('callerFacts', () => {
    const attr = attribution();

    it('a record without a peer (the kernel could not tell) has no facts', () => {
      expect(callerFacts({}, attr)).to.deep.equal({});
    });

    it('an address no pod has: the address only (selector callers cannot match it)', () => {
      expect(callerFacts({ peer: { ip: '203.0.113.5', port: 40000 } }, attr)).to.deep.equal({ ip: '203.0.113.5', port: 40000 });
    });

    it('a pod of the cluster (peers): its namespace, labels and name', () => {
      expect(callerFacts({ peer: { ip: BATCH_IP, port: 51234 } }, attr)).to.deep.equal({
        ip: BATCH_IP, port: 51234, namespace: 'jobs', labels: { app: 'batch' }, pod: 'jobs/batch-0',
      });
    });

    it('a pod this agent plans (not host-network): its namespace, labels and name', () => {
      expect(callerFacts({ peer: { ip: SERVER_IP, port: 443 } }, attr)).to.deep.equal({
        ip: SERVER_IP, port: 443, namespace: 'payments', labels: { app: 'customers' }, pod: 'payments/customers-0',
      });
    });

    it('the IP of a host-network pod is the node\'s: its labels and namespace are not the caller\'s', () => {
      const c = callerFacts({ peer: { ip: HOST_IP, port: 60000 } }, attr);
      expect(c.ip).to.equal(HOST_IP);
      expect(c.port).to.equal(60000);
      expect(c).to.not.have.property('labels');
      expect(c).to.not.have.property('namespace');
    });

    it('a host-network pod among the cluster peers names no caller either (nor the node IP in reports)', () => {
      const a = attribution([
        { namespace: 'jobs', name: 'batch-0', labels: { app: 'batch' }, podIPs: [BATCH_IP] },
        { namespace: 'monitoring', name: 'node-exporter-abc', labels: { app: 'node-exporter' }, podIPs: [HOST_IP], hostNetwork: true },
      ]);
      expect(callerFacts({ peer: { ip: HOST_IP, port: 2 } }, a)).to.deep.equal({ ip: HOST_IP, port: 2 });
      expect(callerFacts({ peer: { ip: BATCH_IP, port: 3 } }, a)).to.have.property('labels');
    });

    it('forgets a peer the next update does not list', () => {
      const a = attribution();
      expect(callerFacts({ peer: { ip: BATCH_IP, port: 1 } }, a)).to.have.property('labels');
      a.update(new Map(), []);
      expect(callerFacts({ peer: { ip: BATCH_IP, port: 1 } }, a)).to.deep.equal({ ip: BATCH_IP, port: 1 });
    });
  });

  describe('withCaller', () => {
    const req = { kind: 'mcp', tool: 'get_customer', arguments: { id: 7 }, target: { host: 'customers.payments.svc' } };
    const full: CallerFacts = { ip: BATCH_IP, port: 51234, namespace: 'jobs', labels: { app: 'batch' }, pod: 'jobs/batch-0' };

    it('no caller: the request as it is', () => {
      expect(withCaller(req, undefined)).to.equal(req);
    });

    it('keeps the host the call was addressed to and adds the caller\'s ip, namespace and labels (not port or pod)', () => {
      const out = withCaller(req, full);
      expect(out).to.deep.equal({
        kind: 'mcp', tool: 'get_customer', arguments: { id: 7 },
        target: { host: 'customers.payments.svc', ip: BATCH_IP, namespace: 'jobs', labels: { app: 'batch' } },
      });
      // the request given is not changed
      expect(req.target).to.deep.equal({ host: 'customers.payments.svc' });
    });

    it('a caller known by address only adds the address', () => {
      expect(withCaller(req, { ip: '203.0.113.5', port: 1 }).target).to.deep.equal({ host: 'customers.payments.svc', ip: '203.0.113.5' });
    });

    it('an unknown caller adds nothing to the target', () => {
      expect(withCaller(req, {}).target).to.deep.equal({ host: 'customers.payments.svc' });
    });

    it('a request without a target gets one with the caller', () => {
      expect(withCaller({ kind: 'a2a', method: 'tasks/get' }, { ip: '10.0.0.9' })).to.deep.equal({ kind: 'a2a', method: 'tasks/get', target: { ip: '10.0.0.9' } });
    });
  });

  describe('describeCaller', () => {
    const rows: [CallerFacts, string][] = [
      [{}, 'unknown'],
      [{ ip: '10.0.0.9', port: 3 }, '10.0.0.9'],
      [{ ip: '10.244.0.7', pod: 'payments/batch-0', namespace: 'payments', labels: {} }, 'payments/batch-0 (10.244.0.7)'],
      [{ ip: 'fd00::1' }, 'fd00::1'],
      // a pod name without an address is not shown (the address is what the kernel saw)
      [{ pod: 'payments/batch-0' }, 'unknown'],
    ];
    for (const [c, shown] of rows) {
      it(`${JSON.stringify(c)} -> ${shown}`, () => {
        expect(describeCaller(c)).to.equal(shown);
      });
    }
  });
});
