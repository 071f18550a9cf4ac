import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse } from 'yaml';
import { crdYaml } from '../../../core/cli/crd-yaml.js';
import { compile } from '../../../core/policy/compile.js';
import { PolicyInvalidError } from '../../../core/policy/errors.js';
import { ACTIONS, EFFECTS, HTTP_METHODS, MODES, PROTOCOLS } from '../../../core/policy/model.js';
import { LIMITS, parseAgentPolicy } from '../../../core/policy/parse.js';

const ROOT = resolve(import.meta.dirname, '../../../..');
const CRD_FILE = join(ROOT, 'crds/agentpolicies.ziriz.io.yaml');
const FIXTURES = join(ROOT, 'test/fixtures/agentpolicy');

type Node = Record<string, unknown>;

function child(n: Node, ...path: string[]): Node {
  let cur: unknown = n;
  for (const p of path) cur = (cur as Node)[p];
  expect(cur, path.join('.')).to.be.an('object');
  return cur as Node;
}

/** Every schema node with its path, depth first. */
function walk(n: Node, path: string, out: [string, Node][]): [string, Node][] {
  out.push([path, n]);
  for (const [k, v] of Object.entries((n.properties ?? {}) as Record<string, Node>)) walk(v, `${path}.${k}`, out);
  if (typeof n.items === 'object') walk(n.items as Node, `${path}[]`, out);
  if (typeof n.additionalProperties === 'object') walk(n.additionalProperties as Node, `${path}{}`, out);
  return out;
}

describe('crds/agentpolicies.ziriz.io.yaml (offline checks; the real API server test uses test/fixtures/agentpolicy)', () => {
  const text = readFileSync(CRD_FILE, 'utf8');
  const crd = parse(text) as Node;
  const version = (child(crd, 'spec').versions as Node[])[0] ?? {};
  const root = child(version, 'schema', 'openAPIV3Schema');
  const spec = child(root, 'properties', 'spec');
  const nodes = walk(root, '', []);

  it('is exactly what `ziriz crd` generates', () => {
    expect(text).to.equal(`${crdYaml().trimEnd()}\n`);
  });

  it('names, scope, status subresource and printer columns', () => {
    expect(child(crd, 'metadata').name).to.equal('agentpolicies.ziriz.io');
    expect(child(crd, 'spec')).to.include({ group: 'ziriz.io', scope: 'Namespaced' });
    expect(version).to.include({ name: 'v1alpha1', served: true, storage: true });
    expect(version.subresources).to.deep.equal({ status: {} });
    const columns = (version.additionalPrinterColumns as Node[]).map((c) => c.name);
    expect(columns).to.deep.equal(['Mode', 'Action', 'Agents', 'Enforced', 'Age']);
  });

  it('is structural: every node typed, no untyped or open-ended objects', () => {
    for (const [path, n] of nodes) {
      expect(n.type, `type of ${path || '<root>'}`).to.be.oneOf(['object', 'array', 'string', 'integer', 'number', 'boolean']);
      expect(n, path).not.to.have.property('x-kubernetes-preserve-unknown-fields');
      expect(n, path).not.to.have.property('x-kubernetes-int-or-string');
      expect(n.additionalProperties, path).not.to.equal(true);
      if (n.properties !== undefined) expect(n, path).not.to.have.property('additionalProperties');
      if (n.type === 'array') expect(n.items, `${path} items`).to.be.an('object');
      for (const key of ['allOf', 'anyOf', 'oneOf', 'not']) expect(n, path).not.to.have.property(key);
    }
  });

  it('bounds every list, map and string under spec (so CEL cost is bounded)', () => {
    for (const [path, n] of nodes.filter(([p]) => p.startsWith('.spec'))) {
      if (n.type === 'array') expect(n.maxItems, `${path} maxItems`).to.be.a('number');
      if (n.type === 'object' && n.additionalProperties !== undefined) expect(n.maxProperties, `${path} maxProperties`).to.be.a('number');
      if (n.type === 'string' && n.enum === undefined) expect(n.maxLength, `${path} maxLength`).to.be.a('number');
    }
  });

  it('uses the parser\'s limits, enums and defaults', () => {
    const items = (...path: string[]): Node => child(spec, ...path);
    expect(items('properties', 'mcp', 'properties', 'tools').maxItems).to.equal(LIMITS.tools);
    expect(items('properties', 'a2a', 'properties', 'methods').maxItems).to.equal(LIMITS.methods);
    expect(items('properties', 'http', 'properties', 'routes').maxItems).to.equal(LIMITS.routes);
    expect(items('properties', 'egress', 'properties', 'rules').maxItems).to.equal(LIMITS.egressRules);
    expect(items('properties', 'process', 'properties', 'deny').maxItems).to.equal(LIMITS.execDeny);
    expect(items('properties', 'files', 'properties', 'deny').maxItems).to.equal(LIMITS.filesDeny);
    expect(items('properties', 'inbound', 'properties', 'callers').maxItems).to.equal(LIMITS.peers);
    expect(items('properties', 'inbound', 'properties', 'mcp', 'properties', 'tools').maxItems).to.equal(LIMITS.tools);
    expect(items('properties', 'inbound', 'properties', 'mcp', 'properties', 'tools', 'items', 'properties', 'callers').maxItems).to.equal(LIMITS.ruleServers);
    expect(items('properties', 'inbound', 'properties', 'a2a', 'properties', 'methods').maxItems).to.equal(LIMITS.methods);
    expect(items('properties', 'inbound', 'properties', 'http', 'properties', 'routes').maxItems).to.equal(LIMITS.routes);
    expect(items('properties', 'mode')).to.deep.include({ enum: [...MODES], default: 'Enforce' });
    expect(items('properties', 'action')).to.deep.include({ enum: [...ACTIONS], default: 'Block' });
    expect(items('properties', 'mcp', 'properties', 'tools', 'items', 'properties', 'effect')).to.deep.include({ enum: [...EFFECTS], default: 'Allow' });
    expect(items('properties', 'http', 'properties', 'routes', 'items', 'properties', 'methods', 'items').enum).to.deep.equal([...HTTP_METHODS]);
    expect(items('properties', 'egress', 'properties', 'rules', 'items', 'properties', 'ports', 'items', 'properties', 'protocol'))
      .to.deep.include({ enum: [...PROTOCOLS], default: 'ANY' });
    expect(spec.required).to.deep.equal(['selector']);
  });

  it('has CEL rules for selectors, CIDRs, port ranges, references and one-of fields', () => {
    const rules = nodes.flatMap(([, n]) => ((n['x-kubernetes-validations'] ?? []) as Node[]).map((r) => String(r.rule)));
    expect(rules.some((r) => r.includes('isCIDR(self)'))).to.equal(true);
    expect(rules.some((r) => r.includes('self.endPort >= self.port'))).to.equal(true);
    expect(rules.some((r) => r.includes('size(self.matchLabels) > 0'))).to.equal(true);
    expect(rules.some((r) => r.includes('self.servers.exists(x, x.name == s)'))).to.equal(true);
    expect(rules.some((r) => r.includes('has(self.selector) != has(self.host)'))).to.equal(true);
    // `in` is a CEL keyword; Kubernetes escapes the property as __in__.
    expect(rules.some((r) => /self\.in\b/.test(r))).to.equal(false);
  });

  it('status: conditions as metav1.Condition list-map, per-node entries keyed by nodeName', () => {
    const status = child(root, 'properties', 'status', 'properties');
    const conditions = child(status, 'conditions');
    expect(conditions).to.include({ 'x-kubernetes-list-type': 'map' });
    expect(conditions['x-kubernetes-list-map-keys']).to.deep.equal(['type']);
    expect(child(conditions, 'items').required).to.deep.equal(['type', 'status', 'lastTransitionTime', 'reason', 'message']);
    const perNode = child(status, 'nodes');
    expect(perNode['x-kubernetes-list-map-keys']).to.deep.equal(['nodeName']);
    expect(child(status, 'observedGeneration').type).to.equal('integer');
  });
});

describe('test/fixtures/agentpolicy (shared with the real API server test)', () => {
  const files = (dir: string): string[] => readdirSync(join(FIXTURES, dir)).filter((f) => f.endsWith('.yaml')).sort();

  for (const f of files('valid')) {
    it(`valid/${f} parses and compiles`, () => {
      const doc: unknown = parse(readFileSync(join(FIXTURES, 'valid', f), 'utf8'));
      expect(() => compile([parseAgentPolicy(doc)])).not.to.throw();
    });
  }

  for (const f of files('invalid')) {
    it(`invalid/${f} is rejected by the engine, with the message the API server or webhook gives`, () => {
      const text = readFileSync(join(FIXTURES, 'invalid', f), 'utf8');
      const by = /^# rejected-by: (apiserver|webhook)$/m.exec(text)?.[1];
      const message = /^# message: (.+)$/m.exec(text)?.[1];
      expect(by, 'rejected-by header').to.be.a('string');
      expect(message, 'message header').to.be.a('string');
      expect(() => parseAgentPolicy(parse(text))).to.throw(PolicyInvalidError).that.satisfies((e: PolicyInvalidError) => {
        if (by === 'webhook') expect(e.message).to.contain(message);
        return true;
      });
    });
  }
});
