/**
 * Go programs in the demo's namespace (issue 15 item 1, "through the local
 * cluster"): the official Go MCP SDK (test/apps/go-mcp, image go-mcp: a build
 * with symbols and a stripped one, both static) as
 *   - go-agent: a protected agent pod (AgentPolicy payments/go-agents, the
 *     demo agent's rules) calling the Node customer-mcp (HTTPS, HTTP/1.1)
 *     and the Go server (HTTPS, HTTP/2 by ALPN), and starting the Go SDK's
 *     stdio server as its child;
 *   - go-customer-mcp: an MCP server pod (stripped build, Go crypto/tls,
 *     HTTP/2 and HTTP/1.1) whose AgentPolicy payments/go-customers-inbound
 *     judges callers ziriz does not protect;
 *   - go-batch: such a caller (the Go SDK client, not protected).
 * Every server's own record (kubectl logs; a file for the stdio server) is
 * what ran. No DNS in the local cluster: hostAliases name the servers.
 */
import type { LocalCluster } from '../../hack/cluster/cluster.js';
import { builtImage } from '../../hack/cluster/paths.js';
import { createCa, issueCert } from '../../hack/cluster/pki.js';
import { apply } from '../../hack/cluster/workloads.js';
import type { ImageSet } from '../../hack/demo-install.js';
import { deployment, POLICY, STORY_NS, waitPod, type PodInfo } from '../../hack/demo-story.js';

export const GO_IMAGE_SET: ImageSet = { id: 'go-mcp', names: ['go-mcp'], inputs: ['test/apps/go-mcp', 'hack/images'] };

const PORT = 8443;
export const GO_BIN = '/usr/local/bin/go-mcp';
export const GO_BIN_STRIPPED = '/usr/local/bin/go-mcp-stripped';
/** The Go stdio server's record of what ran, in go-agent's container. */
export const GO_STDIO_RECORD = '/tmp/go-stdio-ran.jsonl';

/** The demo agent's rules (payments/agents) for go-agent, with the Go server as a second destination. */
const GO_AGENT_POLICY = {
  ...POLICY,
  metadata: { name: 'go-agents', namespace: STORY_NS },
  spec: {
    ...POLICY.spec,
    selector: { matchLabels: { app: 'go-agent' } },
    egress: {
      rules: [{
        to: [{ selector: { matchLabels: { app: 'customer-mcp' } } }, { selector: { matchLabels: { app: 'go-customer-mcp' } } }],
        ports: [{ port: PORT, protocol: 'TCP' }],
      }],
    },
  },
};

/** What callers ziriz does not protect may call on the Go server (its crypto/tls Read is probed). */
const GO_INBOUND_POLICY = {
  apiVersion: 'ziriz.io/v1alpha1',
  kind: 'AgentPolicy',
  metadata: { name: 'go-customers-inbound', namespace: STORY_NS },
  spec: {
    selector: { matchLabels: { app: 'go-customer-mcp' } },
    mode: 'Enforce',
    inbound: { mcp: { tools: [{ name: 'get_customer' }, { name: 'delete_*', effect: 'Deny' }] } },
  },
};

function goClientDeployment(name: string, hosts: { mcp: string; go: string }, annotations: Record<string, string>): Record<string, unknown> {
  return deployment(name, {
    hostAliases: [{ ip: hosts.mcp, hostnames: ['customer-mcp'] }, { ip: hosts.go, hostnames: ['go-customer-mcp'] }],
    containers: [{
      name: 'go', image: builtImage('go-mcp').ref, imagePullPolicy: 'Never',
      volumeMounts: [{ name: 'ca', mountPath: '/ca', readOnly: true }, { name: 'go-ca', mountPath: '/go-ca', readOnly: true }],
    }],
    volumes: [{ name: 'ca', configMap: { name: 'demo-ca' } }, { name: 'go-ca', configMap: { name: 'go-demo-ca' } }],
  }, annotations);
}

export interface GoScene {
  readonly server: PodInfo;
  readonly agent: PodInfo;
  readonly batch: PodInfo;
}

/** The Go server (Ready once ziriz protects it), then the protected Go agent (Ready likewise) and the unprotected Go batch client. */
export async function setGoScene(cluster: LocalCluster, mcpIp: string): Promise<GoScene> {
  const ca = createCa('payments Go demo CA');
  const serving = issueCert(ca, { cn: 'go-customer-mcp', dns: ['go-customer-mcp'], usage: 'server' });
  await apply(cluster, [
    { apiVersion: 'v1', kind: 'Secret', type: 'kubernetes.io/tls', metadata: { name: 'go-customer-mcp-tls', namespace: STORY_NS }, stringData: { 'tls.crt': serving.certPem, 'tls.key': serving.keyPem } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'go-demo-ca', namespace: STORY_NS }, data: { 'ca.crt': ca.certPem } },
    GO_AGENT_POLICY,
    GO_INBOUND_POLICY,
    deployment('go-customer-mcp', {
      containers: [{
        name: 'go', image: builtImage('go-mcp').ref, imagePullPolicy: 'Never',
        command: [GO_BIN_STRIPPED],
        // Every executed tool as a JSON line on stdout: `kubectl logs` is the record.
        args: ['server', `0.0.0.0:${PORT}`, '/tls/tls.crt', '/tls/tls.key', '/dev/stdout'],
        ports: [{ name: 'https', containerPort: PORT }],
        volumeMounts: [{ name: 'tls', mountPath: '/tls', readOnly: true }],
      }],
      volumes: [{ name: 'tls', secret: { secretName: 'go-customer-mcp-tls' } }],
    }, { 'ziriz.io/role': 'mcp-server' }),
  ]);
  const server = await waitPod(cluster, 'go-customer-mcp', true);
  const hosts = { mcp: mcpIp, go: server.ip };
  await apply(cluster, [goClientDeployment('go-agent', hosts, { 'ziriz.io/role': 'agent' }), goClientDeployment('go-batch', hosts, {})]);
  const [agent, batch] = await Promise.all([waitPod(cluster, 'go-agent', true), waitPod(cluster, 'go-batch', false)]);
  return { server, agent, batch };
}

/** One call's outcome as go-mcp prints it. */
export interface GoOutcome {
  readonly tool: string;
  readonly ok: boolean;
  readonly text?: string;
  readonly error?: string;
}

function outcomes(stdout: string, what: string): GoOutcome[] {
  if (!stdout.includes('done')) throw new Error(`${what} did not finish: ${stdout.slice(-1500)}`);
  return stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as GoOutcome);
}

/** `kubectl exec` the Go SDK client in `pod` (a new process: held at exec until its probes are on): one session, the calls in order. */
export async function goClient(cluster: LocalCluster, pod: string, bin: string, url: string, caFile: string, calls: readonly string[]): Promise<GoOutcome[]> {
  const out = await cluster.kubectl(['exec', '-n', STORY_NS, pod, '-c', 'go', '--', bin, 'client', url, caFile, ...calls], { timeoutMs: 120_000 });
  return outcomes(out.stdout, `go-mcp client in ${pod}`);
}

/** The Go SDK client in `pod` starting the Go SDK's stdio server as its child (pipes in the pod), with a fresh record. */
export async function goStdio(cluster: LocalCluster, pod: string, calls: readonly string[]): Promise<{ outcomes: GoOutcome[]; ran: string[] }> {
  await cluster.kubectl(['exec', '-n', STORY_NS, pod, '-c', 'go', '--', 'rm', '-f', GO_STDIO_RECORD]);
  const out = await cluster.kubectl(['exec', '-n', STORY_NS, pod, '-c', 'go', '--', GO_BIN_STRIPPED, 'stdio-client', GO_BIN_STRIPPED, 'stdio-server', GO_STDIO_RECORD, '--', ...calls], { timeoutMs: 120_000 });
  const record = await cluster.kubectl(['exec', '-n', STORY_NS, pod, '-c', 'go', '--', '/bin/sh', '-c', `cat ${GO_STDIO_RECORD} 2>/dev/null || true`]);
  const ran = record.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => (JSON.parse(l) as { what: string }).what);
  return { outcomes: outcomes(out.stdout, `go-mcp stdio-client in ${pod}`), ran };
}
