/**
 * Admission warnings: things that are legal but probably not what the author
 * meant, or that cost a userspace round trip per call. The webhook returns
 * them as AdmissionReview warnings; the CLI's validate prints them.
 */
import type { AgentPolicy, CallRule } from './model.js';
import { restrictsOwnCalls } from './model.js';

function unusedPeers(peers: readonly { readonly name: string }[], rules: readonly CallRule[], field: string): string[] {
  const used = new Set(rules.flatMap((r) => r.servers));
  return peers.filter((p) => !used.has(p.name)).map((p) => `${field}: "${p.name}" is declared but no rule refers to it`);
}

function callWarnings(rules: readonly CallRule[], path: string, what: string): string[] {
  const out: string[] = [];
  rules.forEach((r, i) => {
    if (r.effect === 'Allow' && /^\*+$/.test(r.name) && Object.keys(r.arguments).length === 0 && r.servers.length === 0) {
      out.push(`${path}[${i}]: allows every ${what}; only Deny rules restrict this category`);
    }
    if (r.servers.length > 0 || Object.keys(r.arguments).length > 0) {
      out.push(`${path}[${i}]: "${r.name}" depends on the ${path.includes('inbound') ? 'caller' : 'server'} or the arguments, so each call is held for a userspace check`);
    }
  });
  return out;
}

function callSectionWarnings(s: AgentPolicy['spec']): string[] {
  const out: string[] = [];
  if (s.mcp !== undefined) {
    if (s.mcp.tools.length === 0) out.push('spec.mcp: no tools listed: every MCP tool call is denied');
    out.push(...callWarnings(s.mcp.tools, 'spec.mcp.tools', 'tool'), ...unusedPeers(s.mcp.servers, s.mcp.tools, 'spec.mcp.servers'));
  }
  if (s.a2a !== undefined) {
    if (s.a2a.methods.length === 0) out.push('spec.a2a: no methods listed: every A2A call is denied');
    out.push(...callWarnings(s.a2a.methods, 'spec.a2a.methods', 'method'), ...unusedPeers(s.a2a.peers, s.a2a.methods, 'spec.a2a.peers'));
  }
  return out;
}

function inboundWarnings(s: AgentPolicy['spec']): string[] {
  const ib = s.inbound;
  if (ib === undefined) return [];
  const out: string[] = [];
  if (!restrictsOwnCalls(s) && s.action === 'Kill') {
    out.push('spec.action: Kill has no effect on inbound rules (the caller is remote; inbound denials are blocked)');
  }
  if (ib.mcp !== undefined) out.push(...callWarnings(ib.mcp.tools, 'spec.inbound.mcp.tools', 'tool'));
  if (ib.a2a !== undefined) out.push(...callWarnings(ib.a2a.methods, 'spec.inbound.a2a.methods', 'method'));
  out.push(...unusedPeers(ib.callers, [...(ib.mcp?.tools ?? []), ...(ib.a2a?.methods ?? [])], 'spec.inbound.callers'));
  return out;
}

function egressWarnings(s: AgentPolicy['spec']): string[] {
  if (s.egress === undefined) return [];
  const out: string[] = [];
  if (s.egress.rules.length === 0) out.push('spec.egress: no rules: all egress but loopback is denied, DNS included');
  s.egress.rules.forEach((r, i) => {
    if (r.effect === 'Allow' && r.to.some((t) => t.cidr === '0.0.0.0/0' || t.cidr === '::/0')) {
      out.push(`spec.egress.rules[${i}]: allows every address${r.ports.length === 0 ? ' on every port' : ''}`);
    }
  });
  return out;
}

export function policyWarnings(p: AgentPolicy): string[] {
  const s = p.spec;
  const out: string[] = [];
  const covers = s.mcp ?? s.a2a ?? s.http ?? s.egress ?? s.process ?? s.files ?? s.inbound;
  if (covers === undefined) out.push('spec: no mcp, a2a, http, egress, process, files or inbound section: this policy restricts nothing');
  const host = s.hostAccess;
  if (host !== undefined && (host.hostNetwork || host.hostPID || host.privileged)) {
    out.push('spec.hostAccess: pods using host namespaces or privileged containers can escape per-pod enforcement');
  }
  if (s.mode === 'Audit' && s.action === 'Kill') out.push('spec.action: Kill has no effect in Audit mode');
  return [...out, ...callSectionWarnings(s), ...inboundWarnings(s), ...egressWarnings(s)];
}
