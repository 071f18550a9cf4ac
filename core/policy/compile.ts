/**
 * compile(policies) -> the CompiledPolicySet for one pod: the combination of
 * every AgentPolicy that selects it. Policies are validated eagerly (a raw
 * document is parsed here; a bad rule throws PolicyInvalidError naming the
 * field), numbered deterministically (sorted by namespace/name, rules in
 * document order) and checked against the kernel's capacity for CIDR rules.
 */
import { canonicalA2aMethod } from './a2a-methods.js';
import { parseCidr } from './cidr.js';
import type { Prefix } from './cidr.js';
import type {
  BaseRule,
  CompiledCallRule,
  CompiledEgressRule,
  CompiledExecRule,
  CompiledFileRule,
  CompiledPeer,
  CompiledPolicySet,
  CompiledRoute,
  Layer,
  RuleInfo,
} from './compiled.js';
import { nameMatcher } from './glob.js';
import type { AgentPolicy, CallRule, CallerRef, Category, HttpSection, PeerRef } from './model.js';
import { CATEGORIES, policyRef, restrictsOwnCalls } from './model.js';
import { parseAgentPolicy } from './parse.js';
import type { ParseOptions } from './parse.js';
import { checkEgressCapacity } from './kernel/egress.js';
import { PolicyCapacityError, PolicyInvalidError } from './errors.js';

/** rule_id is a u16 in ziriz_port_rule: a set has at most this many rules. */
export const MAX_RULES = 65535;

const PLACEHOLDER: RuleInfo = { id: 0, policy: '', path: '', category: 'mcp', kind: 'default', mode: 'Enforce', action: 'Block' };

const LOOPBACK: readonly Prefix[] = [
  parseCidr('127.0.0.0/8') as Prefix,
  parseCidr('::1/128') as Prefix,
];

class SetBuilder {
  readonly rules: RuleInfo[] = [PLACEHOLDER];
  readonly mcp: CompiledCallRule[] = [];
  readonly a2a: CompiledCallRule[] = [];
  readonly http: CompiledRoute[] = [];
  readonly egress: CompiledEgressRule[] = [];
  readonly process: CompiledExecRule[] = [];
  readonly files: CompiledFileRule[] = [];
  readonly coverage: Record<Category, { enforce?: RuleInfo; audit?: RuleInfo }> = {
    mcp: {},
    a2a: {},
    http: {},
    egress: {},
    process: {},
    files: {},
  };

  info(p: AgentPolicy, category: Category, path: string, kind: RuleInfo['kind']): RuleInfo {
    const info: RuleInfo = { id: this.rules.length, policy: policyRef(p), path, category, kind, mode: p.spec.mode, action: p.spec.action };
    this.rules.push(info);
    return info;
  }

  base(p: AgentPolicy, category: Category, path: string, effect: 'Allow' | 'Deny'): BaseRule {
    return {
      info: this.info(p, category, path, effect === 'Allow' ? 'allow' : 'deny'),
      effect,
      layer: layerOf(p),
    };
  }

  cover(p: AgentPolicy, category: Category, root = 'spec'): void {
    const slot = this.coverage[category];
    const layer = layerOf(p);
    slot[layer] ??= this.info(p, category, `${root}.${category}`, 'default');
  }
}

function layerOf(p: AgentPolicy): Layer {
  return p.spec.mode === 'Enforce' ? 'enforce' : 'audit';
}

function peerOf(ref: PeerRef | CallerRef): CompiledPeer {
  const p: { readonly host?: string; readonly port?: number; readonly cidr?: string } = ref;
  return {
    name: ref.name,
    namespaces: ref.namespaces,
    ...(ref.selector === undefined ? {} : { selector: ref.selector }),
    ...(p.host === undefined ? {} : { host: p.host }),
    ...(p.port === undefined ? {} : { port: p.port }),
    ...(p.cidr === undefined ? {} : { prefix: parseCidr(p.cidr) as Prefix }),
  };
}

function callRules(
  b: SetBuilder,
  p: AgentPolicy,
  category: 'mcp' | 'a2a',
  list: readonly CallRule[],
  peers: readonly (PeerRef | CallerRef)[],
  path: string,
  peerField: CompiledCallRule['peerField'],
): CompiledCallRule[] {
  return list.map((r, i) => {
    const name = category === 'a2a' ? canonicalA2aMethod(r.name) : r.name;
    return {
      ...b.base(p, category, `${path}[${i}]`, r.effect),
      matcher: nameMatcher(name),
      servers: r.servers.map((s) => peerOf(peers.find((x) => x.name === s) ?? { name: s, namespaces: [] })),
      peerField,
      arguments: r.arguments,
    };
  });
}

function addRoutes(b: SetBuilder, p: AgentPolicy, http: HttpSection, root: string): void {
  b.cover(p, 'http', root);
  http.routes.forEach((r, i) => {
    b.http.push({ ...b.base(p, 'http', `${root}.http.routes[${i}]`, r.effect), hosts: r.hosts, methods: r.methods, paths: r.paths, query: r.query });
  });
}

function addPolicy(b: SetBuilder, p: AgentPolicy): void {
  const s = p.spec;
  if (s.mcp !== undefined) {
    b.cover(p, 'mcp');
    b.mcp.push(...callRules(b, p, 'mcp', s.mcp.tools, s.mcp.servers, 'spec.mcp.tools', 'servers'));
  }
  if (s.a2a !== undefined) {
    b.cover(p, 'a2a');
    b.a2a.push(...callRules(b, p, 'a2a', s.a2a.methods, s.a2a.peers, 'spec.a2a.methods', 'peers'));
  }
  if (s.http !== undefined) addRoutes(b, p, s.http, 'spec');
  if (s.egress !== undefined) {
    b.cover(p, 'egress');
    s.egress.rules.forEach((r, i) => {
      b.egress.push({
        ...b.base(p, 'egress', `spec.egress.rules[${i}]`, r.effect),
        to: r.to.map((t) => ({
          namespaces: t.namespaces,
          ...(t.cidr === undefined ? {} : { prefix: parseCidr(t.cidr) as Prefix }),
          ...(t.selector === undefined ? {} : { selector: t.selector }),
        })),
        ports: r.ports.map((x) => ({ lo: x.port, hi: x.endPort, protocol: x.protocol })),
      });
    });
  }
  s.process?.deny.forEach((m, i) => {
    b.process.push({ ...b.base(p, 'process', `spec.process.deny[${i}]`, 'Deny'), match: m });
  });
  s.files?.deny.forEach((path, i) => {
    b.files.push({ ...b.base(p, 'files', `spec.files.deny[${i}]`, 'Deny'), path });
  });
}

/** A policy's inbound section; its denials are Block whatever the policy's action (the caller is remote). */
function addInbound(b: SetBuilder, policy: AgentPolicy): void {
  const ib = policy.spec.inbound;
  if (ib === undefined) return;
  const p: AgentPolicy = { ...policy, spec: { ...policy.spec, action: 'Block' } };
  const root = 'spec.inbound';
  if (ib.mcp !== undefined) {
    b.cover(p, 'mcp', root);
    b.mcp.push(...callRules(b, p, 'mcp', ib.mcp.tools, ib.callers, `${root}.mcp.tools`, 'callers'));
  }
  if (ib.a2a !== undefined) {
    b.cover(p, 'a2a', root);
    b.a2a.push(...callRules(b, p, 'a2a', ib.a2a.methods, ib.callers, `${root}.a2a.methods`, 'callers'));
  }
  if (ib.http !== undefined) addRoutes(b, p, ib.http, root);
}

function built(b: SetBuilder, policies: readonly AgentPolicy[], action: 'Block' | 'Kill'): CompiledPolicySet {
  if (b.rules.length - 1 > MAX_RULES) {
    throw new PolicyCapacityError(policies.map(policyRef), `more than ${MAX_RULES} rules in one policy set`);
  }
  return {
    policies,
    rules: b.rules,
    mcp: b.mcp,
    a2a: b.a2a,
    http: b.http,
    egress: b.egress,
    process: b.process,
    files: b.files,
    coverage: b.coverage,
    action,
    visibility: policies.length > 0 && policies.every((p) => p.spec.visibility === 'EgressOnly') ? 'EgressOnly' : 'Plaintext',
  };
}

/** Loopback stays reachable under an egress policy (it never leaves the pod); deny rules still win. */
function addLoopback(b: SetBuilder, policies: readonly AgentPolicy[]): void {
  const cover = b.coverage.egress;
  const owner = cover.enforce ?? cover.audit;
  if (owner === undefined) return;
  const p = policies.find((x) => policyRef(x) === owner.policy);
  if (p === undefined) return;
  b.egress.push({
    info: b.info(p, 'egress', 'spec.egress (implicit: loopback allowed)', 'implicit'),
    effect: 'Allow',
    layer: cover.enforce !== undefined ? 'enforce' : 'audit',
    to: LOOPBACK.map((prefix) => ({ prefix, namespaces: [] })),
    ports: [],
  });
}

function toPolicy(doc: unknown, opts: ParseOptions): AgentPolicy {
  const looksParsed =
    typeof doc === 'object' && doc !== null && 'spec' in doc && 'namespace' in doc && !('apiVersion' in doc);
  return looksParsed ? (doc as AgentPolicy) : parseAgentPolicy(doc, opts);
}

/**
 * Compile the policies selecting one pod into a policy set. Accepts parsed
 * policies or raw documents (parsed and validated here). Throws
 * PolicyInvalidError (bad rule, duplicate policy) or PolicyCapacityError
 * (the set does not fit the kernel maps).
 */
export function compile(policies: readonly unknown[], opts: ParseOptions = {}): CompiledPolicySet {
  const parsed = policies.map((d) => toPolicy(d, opts)).sort((a, b) => (policyRef(a) < policyRef(b) ? -1 : policyRef(a) > policyRef(b) ? 1 : 0));
  parsed.forEach((p, i) => {
    if (i > 0 && policyRef(parsed[i - 1] ?? p) === policyRef(p)) {
      throw new PolicyInvalidError(policyRef(p), 'metadata.name', 'the same policy was given twice');
    }
  });
  const b = new SetBuilder();
  for (const p of parsed) addPolicy(b, p);
  addLoopback(b, parsed);
  // An inbound-only policy's action does not reach the pod's own calls (inbound denials are always Block).
  const enforcing = parsed.filter((p) => p.spec.mode === 'Enforce' && restrictsOwnCalls(p.spec));
  const set = built(b, parsed, enforcing.some((p) => p.spec.action === 'Kill') ? 'Kill' : 'Block');
  checkEgressCapacity(set);
  const withInbound = parsed.filter((p) => p.spec.inbound !== undefined);
  if (withInbound.length === 0) return set;
  const ib = new SetBuilder();
  for (const p of withInbound) addInbound(ib, p);
  return { ...set, inbound: built(ib, withInbound, 'Block') };
}

/** Categories the set covers (default-deny), per layer. */
export function coveredCategories(set: CompiledPolicySet): { enforce: Category[]; audit: Category[] } {
  const enforce = CATEGORIES.filter((c) => set.coverage[c].enforce !== undefined);
  const audit = CATEGORIES.filter((c) => set.coverage[c].enforce === undefined && set.coverage[c].audit !== undefined);
  return { enforce, audit };
}
