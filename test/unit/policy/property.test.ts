import { expect } from 'chai';
import fc from 'fast-check';
import { CallKind, Verdict } from '../../../core/abi/enums.js';
import { Role } from '../../../core/abi/enums.js';
import { compile } from '../../../core/policy/compile.js';
import type { CompiledPolicySet } from '../../../core/policy/compiled.js';
import { policySetDigest } from '../../../core/policy/digest.js';
import { PolicyInvalidError } from '../../../core/policy/errors.js';
import { evaluate } from '../../../core/policy/evaluate.js';
import { wildcardMatch } from '../../../core/policy/glob.js';
import { callEntries } from '../../../core/policy/kernel/calls.js';
import { decodeCallEntry, decodeEgressEntry, decodeIdentityValue, encodeCallEntry, encodeEgressEntry, encodeIdentityValue } from '../../../core/policy/kernel/codec.js';
import { egressEntries, selectorPeerMatches } from '../../../core/policy/kernel/egress.js';
import type { SelectorPeer } from '../../../core/policy/kernel/egress.js';
import { identityValue } from '../../../core/policy/kernel/identity.js';
import type { KernelState } from '../../../core/policy/kernel/sim.js';
import { simulateCall, simulateEgress } from '../../../core/policy/kernel/sim.js';
import { parseAgentPolicy } from '../../../core/policy/parse.js';
import { compileBoundedRegex } from '../../../core/policy/regex.js';
import { doc } from './helpers.js';

const RUNS = { numRuns: 300 };
const CODE: Readonly<Record<string, number>> = { allow: Verdict.ALLOW, deny: Verdict.DENY, audit: Verdict.AUDIT };

/* ---- generators ---------------------------------------------------------- */

const toolName = fc.constantFrom('get_customer', 'get_all_customers', 'delete_customer', 'list', 'x'.repeat(64) + 'a', 'x'.repeat(64) + 'b');
const toolPattern = fc.oneof(toolName, fc.constantFrom('get_*', '*', 'delete_*', '*_customer', 'l?st'));
const constraint = fc.record({ max: fc.integer({ min: 0, max: 200 }) }, { requiredKeys: [] });
const mode = fc.constantFrom('Enforce', 'Audit');
const effect = fc.constantFrom('Allow', 'Deny');

const mcpTool = fc.tuple(toolPattern, effect, fc.boolean(), fc.boolean(), constraint).map(([name, eff, scoped, withArgs, c]) => ({
  name,
  effect: eff,
  ...(scoped ? { servers: ['s'] } : {}),
  ...(withArgs && eff === 'Allow' ? { arguments: { limit: c } } : {}),
}));

const httpRoute = fc.tuple(
  effect,
  fc.subarray(['GET', 'POST'] as const),
  fc.subarray(['/api/v2/customers', '/api/*/customers', '/api/**', '/health'] as const),
  fc.boolean(),
  fc.boolean(),
).map(([eff, methods, paths, hosted, q]) => ({
  effect: eff,
  ...(methods.length > 0 ? { methods } : {}),
  ...(paths.length > 0 ? { paths } : {}),
  ...(hosted ? { hosts: ['api.example.com'] } : {}),
  ...(q && eff === 'Allow' ? { query: { limit: { max: 100 } } } : {}),
}));

const cidr = fc.constantFrom('10.0.0.0/8', '10.1.0.0/16', '10.1.2.0/24', '10.1.2.3/32', '0.0.0.0/0', 'fd00::/8', 'fd00::5/128', '127.0.0.1/32');
const portRange = fc.tuple(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 0, max: 20 }), fc.constantFrom('TCP', 'UDP', 'ANY'))
  .map(([port, extra, protocol]) => ({ port, endPort: port + extra, protocol }));
const egressPeer = fc.oneof(
  cidr.map((c) => ({ cidr: c })),
  fc.constantFrom('db', 'web').map((app) => ({ selector: { matchLabels: { app } } })),
);
const egressRule = fc.tuple(effect, fc.array(egressPeer, { minLength: 1, maxLength: 2 }), fc.array(portRange, { maxLength: 2 }))
  .map(([eff, to, ports]) => ({ effect: eff, to, ports }));

const policySpec = fc.record({
  mode,
  mcp: fc.option(fc.array(mcpTool, { maxLength: 5 }), { nil: undefined }),
  http: fc.option(fc.array(httpRoute, { maxLength: 4 }), { nil: undefined }),
  egress: fc.option(fc.array(egressRule, { maxLength: 3 }), { nil: undefined }),
}).map((r) => ({
  mode: r.mode,
  ...(r.mcp === undefined ? {} : { mcp: { servers: [{ name: 's', host: 'mcp.example.com' }], tools: r.mcp } }),
  ...(r.http === undefined ? {} : { http: { routes: r.http } }),
  ...(r.egress === undefined ? {} : { egress: { rules: r.egress } }),
}));

/** A policy set, or undefined when it does not fit the kernel (that error is tested elsewhere). */
function tryCompile(specs: Record<string, unknown>[]): CompiledPolicySet | undefined {
  try {
    return compile(specs.map((s, i) => doc(s, `p${i}`)));
  } catch (err) {
    if (err instanceof Error && (err as { code?: string }).code === 'E_POLICY_CAPACITY') return undefined;
    throw err;
  }
}

interface Pod {
  readonly ip: string;
  readonly labels: Record<string, string>;
}
const PODS: readonly Pod[] = [
  { ip: '10.1.2.3', labels: { app: 'db' } },
  { ip: '10.9.9.9', labels: { app: 'web' } },
  { ip: 'fd00::7', labels: { app: 'db' } },
];

function kernelState(s: CompiledPolicySet): KernelState | undefined {
  const resolve = (sp: SelectorPeer): string[] => PODS.filter((p) => selectorPeerMatches(sp, { namespace: 'ns', labels: p.labels })).map((p) => p.ip);
  let egress;
  try {
    egress = egressEntries(s, 42, resolve);
  } catch {
    return undefined;
  }
  // What the kernel sees is what was decoded from the bytes.
  return {
    identity: decodeIdentityValue(encodeIdentityValue(identityValue(s, { identityId: 1, policyId: 42, role: Role.AGENT }))),
    calls: callEntries(s, 42).map((e) => decodeCallEntry(encodeCallEntry(e))),
    egress: egress.map((e) => decodeEgressEntry(encodeEgressEntry(e))),
  };
}

describe('policy/properties', () => {
  const fixed = compile([doc({ mcp: { tools: [{ name: 'get_customer' }, { name: 'q', arguments: { n: { max: 1, pattern: 'a+' } } }] }, http: {}, egress: {} })]);

  it('evaluate: arbitrary JSON in -> no throw, a valid verdict, the same one twice', () => {
    fc.assert(fc.property(fc.jsonValue(), (input) => {
      const a = evaluate(fixed, input);
      const b = evaluate(fixed, input);
      expect(['allow', 'deny', 'audit']).to.include(a.verdict);
      expect(a).to.deep.equal(b);
    }), { numRuns: 1000 });
  });

  it('evaluate: arbitrary requests of each kind -> no throw, deterministic', () => {
    const req = fc.record({
      kind: fc.constantFrom('mcp', 'a2a', 'http', 'egress', 'exec', 'file'),
      tool: fc.oneof(fc.string(), toolName),
      method: fc.oneof(fc.string(), fc.constantFrom('GET', 'message/send')),
      path: fc.oneof(fc.string(), fc.constantFrom('/api/v2/customers?limit=5', '/%zz', '/a/../b')),
      arguments: fc.oneof(fc.jsonValue(), fc.dictionary(fc.string(), fc.jsonValue())),
      target: fc.oneof(fc.jsonValue(), fc.record({ ip: fc.oneof(fc.ipV4(), fc.ipV6(), fc.string()), port: fc.integer({ min: -5, max: 70000 }) })),
    }, { requiredKeys: ['kind'] });
    fc.assert(fc.property(req, (r) => {
      expect(evaluate(fixed, r)).to.deep.equal(evaluate(fixed, r));
    }), { numRuns: 1000 });
  });

  it('parse: arbitrary JSON in -> an AgentPolicy or a PolicyInvalidError, nothing else', () => {
    const near = fc.record({ apiVersion: fc.constant('ziriz.io/v1alpha1'), kind: fc.constant('AgentPolicy'), metadata: fc.jsonValue(), spec: fc.jsonValue() });
    fc.assert(fc.property(fc.oneof(fc.jsonValue(), near), (input) => {
      try {
        parseAgentPolicy(input);
      } catch (err) {
        expect(err).to.be.instanceOf(PolicyInvalidError);
      }
    }), { numRuns: 1000 });
  });

  it('kernel MCP/HTTP entries agree with evaluate whenever they do not say CHECK', () => {
    const mcpReq = fc.record({
      tool: toolName,
      limit: fc.option(fc.integer({ min: 0, max: 300 }), { nil: undefined }),
      host: fc.constantFrom('mcp.example.com', 'other.example.com'),
    });
    const httpReq = fc.record({
      method: fc.constantFrom('GET', 'POST', 'PUT'),
      path: fc.constantFrom('/api/v2/customers', '/api/v1/customers', '/api/x/y', '/health', '/other'),
      limit: fc.option(fc.integer({ min: 0, max: 300 }), { nil: undefined }),
      host: fc.constantFrom('api.example.com', 'x.example.com'),
    });
    fc.assert(fc.property(fc.array(policySpec, { minLength: 1, maxLength: 3 }), mcpReq, httpReq, (specs, m, h) => {
      const s = tryCompile(specs);
      const state = s === undefined ? undefined : kernelState(s);
      if (s === undefined || state === undefined) return;
      const mv = evaluate(s, { kind: 'mcp', tool: m.tool, arguments: m.limit === undefined ? {} : { limit: m.limit }, target: { host: m.host } });
      const mk = simulateCall(state, CallKind.MCP_TOOL, m.tool);
      if (mk.verdict !== Verdict.CHECK) expect(mk.verdict, `mcp ${JSON.stringify(m)}: ${mv.reason}`).to.equal(CODE[mv.verdict]);
      const q = h.limit === undefined ? '' : `?limit=${h.limit}`;
      const hv = evaluate(s, { kind: 'http', method: h.method, path: `${h.path}${q}`, target: { host: h.host } });
      const hk = simulateCall(state, CallKind.HTTP_ROUTE, `${h.method} ${h.path}`);
      if (hk.verdict !== Verdict.CHECK) expect(hk.verdict, `http ${JSON.stringify(h)}: ${hv.reason}`).to.equal(CODE[hv.verdict]);
    }), RUNS);
  });

  it('kernel egress entries (LPM + deny first) agree with evaluate on every destination', () => {
    const ips = fc.constantFrom('10.1.2.3', '10.1.2.4', '10.1.9.9', '10.2.0.1', '10.9.9.9', '8.8.8.8', '127.0.0.1', 'fd00::5', 'fd00::7', 'fd01::1', '::1');
    const dest = fc.record({ ip: ips, port: fc.integer({ min: 1, max: 130 }), proto: fc.constantFrom(6 as const, 17 as const) });
    fc.assert(fc.property(fc.array(policySpec, { minLength: 1, maxLength: 3 }), dest, (specs, d) => {
      const s = tryCompile(specs);
      const state = s === undefined ? undefined : kernelState(s);
      if (s === undefined || state === undefined) return;
      const pod = PODS.find((p) => p.ip === d.ip);
      const target = { ip: d.ip, port: d.port, protocol: d.proto === 6 ? 'TCP' : 'UDP', ...(pod === undefined ? {} : { namespace: 'ns', labels: pod.labels }) };
      const v = evaluate(s, { kind: 'egress', target });
      const k = simulateEgress(state, d.ip, d.port, d.proto);
      expect(k.verdict, `${JSON.stringify(d)}: ${v.reason}`).to.equal(CODE[v.verdict]);
    }), { numRuns: 500 });
  });

  it('encode/decode round-trips every entry of random sets', () => {
    fc.assert(fc.property(fc.array(policySpec, { minLength: 1, maxLength: 3 }), fc.integer({ min: 0, max: 0xffffffff }), (specs, policyId) => {
      const s = tryCompile(specs);
      if (s === undefined) return;
      for (const e of callEntries(s, policyId)) expect(decodeCallEntry(encodeCallEntry(e))).to.deep.equal({ ...e, names: [] });
      for (const e of egressEntries(s, policyId)) expect(decodeEgressEntry(encodeEgressEntry(e))).to.deep.equal(e);
    }), RUNS);
  });

  it('digest: independent of policy order, changes with the spec', () => {
    fc.assert(fc.property(policySpec, policySpec, (a, b) => {
      const one = tryCompile([a, b]);
      if (one === undefined) return;
      const swapped = compile([doc(b, 'p1'), doc(a, 'p0')]);
      expect(policySetDigest(one)).to.equal(policySetDigest(swapped));
      expect(policySetDigest(one)).to.match(/^sha256:[0-9a-f]{64}$/);
      const changed = tryCompile([{ ...a, mode: a.mode === 'Audit' ? 'Enforce' : 'Audit' }, b]);
      if (changed !== undefined) expect(policySetDigest(changed)).not.to.equal(policySetDigest(one));
    }), RUNS);
  });

  it('bounded regex agrees with RegExp (full match) on the supported subset', () => {
    const atom = fc.constantFrom('a', 'b', '.', '[ab]', '[^a]', '\\d', '\\w', '(a|b)', '(ab)', '(?:a|)');
    const quant = fc.constantFrom('', '*', '+', '?', '{2}', '{1,3}', '{0,}');
    const pattern = fc.array(fc.tuple(atom, quant).map(([a, q]) => a + q), { minLength: 1, maxLength: 5 })
      .chain((parts) => fc.boolean().map((alt) => (alt ? `${parts.slice(0, 2).join('')}|${parts.slice(2).join('')}` : parts.join(''))));
    const input = fc.string({ unit: fc.constantFrom('a', 'b', '1', '_', ' ', '\n'), maxLength: 8 });
    fc.assert(fc.property(pattern, input, (p, s) => {
      expect(compileBoundedRegex(p).test(s), `${p} on ${JSON.stringify(s)}`).to.equal(new RegExp(`^(?:${p})$`).test(s));
    }), { numRuns: 2000 });
  });

  it('bounded regex stays linear on inputs that make backtracking engines explode', () => {
    const re = compileBoundedRegex('(a*)*(a|aa)*b');
    const started = process.hrtime.bigint();
    expect(re.test('a'.repeat(20000))).to.equal(false);
    expect(Number(process.hrtime.bigint() - started) / 1e6).to.be.below(2000);
  });

  it('wildcard match agrees with the equivalent RegExp', () => {
    const pat = fc.string({ unit: fc.constantFrom('a', 'b', '*', '?'), maxLength: 6 });
    const txt = fc.string({ unit: fc.constantFrom('a', 'b'), maxLength: 8 });
    fc.assert(fc.property(pat, txt, (p, t) => {
      const re = new RegExp(`^${p.replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 's');
      expect(wildcardMatch(p, t)).to.equal(re.test(t));
    }), { numRuns: 2000 });
  });
});
