/**
 * Play the story (hack/demo-story.ts) and judge it: what each call returned,
 * what the server actually ran (its log), the Warning Events ziriz recorded
 * on the agent pod and its ziriz.io/protected condition, as `kubectl
 * describe pod` shows them. `ok` is true only when every verdict is the
 * expected one.
 */
import type { LocalCluster } from './cluster/cluster.js';
import { apply } from './cluster/workloads.js';
import { waitFor } from './cluster/wait.js';
import type { Say } from './demo-progress.js';
import { step } from './demo-progress.js';
import { agentDeployment, batchDeployment, deleteStory, DemoStoryError, STORY_NS, storyBackground, waitPod, type PodInfo } from './demo-story.js';

export type Expect = 'allowed' | 'blocked';


export interface StoryStep {
  readonly title: string;
  readonly command: Record<string, unknown>;
  readonly expect: Expect;
  /** The Warning Event reason ziriz must record for a blocked step (on the agent pod; a batch step's on the server pod). */
  readonly event?: string;
  /** Who calls: the protected agent, or the batch job ziriz does not protect. */
  readonly caller: 'agent' | 'batch';
}

export interface StepResult extends StoryStep {
  readonly observed: Expect | 'error';
  readonly detail: string;
  readonly eventSeen: boolean;
  readonly ok: boolean;
}

export interface StoryReport {
  readonly agentPod: string;
  readonly batchPod: string;
  readonly serverPod: string;
  readonly steps: readonly StepResult[];
  /** The server's log: every tool/API call that actually ran. */
  readonly ran: readonly { what: string; detail: unknown }[];
  /** What the stdio MCP server the agent started ran. */
  readonly stdioRan: readonly { what: string; detail: unknown }[];
  readonly protectedCondition: string;
  /** Its message: hooks, policies, and which programs' calls ziriz sees. */
  readonly protectedMessage: string;
  /** Lines of `kubectl describe pod` worth showing: the condition and the Warning Events. */
  readonly describeLines: readonly string[];
  /** The same for the MCP server's pod (verdicts of its inbound rules). */
  readonly serverDescribeLines: readonly string[];
  readonly unexpectedBlocks: readonly string[];
  readonly ok: boolean;
}

export function storySteps(dbIp: string): StoryStep[] {
  return [
    { caller: 'agent', title: 'MCP tools/call get_customer {id: 1}', command: { op: 'mcp', tool: 'get_customer', args: { id: 1 } }, expect: 'allowed' },
    { caller: 'agent', title: 'MCP tools/call get_all_customers {filter: "none"}', command: { op: 'mcp', tool: 'get_all_customers', args: { filter: 'none' } }, expect: 'blocked', event: 'ToolCallBlocked' },
    { caller: 'agent', title: 'POST /api/v2/customers?limit=100000', command: { op: 'http', method: 'POST', path: '/api/v2/customers?limit=100000' }, expect: 'blocked', event: 'HTTPRequestBlocked' },
    { caller: 'agent', title: 'stdio MCP server the agent starts (its child, in its pod): tools/call get_customer {id: 1}', command: { op: 'mcp-stdio', tool: 'get_customer', args: { id: 1 } }, expect: 'allowed' },
    { caller: 'agent', title: 'stdio MCP server the agent starts (its child, in its pod): tools/call get_all_customers {filter: "none"}', command: { op: 'mcp-stdio', tool: 'get_all_customers', args: { filter: 'none' } }, expect: 'blocked', event: 'ToolCallBlocked' },
    { caller: 'agent', title: `connect ${dbIp}:5432 (customers-db, outside the policy)`, command: { op: 'connect', host: dbIp, port: 5432 }, expect: 'blocked', event: 'EgressBlocked' },
    { caller: 'batch', title: 'batch-export (not protected): MCP tools/call get_customer {id: 1}', command: { op: 'mcp', tool: 'get_customer', args: { id: 1 } }, expect: 'allowed' },
    { caller: 'batch', title: 'batch-export (not protected): MCP tools/call delete_customer {id: 2}', command: { op: 'mcp', tool: 'delete_customer', args: { id: 2 } }, expect: 'blocked', event: 'ToolCallBlocked' },
  ];
}

export interface Answer { ok: boolean; result?: unknown; error?: string }
interface ToolResult { isError?: boolean; content?: { text?: string }[] }

/** What a call's answer says happened: allowed (it ran), blocked, or an error that is neither. */
export function observe(cmd: Record<string, unknown>, a: Answer | undefined): { observed: Expect | 'error'; detail: string } {
  if (!a) return { observed: 'error', detail: 'no answer from the agent' };
  switch (cmd.op) {
    case 'mcp':
    case 'mcp-stdio': {
      if (!a.ok) return { observed: 'blocked', detail: `error: ${a.error ?? ''}` };
      const r = a.result as ToolResult;
      const text = (r.content ?? []).map((c) => c.text ?? '').join('');
      return r.isError === true ? { observed: 'blocked', detail: `isError: ${text}` } : { observed: 'allowed', detail: text };
    }
    case 'http': {
      if (!a.ok) return { observed: 'error', detail: a.error ?? '' };
      const r = a.result as { status: number; body: string };
      return { observed: r.status === 200 ? 'allowed' : 'blocked', detail: `HTTP ${r.status} ${r.body.slice(0, 120)}` };
    }
    case 'connect': {
      const code = (a.result as { code?: string } | undefined)?.code ?? a.error ?? '';
      if (code === 'ok') return { observed: 'allowed', detail: 'connected' };
      return code === 'EPERM' ? { observed: 'blocked', detail: 'connect(): EPERM' } : { observed: 'error', detail: code };
    }
    default:
      return { observed: 'error', detail: `unknown op ${String(cmd.op)}` };
  }
}

/** Run agent-client in the agent pod (kubectl exec): one JSON command per line in, one answer per line out. */
export async function runAgent(cluster: LocalCluster, pod: string, commands: readonly Record<string, unknown>[]): Promise<(Answer | undefined)[]> {
  const input = commands.map((c) => JSON.stringify(c)).join('\n') + '\n';
  const out = await cluster.kubectl(['exec', '-i', '-n', STORY_NS, pod, '-c', 'agent', '--', '/usr/local/bin/node', '/app/dist/hack/apps/agent-client.js'], { input, timeoutMs: 120_000 });
  const answers = out.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Answer);
  return commands.map((_c, i) => answers[i]);
}

export async function serverLog(cluster: LocalCluster, pod: string): Promise<{ what: string; detail: unknown }[]> {
  const out = (await cluster.kubectl(['logs', '-n', STORY_NS, pod])).stdout;
  return out.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { what: string; detail: unknown });
}

/** What the stdio MCP server the agent started ran (its record, in the agent's container). */
export async function stdioLog(cluster: LocalCluster, pod: string): Promise<{ what: string; detail: unknown }[]> {
  const out = await cluster.kubectl(['exec', '-n', STORY_NS, pod, '-c', 'agent', '--', '/bin/sh', '-c', 'cat /tmp/ziriz-stdio-ran.jsonl 2>/dev/null || true']);
  return out.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { what: string; detail: unknown });
}

export interface EventJson { reason?: string; type?: string; note?: string; regarding?: { name?: string } }

/** The events.k8s.io Events about `pod` (of `type` when given). */
export async function podEvents(cluster: LocalCluster, pod: string, type?: 'Warning' | 'Normal'): Promise<EventJson[]> {
  const list = JSON.parse((await cluster.kubectl(['get', 'events.events.k8s.io', '-n', STORY_NS, '-o', 'json'])).stdout) as { items: EventJson[] };
  return list.items.filter((e) => e.regarding?.name === pod && (type === undefined || e.type === type));
}

async function warningEvents(cluster: LocalCluster, pod: string): Promise<EventJson[]> {
  return podEvents(cluster, pod, 'Warning');
}

/** The describe lines a person looks for: the ziriz.io/protected gate and condition (with their section) and ziriz's Warning Events. */
export function describeHighlights(describe: string): string[] {
  const out: string[] = [];
  let section = '';
  for (const l of describe.split('\n')) {
    const header = /^([A-Z][A-Za-z ]+):\s*$/.exec(l);
    if (header?.[1]) section = header[1];
    if (l.includes('ziriz.io/protected') && !l.includes('=')) out.push(`${section}: ${l.trim().replace(/\s+/g, ' ')}`);
    else if (/^\s*Warning\s+\S+(Blocked|Audited|Degraded|Failed)\b/.test(l)) out.push(l.trimEnd());
  }
  return out;
}

export interface Scene {
  readonly mcp: PodInfo;
  readonly db: PodInfo;
  readonly agent: PodInfo;
  readonly batch: PodInfo;
}

/** Set the scene: namespace, CA, server, database, policies; then the agent, Ready once ziriz protects it, and the batch job. */
export async function setScene(cluster: LocalCluster, say: Say): Promise<Scene> {
  await step(say, `reset namespace ${STORY_NS}`, () => deleteStory(cluster));
  await step(say, 'MCP server customer-mcp, customers-db, AgentPolicy payments/agents and payments/customers-inbound', () => apply(cluster, storyBackground()));
  const [mcp, db] = await step(say, 'waiting for customer-mcp (Ready once ziriz protects it) and customers-db', () => Promise.all([waitPod(cluster, 'customer-mcp', true), waitPod(cluster, 'customers-db', false)]));
  say(`  customer-mcp ${mcp.ip}:8443 (HTTPS), customers-db ${db.ip}:5432`);
  await apply(cluster, [agentDeployment(mcp.ip), batchDeployment(mcp.ip)]);
  const [agent, batch] = await step(say, 'agent gpt-orchestrator (service account ai-agent-prod): waiting until ziriz protects it (readiness gate ziriz.io/protected); batch-export', () =>
    Promise.all([waitPod(cluster, 'gpt-orchestrator', true), waitPod(cluster, 'batch-export', false)]));
  return { mcp, db, agent, batch };
}

/** Warning Events on `pod` until every expected reason is there (30 s at most; then what there is). */
async function eventsFor(cluster: LocalCluster, pod: string, expected: readonly string[]): Promise<EventJson[]> {
  return waitFor(`the Warning Events of the blocked calls on ${pod}`, async () => {
    const ev = await warningEvents(cluster, pod);
    return expected.every((r) => ev.some((e) => e.reason === r)) ? ev : undefined;
  }, { timeoutMs: 30_000, intervalMs: 500 }).catch(() => warningEvents(cluster, pod));
}

/** Play the calls and collect every verdict. */
export async function playStory(cluster: LocalCluster, say: Say, scene: Scene): Promise<StoryReport> {
  const steps = storySteps(scene.db.ip);
  const mine = (who: StoryStep['caller']): StoryStep[] => steps.filter((s) => s.caller === who);
  const agentAnswers = await step(say, `agent ${scene.agent.name} makes its calls (kubectl exec: a new process, held at exec until its probes are on)`, () => runAgent(cluster, scene.agent.name, mine('agent').map((s) => s.command)));
  const batchAnswers = await step(say, `batch job ${scene.batch.name} (not protected) calls customer-mcp: judged by the server's inbound rules`, () => runAgent(cluster, scene.batch.name, mine('batch').map((s) => s.command)));
  const answers = [...agentAnswers, ...batchAnswers];
  const ordered = [...mine('agent'), ...mine('batch')];
  const ran = await serverLog(cluster, scene.mcp.name);
  const stdioRan = await stdioLog(cluster, scene.agent.name);
  const reasons = (who: StoryStep['caller']): string[] => mine(who).flatMap((s) => (s.event ? [s.event] : []));
  const [agentEvents, serverEvents] = await Promise.all([eventsFor(cluster, scene.agent.name, reasons('agent')), eventsFor(cluster, scene.mcp.name, reasons('batch'))]);
  const results = ordered.map((s, i): StepResult => {
    const { observed, detail } = observe(s.command, answers[i]);
    const ranIt = s.command.op === 'mcp' ? ran.some((r) => r.what === s.command.tool) : s.command.op === 'mcp-stdio' ? stdioRan.some((r) => r.what === s.command.tool) : s.command.op === 'http' ? ran.some((r) => r.what === 'rest' && JSON.stringify(r.detail).includes('100000')) : false;
    const events = s.caller === 'agent' ? agentEvents : serverEvents;
    const eventSeen = s.event === undefined || events.some((e) => e.reason === s.event && (s.caller === 'agent' || (e.note ?? '').includes(String(s.command.tool))));
    const ok = observed === s.expect && eventSeen && (s.expect === 'allowed' || !ranIt);
    return { ...s, observed, detail, eventSeen, ok };
  });
  const describe = (await cluster.kubectl(['describe', 'pod', '-n', STORY_NS, scene.agent.name])).stdout;
  const serverDescribe = (await cluster.kubectl(['describe', 'pod', '-n', STORY_NS, scene.mcp.name])).stdout;
  const condition = (field: string): Promise<string> => cluster.kubectl(['get', 'pod', '-n', STORY_NS, scene.agent.name, '-o', `jsonpath={.status.conditions[?(@.type=="ziriz.io/protected")].${field}}`]).then((r) => r.stdout.trim());
  const now = await condition('status');
  const message = await condition('message');
  const unexpected = (events: readonly EventJson[], expected: readonly string[]): string[] =>
    events.filter((e) => e.reason?.endsWith('Blocked') === true && !expected.includes(e.reason)).map((e) => `${e.reason ?? ''}: ${e.note ?? ''}`);
  const unexpectedBlocks = [...unexpected(agentEvents, reasons('agent')), ...unexpected(serverEvents, reasons('batch'))];
  const ok = results.every((r) => r.ok) && now === 'True' && unexpectedBlocks.length === 0;
  return {
    agentPod: scene.agent.name, batchPod: scene.batch.name, serverPod: scene.mcp.name, steps: results, ran, stdioRan, protectedCondition: now, protectedMessage: message,
    describeLines: describeHighlights(describe), serverDescribeLines: describeHighlights(serverDescribe), unexpectedBlocks, ok,
  };
}

/** The report as the demo prints it (stdout). */
export function formatReport(r: StoryReport): string {
  const lines: string[] = ['', `The agent's calls (pod ${STORY_NS}/${r.agentPod}, service account ai-agent-prod, AgentPolicy ${STORY_NS}/agents), then a batch job's (pod ${STORY_NS}/${r.batchPod}, not protected; judged by customer-mcp's AgentPolicy ${STORY_NS}/customers-inbound):`];
  for (const s of r.steps) {
    lines.push(`  ${s.ok ? 'PASS' : 'FAIL'}  ${s.title}`);
    lines.push(`        expected ${s.expect}, observed ${s.observed}: ${s.detail.slice(0, 160)}`);
    if (s.event) lines.push(`        Warning Event ${s.event} on the ${s.caller === 'agent' ? 'agent' : 'server'} pod: ${s.eventSeen ? 'recorded' : 'MISSING'}`);
  }
  lines.push('', `What the MCP server actually ran (its log): ${r.ran.map((x) => x.what).join(', ') || 'nothing'}`);
  lines.push(`What the agent's stdio MCP server actually ran (its record): ${r.stdioRan.map((x) => x.what).join(', ') || 'nothing'}`);
  lines.push('', `kubectl describe pod -n ${STORY_NS} ${r.agentPod}   (relevant lines)`);
  for (const l of r.describeLines) lines.push(`  ${l}`);
  lines.push('', `kubectl describe pod -n ${STORY_NS} ${r.serverPod}   (relevant lines)`);
  for (const l of r.serverDescribeLines) lines.push(`  ${l}`);
  if (r.unexpectedBlocks.length > 0) lines.push('', 'Unexpected blocks:', ...r.unexpectedBlocks.map((u) => `  ${u}`));
  lines.push('', r.ok ? 'RESULT: every verdict is as expected' : 'RESULT: some verdicts are NOT as expected');
  return `${lines.join('\n')}\n`;
}

export { DemoStoryError };
