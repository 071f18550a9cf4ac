/**
 * evaluate(set, request) -> verdict. Pure and total: it never throws. Input
 * that cannot be parsed, or an internal failure, is a DENY with the reason
 * (fail closed), whatever the policies say.
 */
import { posix } from 'node:path';
import type { CompiledPolicySet, Coverage } from './compiled.js';
import type { Candidate, Decision } from './decide.js';
import { decide } from './decide.js';
import { callCandidates, egressCandidates, execCandidates, fileCandidates, routeCandidates } from './match.js';
import type { PolicyAction } from './model.js';
import { parseRequest } from './request.js';
import type { PolicyRequest } from './request.js';
import { errorMessage } from '../errors/ziriz-error.js';

export type VerdictName = 'allow' | 'deny' | 'audit';

export interface PolicyVerdict {
  readonly verdict: VerdictName;
  /** `namespace/name` of the deciding policy; '' when none decided (nothing covers, or bad input). */
  readonly policy: string;
  /** Stable rule path: `spec.mcp.tools[1].arguments.filter`, `spec.mcp` (category default), `request` (bad input). */
  readonly rule: string;
  /** rule_id as carried by the kernel maps; 0 = none. */
  readonly ruleId: number;
  /** What an enforced deny does: Block or Kill. */
  readonly action?: PolicyAction;
  readonly reason: string;
}

function describe(req: PolicyRequest): string {
  switch (req.kind) {
    case 'mcp':
      return `MCP tool ${req.name}`;
    case 'a2a':
      return `A2A method ${req.name}`;
    case 'http':
      return `HTTP ${req.name} ${req.path ?? ''}`;
    case 'egress':
      return `egress to ${req.target.ip?.text ?? '?'}:${req.target.port ?? 0}/${req.target.protocol ?? 'TCP'}`;
    case 'exec':
      return `exec ${req.name}`;
    case 'file':
      return `open ${req.name}`;
  }
}

function failClosed(set: CompiledPolicySet, reason: string): PolicyVerdict {
  return { verdict: 'deny', policy: '', rule: 'request', ruleId: 0, action: set.action, reason };
}

function candidates(set: CompiledPolicySet, req: PolicyRequest): { cands: Candidate[]; cover: Coverage; defaultDeny: boolean } | string {
  switch (req.kind) {
    case 'mcp':
      return { cands: callCandidates(set.mcp, req), cover: set.coverage.mcp, defaultDeny: true };
    case 'a2a':
      return { cands: callCandidates(set.a2a, req), cover: set.coverage.a2a, defaultDeny: true };
    case 'http':
      return { cands: routeCandidates(set, req), cover: set.coverage.http, defaultDeny: true };
    case 'egress':
      return { cands: egressCandidates(set, req), cover: set.coverage.egress, defaultDeny: true };
    case 'exec':
    case 'file': {
      if (!req.name.startsWith('/')) return `${req.kind} path "${req.name}" is not absolute`;
      const path = posix.normalize(req.name);
      const cands = req.kind === 'exec' ? execCandidates(set, path) : fileCandidates(set, path);
      return { cands, cover: set.coverage[req.kind === 'exec' ? 'process' : 'files'], defaultDeny: false };
    }
  }
}

export function toVerdict(set: CompiledPolicySet, d: Decision): PolicyVerdict {
  const verdict: VerdictName = d.outcome === 'check' || d.outcome === 'deny' ? 'deny' : d.outcome;
  const rule = d.rule;
  return {
    verdict,
    policy: rule?.policy ?? '',
    rule: d.path ?? rule?.path ?? '',
    ruleId: rule?.id ?? 0,
    ...(verdict === 'deny' ? { action: rule?.action ?? set.action } : {}),
    reason: d.reason,
  };
}

/** Judge one request (any JSON value) against a compiled policy set. */
export function evaluate(set: CompiledPolicySet, request: unknown): PolicyVerdict {
  try {
    const req = parseRequest(request);
    if ('error' in req) return failClosed(set, `malformed request: ${req.error}`);
    const c = candidates(set, req);
    if (typeof c === 'string') return failClosed(set, `malformed request: ${c}`);
    return toVerdict(set, decide(c.cands, c.cover, describe(req), c.defaultDeny));
  } catch (err) {
    return failClosed(set, `evaluation failed: ${errorMessage(err)}`);
  }
}
