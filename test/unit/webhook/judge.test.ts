import { expect } from 'chai';
import { identityId } from '../../../core/identity/identity.js';
import { judge } from '../../../webhook/src/judge.js';
import type { PatchOp } from '../../../webhook/src/json-patch.js';
import { parseReview, type AdmissionResponse } from '../../../webhook/src/review.js';
import { agentsPolicy, pod, policy, review, view } from './fixtures.js';

function patchOf(r: AdmissionResponse): PatchOp[] {
  return r.patch === undefined ? [] : (JSON.parse(Buffer.from(r.patch, 'base64').toString()) as PatchOp[]);
}

/** Apply a JSON patch (add/replace on objects and arrays) to a plain object. */
function apply(obj: Record<string, unknown>, ops: readonly PatchOp[]): Record<string, unknown> {
  const out = structuredClone(obj);
  for (const op of ops) {
    const parts = op.path.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
    const last = parts.pop()!;
    let cur: Record<string, unknown> | unknown[] = out;
    for (const p of parts) cur = (cur)[p] as Record<string, unknown>;
    if (Array.isArray(cur) && last === '-') cur.push(op.value);
    else (cur)[last] = op.value;
  }
  return out;
}

describe('webhook: mutation', () => {
  it('stamps an agent pod selected by a policy: labels, annotations, readiness gate', () => {
    const { response } = judge('mutate', parseReview(review(pod())), view());
    expect(response.allowed).to.equal(true);
    const stamped = apply(pod(), patchOf(response));
    const meta = stamped.metadata as { labels: Record<string, string>; annotations: Record<string, string> };
    expect(meta.labels['ziriz.io/role']).to.equal('agent');
    expect(meta.labels['ziriz.io/identity']).to.equal(identityId('payments', 'ai-agent-prod'));
    expect(meta.annotations['ziriz.io/identity-owner']).to.equal('Deployment/gpt-orchestrator');
    expect(meta.annotations['ziriz.io/identity-service-account']).to.equal('ai-agent-prod');
    expect(meta.annotations['ziriz.io/policies']).to.equal('payments/agents');
    expect(meta.annotations['ziriz.io/permissions-digest']).to.match(/^sha256:[0-9a-f]{64}$/);
    expect((stamped.spec as { readinessGates: unknown[] }).readinessGates).to.deep.equal([{ conditionType: 'ziriz.io/protected' }]);
  });

  it('escapes "/" in label keys as ~1 in patch paths', () => {
    const { response } = judge('mutate', parseReview(review(pod({ annotations: { other: 'x' } }))), view());
    const paths = patchOf(response).map((o) => o.path);
    expect(paths).to.include('/metadata/labels/ziriz.io~1role');
    expect(paths).to.include('/metadata/annotations/ziriz.io~1policies');
  });

  it('is idempotent: a reinvocation on the stamped pod changes nothing', () => {
    const first = judge('mutate', parseReview(review(pod())), view()).response;
    const stamped = apply(pod(), patchOf(first));
    const second = judge('mutate', parseReview(review(stamped)), view()).response;
    expect(second.allowed).to.equal(true);
    expect(second.patch).to.equal(undefined);
  });

  it('appends the readiness gate to existing gates', () => {
    const p = pod({ spec: { readinessGates: [{ conditionType: 'example.com/ready' }] } });
    const stamped = apply(p, patchOf(judge('mutate', parseReview(review(p)), view()).response));
    expect((stamped.spec as { readinessGates: unknown[] }).readinessGates).to.deep.equal([
      { conditionType: 'example.com/ready' },
      { conditionType: 'ziriz.io/protected' },
    ]);
  });

  // Rows: how a pod comes into scope, or why it stays out.
  const scopes: [string, Record<string, unknown>, Parameters<typeof view>[0], string | null][] = [
    ['pod label role=mcp-server', pod({ labels: { app: 'x', 'ziriz.io/role': 'mcp-server' } }), { policies: [] }, 'mcp-server'],
    ['pod annotation role=agent', pod({ labels: { app: 'x' }, annotations: { 'ziriz.io/role': 'agent' } }), { policies: [] }, 'agent'],
    ['namespace label role=agent', pod({ labels: { app: 'x' } }), { policies: [], ns: { payments: { 'ziriz.io/role': 'agent' } } }, 'agent'],
    ['a policy selector', pod(), {}, 'agent'],
    ['named as an MCP server by a policy', pod({ labels: { app: 'customer-mcp' } }), {}, 'mcp-server'],
    ['nothing says so', pod({ labels: { app: 'unrelated' } }), {}, null],
    ['kube-system is never in scope', pod({ namespace: 'kube-system', labels: { 'ziriz.io/role': 'agent' } }), {}, null],
    ["ziriz's own namespace is never in scope", pod({ namespace: 'ziriz-system', labels: { 'ziriz.io/role': 'agent' } }), {}, null],
  ];
  for (const [what, p, v, role] of scopes) {
    it(`scope: ${what} -> ${role ?? 'untouched'}`, () => {
      const ns = (p.metadata as { namespace: string }).namespace;
      const { response } = judge('mutate', parseReview(review(p, { namespace: ns })), view(v));
      expect(response.allowed).to.equal(true);
      const stamped = apply(p, patchOf(response));
      expect((stamped.metadata as { labels: Record<string, string> }).labels['ziriz.io/role']).to.equal(role ?? (p.metadata as { labels: Record<string, string> }).labels['ziriz.io/role']);
      if (role === null) expect(response.patch).to.equal(undefined);
    });
  }

  it('refuses an invalid role value with a clear message', () => {
    const { response } = judge('mutate', parseReview(review(pod({ labels: { 'ziriz.io/role': 'admin' } }))), view());
    expect(response.allowed).to.equal(false);
    expect(response.status?.message).to.match(/ziriz.io\/role is "admin"; expected agent or mcp-server/);
  });

  it('answers "not synced" (allowed=false, 503) before the caches are synced: never a silent allow', () => {
    const { response } = judge('mutate', parseReview(review(pod())), view({ ready: false }));
    expect(response.allowed).to.equal(false);
    expect(response.status?.code).to.equal(503);
  });

  it('fails closed when judging throws (a policy set that does not compile)', () => {
    const broken = { ...agentsPolicy, spec: { ...agentsPolicy.spec, egress: { rules: [{ effect: 'Allow', to: [{ cidr: 'not-a-cidr', namespaces: [] }], ports: [] }] } } };
    const { response } = judge('mutate', parseReview(review(pod())), view({ policies: [broken as typeof agentsPolicy] }));
    expect(response.allowed).to.equal(false);
    expect(response.status?.code).to.equal(500);
    expect(response.status?.message).to.match(/could not judge/);
  });
});

describe('webhook: validation of pods', () => {
  function validate(p: Record<string, unknown>, v = view()): AdmissionResponse {
    return judge('validate', parseReview(review(p)), v).response;
  }

  it('admits a pod stamped by the mutating webhook', () => {
    const stamped = apply(pod(), patchOf(judge('mutate', parseReview(review(pod())), view()).response));
    expect(validate(stamped).allowed).to.equal(true);
  });

  // Rows: forged or contradictory keys.
  const forged: [string, Record<string, unknown>, RegExp][] = [
    ['an identity label of another service account', pod({ labels: { 'ziriz.io/identity': identityId('payments', 'admin') } }), /label ziriz.io\/identity=".*" is forged/],
    ['an identity label on an out-of-scope pod', pod({ labels: { app: 'other', 'ziriz.io/identity': 'x' } }), /is forged: ziriz would set nothing/],
    ['a permissions digest annotation', pod({ annotations: { 'ziriz.io/permissions-digest': 'sha256:00' } }), /annotation ziriz.io\/permissions-digest="sha256:00" is forged/],
    ['an unknown ziriz.io key', pod({ labels: { 'ziriz.io/trusted': 'true' } }), /ziriz.io\/trusted is not a ziriz key a pod may carry/],
    ['mode=audit in an enforcing namespace', pod({ annotations: { 'ziriz.io/mode': 'audit' } }), /not allowed in a namespace labelled ziriz.io\/enforce=true/],
  ];
  for (const [what, p, message] of forged) {
    it(`refuses ${what}`, () => {
      const r = validate(p, view({ ns: { payments: { 'ziriz.io/enforce': 'true' } } }));
      expect(r.allowed).to.equal(false);
      expect(r.status?.message).to.match(message);
    });
  }

  // Rows: host-level escapes of agent pods.
  const escapes: [string, Record<string, unknown>][] = [
    ['hostNetwork', { hostNetwork: true }],
    ['hostPID', { hostPID: true }],
    ['a privileged container', { containers: [{ name: 'agent', image: 'a', securityContext: { privileged: true } }] }],
    ['a privileged init container', { initContainers: [{ name: 'init', image: 'a', securityContext: { privileged: true } }] }],
  ];
  for (const [what, spec] of escapes) {
    it(`refuses an agent pod with ${what} unless a policy allows it`, () => {
      const r = validate(pod({ spec }));
      expect(r.allowed).to.equal(false);
      expect(r.status?.message).to.match(/would escape per-pod enforcement/);
      const allowing = policy('host', { hostAccess: { hostNetwork: true, hostPID: true, privileged: true }, mode: 'Enforce' });
      expect(validate(pod({ spec }), view({ policies: [agentsPolicy, allowing] })).allowed).to.equal(true);
    });
  }

  it('admits a protected pod that adds SYS_PTRACE with a warning naming the container, and warns nothing otherwise', () => {
    const tracing = validate(pod({ spec: { containers: [{ name: 'agent', image: 'a', securityContext: { capabilities: { add: ['NET_ADMIN', 'SYS_PTRACE'] } } }] } }));
    expect(tracing.allowed).to.equal(true);
    expect(tracing.warnings).to.have.length(1);
    expect(tracing.warnings?.[0]).to.match(/containers agent add SYS_PTRACE: ziriz kills a traced process/);
    expect(validate(pod({ spec: { containers: [{ name: 'dbg', image: 'a', securityContext: { capabilities: { add: ['ALL'] } } }] } })).warnings?.[0]).to.match(/containers dbg add SYS_PTRACE/);
    expect(validate(pod()).warnings).to.equal(undefined);
    expect(validate(pod({ labels: { app: 'other' }, spec: { containers: [{ name: 'x', image: 'a', securityContext: { capabilities: { add: ['SYS_PTRACE'] } } }] } })).warnings).to.equal(undefined);
  });

  it('leaves host access of pods out of scope alone', () => {
    expect(validate(pod({ labels: { app: 'other' }, spec: { hostNetwork: true } })).allowed).to.equal(true);
  });
});

describe('webhook: validation of AgentPolicies', () => {
  function policyReview(spec: Record<string, unknown>): Record<string, unknown> {
    return review(
      { apiVersion: 'ziriz.io/v1alpha1', kind: 'AgentPolicy', metadata: { name: 'p', namespace: 'payments' }, spec },
      { kind: { group: 'ziriz.io', version: 'v1alpha1', kind: 'AgentPolicy' } },
    );
  }

  it('refuses what CEL cannot check (a regex that is not bounded), naming the field', () => {
    const r = judge('validate', parseReview(policyReview({
      selector: { matchLabels: { app: 'a' } },
      mcp: { tools: [{ name: 'q', effect: 'Allow', arguments: { text: { pattern: '(a+)+\\1' } } }] },
    })), view()).response;
    expect(r.allowed).to.equal(false);
    expect(r.status?.message).to.match(/spec\.mcp\.tools\[0\]\.arguments\.text\.pattern/);
  });

  it('admits a legal but suspicious policy with warnings', () => {
    const r = judge('validate', parseReview(policyReview({
      selector: { matchLabels: { app: 'a' } },
      mode: 'Audit',
      action: 'Kill',
      mcp: { tools: [] },
    })), view()).response;
    expect(r.allowed).to.equal(true);
    expect(r.warnings?.join('\n')).to.match(/Kill has no effect in Audit mode/).and.match(/every MCP tool call is denied/);
  });
});
