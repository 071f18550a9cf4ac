/**
 * The text people read: Event notes for verdicts and protection changes, and
 * the ziriz.io/protected condition message. Pure functions, one place, so
 * `kubectl describe pod` reads the same everywhere.
 */
import type { PodIdentity, Protection, Verdict, VerdictKind } from './types.js';
import type { ProcessSight } from '../calls/sight.js';
import { BLINDNESS_WHY } from '../calls/visibility.js';

/** events.k8s.io/v1 caps `note` at 1 kB. */
export const NOTE_MAX = 1024;

const KIND_LABEL = {
  egress: 'egress',
  mcp: 'MCP',
  a2a: 'A2A',
  http: 'HTTP',
  exec: 'exec',
  file: 'open',
} as const satisfies Record<VerdictKind, string>;

/** Cut to `max` characters, marking the cut. */
export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function decision(v: Verdict): string {
  if (v.verdict === 'audit') return 'would be denied (audit) by';
  return v.action === 'Kill' ? 'denied (process killed) by' : 'denied by';
}

function decidedBy(v: Verdict): string {
  const who = v.policy === '' ? 'the default of the policies in force' : `AgentPolicy ${v.policy}`;
  return v.rule === '' ? who : `${who} ${v.rule}`;
}

/** "identity payments/ai-agent-prod, pod payments/gpt-7d9f (Deployment/gpt, service account ai-agent-prod)" */
export function describePod(p: PodIdentity): string {
  return `identity ${p.namespace}/${p.serviceAccount}, pod ${p.namespace}/${p.pod} (${p.owner === '' ? 'no owner' : p.owner}, service account ${p.serviceAccount})`;
}

function describeProcess(v: Verdict): string {
  const container = v.container ? `container ${v.container.name}, ` : '';
  return `${container}pid ${v.pid} uid ${v.uid}${v.comm === '' ? '' : ` (${v.comm})`}`;
}

/**
 * The note of a verdict Event, e.g.
 * `MCP tools/call get_all_customers to payments/customer-mcp denied by AgentPolicy payments/agents spec.mcp.rules[0]
 * (argument filter: "none" not allowed); identity payments/ai-agent-prod, pod payments/gpt-7d9f (Deployment/gpt,
 * service account ai-agent-prod), container app, pid 4242 uid 1000 (node), node node-1`.
 */
export function verdictNote(v: Verdict, node: string): string {
  const peer = v.peer ? ` to ${v.peer.namespace}/${v.peer.pod}` : '';
  const why = v.why === '' ? '' : ` (${v.why})`;
  const who = v.pod ? describePod(v.pod) : `cgroup ${v.cgroupId}`;
  return clip(`${KIND_LABEL[v.kind]} ${v.target}${peer} ${decision(v)} ${decidedBy(v)}${why}; ${who}, ${describeProcess(v)}, node ${node}`, NOTE_MAX);
}

function hookList(hooks: readonly string[]): string {
  return hooks.length === 0 ? 'none' : hooks.join(', ');
}

/**
 * The condition message: hooks attached, degraded ones with why and the
 * substitute in force, then the caller's detail. E.g.
 * `hooks attached: egress-cgroup, egress-tc; degraded: lsm-file-exec-socket: LSM unavailable on this kernel
 * (exec visibility via tracepoint + Kill in force)`.
 */
export function protectionMessage(p: Protection): string {
  const parts = [`hooks attached: ${hookList(p.attached)}`];
  if (p.degraded.length > 0) {
    const degraded = p.degraded.map((d) => `${d.hook}: ${d.why}${d.substitute ? ` (${d.substitute} in force)` : ''}`);
    parts.push(`degraded: ${degraded.join('; ')}`);
  }
  if (p.detail !== undefined && p.detail !== '') parts.push(p.detail);
  return clip(parts.join('; '), 32_768);
}

/** The note of the pod Event that accompanies a protection change. */
export function protectionNote(p: Protection, node: string): string {
  const state = p.protected ? (p.degraded.length > 0 ? 'protected with degraded hooks' : 'protected') : `not protected (${p.reason})`;
  return clip(`${state} on node ${node}: ${protectionMessage(p)}; ${describePod(p.pod)}`, NOTE_MAX);
}

/** The programs of one container as the agent probed them. */
export interface ContainerSight {
  readonly container: string;
  readonly processes: readonly ProcessSight[];
}

/** Each program once per container, in its first state (seen or not). */
function programsOf(c: ContainerSight): ProcessSight[] {
  const byExe = new Map<string, ProcessSight>();
  for (const p of c.processes) if (!byExe.has(p.exe)) byExe.set(p.exe, p);
  return [...byExe.values()];
}

/**
 * What the condition says of the pod's calls, per container: the programs
 * whose calls are seen (with the stacks read) and those whose are not (with
 * why, and what follows from it), e.g. `calls seen: app: node (OpenSSL,
 * plaintext (libc)); not seen: app: agent-rs (a program with its own TLS
 * stack (rustls), which ziriz does not probe): its TCP connects are refused`.
 * '' when no program was probed.
 */
export function sightNote(containers: readonly ContainerSight[], egressOnly: boolean): string {
  const seen: string[] = [];
  const blind: string[] = [];
  for (const c of containers) {
    const progs = programsOf(c);
    // A program with no probe that is not blind either (no TLS library, plaintext probes off) is in neither list.
    const s = progs.flatMap((p) => ('seen' in p && p.seen.length > 0 ? [`${p.exe} (${p.seen.join(', ')})`] : []));
    const b = progs.flatMap((p) => ('blind' in p ? [`${p.exe} (${BLINDNESS_WHY[p.blind]})`] : []));
    if (s.length > 0) seen.push(`${c.container}: ${s.join(', ')}`);
    if (b.length > 0) blind.push(`${c.container}: ${b.join(', ')}`);
  }
  const parts: string[] = [];
  if (seen.length > 0) parts.push(`calls seen in ${seen.join('; ')}`);
  if (blind.length > 0) {
    const then = egressOnly
      ? 'egress only (spec.visibility: EgressOnly); a protected server judges their calls by its inbound rules'
      : 'their TCP connects are refused (spec.visibility: EgressOnly would accept egress-only protection)';
    parts.push(`calls NOT seen in ${blind.join('; ')}: ${then}`);
  }
  return clip(parts.join('; '), 2048);
}

/** The note of the Node Event about hooks this kernel cannot provide. */
export function nodeHooksNote(attached: readonly string[], degraded: readonly { readonly hook: string; readonly why: string }[]): string {
  const missing = degraded.map((d) => `${d.hook}: ${d.why}`).join('; ');
  return clip(`hooks available: ${hookList(attached)}${degraded.length > 0 ? `; degraded: ${missing}` : ''}`, NOTE_MAX);
}
