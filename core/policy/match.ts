/**
 * Which rules of a compiled set match a request, as Candidates for decide().
 * Pure functions shared by the evaluator (every fact known) and, through
 * the same name/route matching, by the kernel encoder.
 */
import { hostPrefix, prefixContains } from './cidr.js';
import type { CompiledCallRule, CompiledEgressPeer, CompiledPeer, CompiledPolicySet, CompiledRoute } from './compiled.js';
import { checkValues, type Violation } from './constraint.js';
import type { Candidate } from './decide.js';
import { foldKey, hostMatches, pathMatches } from './glob.js';
import type { PolicyRequest, RequestTarget } from './request.js';
import type { ValueConstraint } from './model.js';
import { selectorMatches } from './selector.js';

function inNamespaces(namespaces: readonly string[], ns: string | undefined): boolean {
  return ns !== undefined && (namespaces.includes('*') || namespaces.includes(ns));
}

export function peerMatches(peer: CompiledPeer, t: RequestTarget): boolean {
  if (peer.prefix !== undefined) return t.ip !== undefined && prefixContains(peer.prefix, hostPrefix(t.ip));
  if (peer.port !== undefined && peer.port !== t.port) return false;
  if (peer.host !== undefined) return t.host !== undefined && hostMatches(peer.host, t.host);
  if (peer.selector === undefined || t.labels === undefined) return false;
  return inNamespaces(peer.namespaces, t.namespace) && selectorMatches(peer.selector, t.labels);
}

export function callCandidates(rules: readonly CompiledCallRule[], req: PolicyRequest): Candidate[] {
  const out: Candidate[] = [];
  for (const rule of rules) {
    if (!rule.matcher.test(req.name)) continue;
    if (rule.servers.length > 0 && !rule.servers.some((s) => peerMatches(s, req.target))) {
      const names = rule.servers.map((s) => s.name).join(', ');
      const what = { servers: 'server', peers: 'peer', callers: 'caller' }[rule.peerField];
      out.push({ rule, applies: false, violation: { path: `${rule.info.path}.${rule.peerField}`, reason: `${what} not one of ${names}` } });
      continue;
    }
    const v = foldedArgument(rule.arguments, req.arguments) ?? checkValues(rule.arguments, req.arguments, false);
    if (v === undefined) out.push({ rule, applies: true });
    else out.push({ rule, applies: false, violation: { path: `${rule.info.path}.arguments.${v.key}`, reason: v.reason } });
  }
  return out;
}

/**
 * An argument a constrained key names in another spelling (`LIMIT`,
 * `ſort` for `sort`): a Go server fills the field `limit` from it
 * (encoding/json matches keys case-insensitively), so it is judged as
 * that argument would be, i.e. refused: the constraint cannot tell which
 * value the tool gets.
 */
function foldedArgument(constraints: Readonly<Record<string, ValueConstraint>>, args: Readonly<Record<string, unknown>>): Violation | undefined {
  const keys = Object.keys(constraints);
  if (keys.length === 0) return undefined;
  const byFold = new Map(keys.map((k) => [foldKey(k), k]));
  for (const given of Object.keys(args)) {
    const key = byFold.get(foldKey(given));
    if (key !== undefined && key !== given) {
      return { key, reason: `argument ${key}: given as "${given}", which servers that match keys case-insensitively (Go) read as ${key}` };
    }
  }
  return undefined;
}

/** A required query key that some parsers do not see (only as `key[]`, only after a `;`, ...). */
function uncertainRequired(constraints: Readonly<Record<string, ValueConstraint>>, req: PolicyRequest): Violation | undefined {
  const unsure = req.queryUncertain;
  if (unsure === undefined) return undefined;
  for (const [key, c] of Object.entries(constraints)) {
    const why = Object.prototype.hasOwnProperty.call(unsure, key) ? unsure[key] : undefined;
    if (c.required && why !== undefined) return { key, reason: `query ${key}: required, but ${why}` };
  }
  return undefined;
}

/** Does the route match on host, method and path (query aside)? */
export function routeMatches(r: CompiledRoute, method: string, path: string, host: string | undefined): boolean {
  if (r.methods.length > 0 && !(r.methods as readonly string[]).includes(method)) return false;
  if (r.paths.length > 0 && !r.paths.some((p) => pathMatches(p, path))) return false;
  return r.hosts.length === 0 || (host !== undefined && r.hosts.some((h) => hostMatches(h, host)));
}

export function routeCandidates(set: CompiledPolicySet, req: PolicyRequest): Candidate[] {
  const out: Candidate[] = [];
  for (const rule of set.http) {
    if (!routeMatches(rule, req.name, req.path ?? '', req.target.host)) continue;
    const v = uncertainRequired(rule.query, req) ?? checkValues(rule.query, req.query, true);
    if (v === undefined) out.push({ rule, applies: true });
    else out.push({ rule, applies: false, violation: { path: `${rule.info.path}.query.${v.key}`, reason: v.reason } });
  }
  return out;
}

function egressPeerMatches(p: CompiledEgressPeer, t: RequestTarget): boolean {
  if (p.prefix !== undefined) return t.ip !== undefined && prefixContains(p.prefix, hostPrefix(t.ip));
  if (p.selector === undefined || t.labels === undefined) return false;
  return inNamespaces(p.namespaces, t.namespace) && selectorMatches(p.selector, t.labels);
}

export function egressCandidates(set: CompiledPolicySet, req: PolicyRequest): Candidate[] {
  const port = req.target.port ?? -1;
  const proto = req.target.protocol ?? 'TCP';
  return set.egress
    .filter((r) => r.to.some((p) => egressPeerMatches(p, req.target)))
    .filter((r) => r.ports.length === 0 || r.ports.some((x) => port >= x.lo && port <= x.hi && (x.protocol === 'ANY' || x.protocol === proto)))
    .map((rule) => ({ rule, applies: true }));
}

/** `path` equals `prefix` or lies beneath it. */
export function underPath(prefix: string, path: string): boolean {
  if (prefix === '/') return true;
  return path === prefix || path.startsWith(`${prefix}/`);
}

export function execCandidates(set: CompiledPolicySet, path: string): Candidate[] {
  const base = path.slice(path.lastIndexOf('/') + 1);
  return set.process
    .filter((r) => (r.match.path !== undefined ? underPath(r.match.path, path) : r.match.name === base))
    .map((rule) => ({ rule, applies: true }));
}

export function fileCandidates(set: CompiledPolicySet, path: string): Candidate[] {
  return set.files.filter((r) => underPath(r.path, path)).map((rule) => ({ rule, applies: true }));
}
