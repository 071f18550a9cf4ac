/**
 * Is a pod an AI agent or an MCP server, and why? Shared by the webhook (to
 * stamp) and the node agent (to protect). Pure: decided from the pod's
 * own labels/annotations, its namespace's labels, and the AgentPolicies.
 * Order: the pod's own declaration, the namespace's, then policies (a policy
 * selecting the pod makes it an agent; a policy naming it as an MCP server by
 * selector, or selecting it with inbound rules only, makes it an MCP server).
 */
import { ROLE_KEY, SYSTEM_NAMESPACES, isRole, type ZirizRole } from './contract.js';
import type { AgentPolicy, PeerRef } from '../policy/model.js';
import { policyRef, restrictsOwnCalls } from '../policy/model.js';
import { selectPolicies } from '../policy/select.js';
import { selectorMatches } from '../policy/selector.js';

/** What scope needs to know of a pod (the webhook's PodScopeInput and the agent's facts both fit). */
export interface PodScopeInput {
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>> | undefined;
  readonly annotations: Readonly<Record<string, string>> | undefined;
}

export interface ScopeContext {
  readonly namespaceLabels: Readonly<Record<string, string>>;
  /** All AgentPolicies in the cluster (MCP server selectors may name other namespaces). */
  readonly policies: readonly AgentPolicy[];
  /** ziriz's own namespace, never acted on. */
  readonly ownNamespace: string;
}

export type Scope =
  | { readonly inScope: false; readonly why: string }
  | { readonly inScope: true; readonly role: ZirizRole; readonly why: string; readonly selecting: readonly AgentPolicy[] };

export class RoleInvalid extends Error {}

export function excludedNamespace(ns: string, own: string): boolean {
  return ns === own || SYSTEM_NAMESPACES.includes(ns);
}

function peerSelects(peer: PeerRef, policyNs: string, pod: PodScopeInput): boolean {
  if (!peer.selector) return false;
  const nsOk = peer.namespaces.includes('*') || (peer.namespaces.length === 0 ? policyNs === pod.namespace : peer.namespaces.includes(pod.namespace));
  return nsOk && selectorMatches(peer.selector, pod.labels ?? {});
}

/** Policies naming the pod as an MCP server (or A2A peer) by selector. */
export function policiesNamingServer(policies: readonly AgentPolicy[], pod: PodScopeInput): AgentPolicy[] {
  return policies.filter((p) =>
    [...(p.spec.mcp?.servers ?? []), ...(p.spec.a2a?.peers ?? [])].some((peer) => peerSelects(peer, p.namespace, pod)),
  );
}

function declared(pod: PodScopeInput, ctx: ScopeContext): { role: ZirizRole; why: string } | undefined {
  const sources: [string | undefined, string][] = [
    [pod.labels?.[ROLE_KEY], `pod label ${ROLE_KEY}`],
    [pod.annotations?.[ROLE_KEY], `pod annotation ${ROLE_KEY}`],
    [ctx.namespaceLabels[ROLE_KEY], `namespace label ${ROLE_KEY}`],
  ];
  for (const [value, why] of sources) {
    if (value === undefined) continue;
    if (!isRole(value)) throw new RoleInvalid(`${why} is "${value}"; expected agent or mcp-server`);
    return { role: value, why: `${why}=${value}` };
  }
  return undefined;
}

export function scopeOf(pod: PodScopeInput, ctx: ScopeContext): Scope {
  if (excludedNamespace(pod.namespace, ctx.ownNamespace)) {
    return { inScope: false, why: `namespace ${pod.namespace} is never in scope` };
  }
  const selecting = selectPolicies(ctx.policies, { namespace: pod.namespace, labels: pod.labels ?? {} });
  const d = declared(pod, ctx);
  if (d) return { inScope: true, role: d.role, why: d.why, selecting };
  const first = selecting.find((p) => restrictsOwnCalls(p.spec));
  if (first) return { inScope: true, role: 'agent', why: `selected by AgentPolicy ${policyRef(first)}`, selecting };
  const serving = selecting.find((p) => p.spec.inbound !== undefined);
  if (serving) return { inScope: true, role: 'mcp-server', why: `selected by the inbound rules of AgentPolicy ${policyRef(serving)}`, selecting };
  const naming = policiesNamingServer(ctx.policies, pod)[0];
  if (naming) return { inScope: true, role: 'mcp-server', why: `named as a server by AgentPolicy ${policyRef(naming)}`, selecting };
  return { inScope: false, why: 'no ziriz.io/role and no AgentPolicy selects it' };
}
