/**
 * The seed's story on the local cluster, in namespace `payments` (labelled
 * ziriz.io/enforce=true): an MCP server `customer-mcp` (official MCP SDK,
 * HTTPS with a demo CA, also a REST API) and an AI agent `gpt-orchestrator`
 * (service account ai-agent-prod) under AgentPolicy payments/agents. The
 * agent (hack/apps/agent-client.js, run in its pod with `kubectl exec`, so
 * it is a new process the node agent holds at exec until its probes are on)
 *   1. calls get_customer {id: 1}                          -> allowed
 *   2. calls get_all_customers {filter: "none"}            -> blocked before it runs
 *   3. POST /api/v2/customers?limit=100000                 -> blocked before it runs
 *   4. starts a stdio MCP server as its child (customer-mcp-stdio.js, in its
 *      pod) and calls get_customer {id: 1}                  -> allowed
 *   5. ... and get_all_customers {filter: "none"}          -> blocked before it runs
 *   6. connects to the customers-db pod (not in its policy) -> EPERM
 * and a batch job `batch-export` that ziriz does not protect calls the same
 * server, whose AgentPolicy payments/customers-inbound says what callers
 * like it may call (judged at the server's SSL_read):
 *   7. get_customer {id: 1}                                -> allowed
 *   8. delete_customer {id: 2}                             -> blocked before it runs
 * The server's own log (one line per executed tool/API call) proves what ran.
 * Pod traffic stays inside the node's pod network (10.244.0.0/24).
 */
import type { LocalCluster } from './cluster/cluster.js';
import { createCa, issueCert } from './cluster/pki.js';
import { builtImage } from './cluster/paths.js';
import { waitFor } from './cluster/wait.js';
import { ZirizError } from '../core/errors/ziriz-error.js';

export const STORY_NS = 'payments';
const MCP_PORT = 8443;
const DB_PORT = 5432;
const APPS = '/app/dist/hack/apps';
const IDLE = 'setInterval(() => {}, 1 << 30)';

/** The story could not be set up (a pod did not start, ...): not a verdict. */
export class DemoStoryError extends ZirizError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_DEMO_STORY', message, options);
  }
}

export const POLICY = {
  apiVersion: 'ziriz.io/v1alpha1',
  kind: 'AgentPolicy',
  metadata: { name: 'agents', namespace: STORY_NS },
  spec: {
    selector: { matchLabels: { app: 'gpt-orchestrator' } },
    mode: 'Enforce',
    action: 'Block',
    mcp: {
      tools: [
        { name: 'get_customer' },
        { name: 'get_all_customers', arguments: { filter: { required: true, notIn: ['none'] } } },
      ],
    },
    http: {
      routes: [
        // The REST API, at most 100 rows per request.
        { methods: ['GET', 'POST'], paths: ['/api/v2/customers'], query: { limit: { type: 'integer', min: 1, max: 100, maxItems: 1 } } },
        // MCP Streamable HTTP itself (tools are judged by spec.mcp).
        { methods: ['GET', 'POST', 'DELETE'], paths: ['/mcp'] },
      ],
    },
    egress: {
      rules: [{ to: [{ selector: { matchLabels: { app: 'customer-mcp' } } }], ports: [{ port: MCP_PORT, protocol: 'TCP' }] }],
    },
  },
} as const;

/** What callers ziriz does not protect may call on customer-mcp (judged on the server side). */
export const INBOUND_POLICY = {
  apiVersion: 'ziriz.io/v1alpha1',
  kind: 'AgentPolicy',
  metadata: { name: 'customers-inbound', namespace: STORY_NS },
  spec: {
    selector: { matchLabels: { app: 'customer-mcp' } },
    mode: 'Enforce',
    inbound: {
      mcp: {
        tools: [
          { name: 'get_customer' },
          { name: 'delete_*', effect: 'Deny' },
        ],
      },
    },
  },
} as const;

/** A one-replica Deployment of the story (label app: name; `annotations` on the pod template). */
export function deployment(name: string, spec: Record<string, unknown>, annotations: Record<string, string> = {}): Record<string, unknown> {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment',
    metadata: { name, namespace: STORY_NS, labels: { app: name } },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name }, annotations }, spec: { terminationGracePeriodSeconds: 2, ...spec } },
    },
  };
}

/** The namespace, the demo CA, the MCP server, a database the agent must not reach, and the policy. */
export function storyBackground(): Record<string, unknown>[] {
  const image = builtImage('ziriz-demo-apps').ref;
  const ca = createCa('payments demo CA');
  const serving = issueCert(ca, { cn: 'customer-mcp', dns: ['customer-mcp', `customer-mcp.${STORY_NS}.svc`], usage: 'server' });
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: STORY_NS, labels: { 'ziriz.io/enforce': 'true' } } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'ai-agent-prod', namespace: STORY_NS } },
    { apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls', metadata: { name: 'customer-mcp-tls', namespace: STORY_NS }, stringData: { 'tls.crt': serving.certPem, 'tls.key': serving.keyPem } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'demo-ca', namespace: STORY_NS }, data: { 'ca.crt': ca.certPem } },
    deployment('customer-mcp', {
      containers: [{
        name: 'server', image, imagePullPolicy: 'Never', args: [`${APPS}/customer-mcp.js`],
        env: [
          { name: 'HOST', value: '0.0.0.0' }, { name: 'PORT', value: String(MCP_PORT) },
          { name: 'ZIRIZ_TLS_CERT', value: '/tls/tls.crt' }, { name: 'ZIRIZ_TLS_KEY', value: '/tls/tls.key' },
          // One JSON line per tool/API call that actually ran: `kubectl logs` is the proof.
          { name: 'SIDE_EFFECTS', value: '/dev/stdout' },
        ],
        ports: [{ name: 'https', containerPort: MCP_PORT }],
        volumeMounts: [{ name: 'tls', mountPath: '/tls', readOnly: true }],
      }],
      volumes: [{ name: 'tls', secret: { secretName: 'customer-mcp-tls' } }],
    }, { 'ziriz.io/role': 'mcp-server' }),
    deployment('customers-db', {
      containers: [{
        name: 'db', image, imagePullPolicy: 'Never',
        args: ['-e', `require('node:net').createServer((s) => s.end('db\\n')).listen(${DB_PORT})`],
      }],
    }),
    POLICY,
    INBOUND_POLICY,
  ];
}

/** The agent: its main process idles; the demo runs agent-client in it with `kubectl exec`. No DNS here: hostAliases names the server. */
export function agentDeployment(mcpIp: string): Record<string, unknown> {
  return clientDeployment('gpt-orchestrator', mcpIp, { serviceAccountName: 'ai-agent-prod' }, { 'ziriz.io/role': 'agent' });
}

/** A batch job no policy selects: ziriz does not protect it; customer-mcp's inbound rules judge its calls. */
export function batchDeployment(mcpIp: string): Record<string, unknown> {
  return clientDeployment('batch-export', mcpIp, {}, {});
}

function clientDeployment(name: string, mcpIp: string, spec: Record<string, unknown>, annotations: Record<string, string>): Record<string, unknown> {
  return deployment(name, {
    ...spec,
    hostAliases: [{ ip: mcpIp, hostnames: ['customer-mcp'] }],
    containers: [{
      name: 'agent', image: builtImage('ziriz-demo-apps').ref, imagePullPolicy: 'Never', args: ['-e', IDLE],
      env: [
        { name: 'SERVER_URL', value: `https://customer-mcp:${MCP_PORT}` },
        { name: 'NODE_EXTRA_CA_CERTS', value: '/ca/ca.crt' },
      ],
      volumeMounts: [{ name: 'ca', mountPath: '/ca', readOnly: true }],
    }],
    volumes: [{ name: 'ca', configMap: { name: 'demo-ca' } }],
  }, annotations);
}

export interface PodInfo {
  readonly name: string;
  readonly ip: string;
  readonly ready: boolean;
  readonly conditions: readonly { type: string; status: string; reason?: string; message?: string }[];
}

interface PodJson {
  metadata: { name: string; deletionTimestamp?: string };
  status?: { phase?: string; podIP?: string; conditions?: PodInfo['conditions'] };
}

export async function podOf(cluster: LocalCluster, app: string): Promise<PodInfo | undefined> {
  const list = JSON.parse((await cluster.kubectl(['get', 'pods', '-n', STORY_NS, '-l', `app=${app}`, '-o', 'json'])).stdout) as { items: PodJson[] };
  const live = list.items.filter((p) => p.metadata.deletionTimestamp === undefined);
  const p = live[0];
  if (live.length !== 1 || !p || p.status?.phase !== 'Running' || !p.status.podIP) return undefined;
  const conditions = p.status.conditions ?? [];
  return { name: p.metadata.name, ip: p.status.podIP, ready: conditions.some((c) => c.type === 'Ready' && c.status === 'True'), conditions };
}

/** Wait for the single Running pod of `app` (Ready too when `ready`). */
export async function waitPod(cluster: LocalCluster, app: string, ready: boolean, timeoutMs = 120_000): Promise<PodInfo> {
  try {
    return await waitFor(`pod ${STORY_NS}/${app}${ready ? ' Ready' : ' Running'}`, async () => {
      const p = await podOf(cluster, app);
      return p && (!ready || p.ready) ? p : undefined;
    }, { timeoutMs, intervalMs: 500 });
  } catch (e: unknown) {
    const describe = await cluster.kubectl(['describe', 'pods', '-n', STORY_NS, '-l', `app=${app}`]).catch((d: unknown) => ({ stdout: String(d) }));
    throw new DemoStoryError(`${e instanceof Error ? e.message : String(e)}\n${describe.stdout.slice(-4000)}`, { cause: e });
  }
}

/** Delete the story's namespace and wait until it is gone (a replay starts clean). */
export async function deleteStory(cluster: LocalCluster, timeoutMs = 120_000): Promise<void> {
  await cluster.kubectl(['delete', 'namespace', STORY_NS, '--ignore-not-found', '--wait=true', `--timeout=${Math.round(timeoutMs / 1000)}s`], { timeoutMs: timeoutMs + 10_000 });
}
