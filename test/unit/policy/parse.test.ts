import { expect } from 'chai';
import { PolicyInvalidError } from '../../../core/policy/errors.js';
import { parseAgentPolicy } from '../../../core/policy/parse.js';
import { compile } from '../../../core/policy/compile.js';
import { doc } from './helpers.js';

describe('policy/parse', () => {
  it('fills defaults: mode Enforce, action Block, effect Allow, protocol ANY', () => {
    const p = parseAgentPolicy(doc({
      mcp: { tools: [{ name: 'get_customer' }] },
      egress: { rules: [{ to: [{ cidr: '10.0.0.0/8' }], ports: [{ port: 443 }] }] },
    }));
    expect(p.spec.mode).to.equal('Enforce');
    expect(p.spec.action).to.equal('Block');
    expect(p.spec.mcp?.tools[0]?.effect).to.equal('Allow');
    expect(p.spec.egress?.rules[0]?.ports[0]).to.deep.equal({ port: 443, endPort: 443, protocol: 'ANY' });
  });

  it('defaults the namespace like kubectl and keeps the given one', () => {
    const d = doc({});
    delete (d.metadata as Record<string, unknown>).namespace;
    expect(parseAgentPolicy(d).namespace).to.equal('default');
    expect(parseAgentPolicy(d, { defaultNamespace: 'x' }).namespace).to.equal('x');
    expect(parseAgentPolicy(doc({}, 'a', 'payments')).namespace).to.equal('payments');
  });

  const invalid: [string, Record<string, unknown>, string][] = [
    // not an object at all
    ['spec not an object', { spec: 'x' }, 'spec'],
    // typo in a field name is caught, not ignored
    ['unknown spec field', { spec: { selector: { matchLabels: { a: 'b' } }, mcpp: {} } }, 'spec'],
    // empty selector would select every pod
    ['empty selector', { spec: { selector: {} } }, 'spec.selector'],
    // selector operator outside the enum
    ['bad selector operator', { spec: { selector: { matchExpressions: [{ key: 'a', operator: 'Is' }] } } }, 'spec.selector.matchExpressions[0].operator'],
    // In needs values
    ['In without values', { spec: { selector: { matchExpressions: [{ key: 'a', operator: 'In' }] } } }, 'spec.selector.matchExpressions[0].values'],
    // bad label key
    ['bad label key', { spec: { selector: { matchLabels: { 'a b': 'c' } } } }, 'spec.selector.matchLabels.a b'],
    // mode enum
    ['bad mode', { mode: 'Observe' }, 'spec.mode'],
    // action enum
    ['bad action', { action: 'Drop' }, 'spec.action'],
    // tool name with a space
    ['bad tool name', { mcp: { tools: [{ name: 'get customer' }] } }, 'spec.mcp.tools[0].name'],
    // constraint min > max, the example path from the design notes
    ['max below min', { mcp: { tools: [{ name: 'a' }, { name: 'b' }, { name: 'c', arguments: { limit: { min: 10, max: 1 } } }] } }, 'spec.mcp.tools[2].arguments.limit.max'],
    // a regex that is not in the bounded subset (backreference)
    ['backreference', { mcp: { tools: [{ name: 'a', arguments: { q: { pattern: '(a)\\1' } } }] } }, 'spec.mcp.tools[0].arguments.q.pattern'],
    // lookahead
    ['lookahead', { mcp: { tools: [{ name: 'a', arguments: { q: { pattern: '(?=a)a' } } }] } }, 'spec.mcp.tools[0].arguments.q.pattern'],
    // huge repetition count
    ['repeat count', { mcp: { tools: [{ name: 'a', arguments: { q: { pattern: 'a{1000}' } } }] } }, 'spec.mcp.tools[0].arguments.q.pattern'],
    // over-long pattern
    ['pattern too long', { mcp: { tools: [{ name: 'a', arguments: { q: { pattern: 'a'.repeat(300) } } }] } }, 'spec.mcp.tools[0].arguments.q.pattern'],
    // arguments on a Deny rule are meaningless
    ['arguments on deny', { mcp: { tools: [{ name: 'a', effect: 'Deny', arguments: { q: { max: 1 } } }] } }, 'spec.mcp.tools[0].arguments'],
    // forbidden plus another constraint
    ['forbidden plus max', { mcp: { tools: [{ name: 'a', arguments: { q: { forbidden: true, max: 1 } } }] } }, 'spec.mcp.tools[0].arguments.q.forbidden'],
    // min on a string-typed value
    ['min on string type', { mcp: { tools: [{ name: 'a', arguments: { q: { type: 'string', min: 1 } } }] } }, 'spec.mcp.tools[0].arguments.q.type'],
    // reference to an undeclared server
    ['unknown server', { mcp: { tools: [{ name: 'a', servers: ['nope'] }] } }, 'spec.mcp.tools[0].servers[0]'],
    // server with both selector and host
    ['server selector and host', { mcp: { servers: [{ name: 's', host: 'a.b', selector: { matchLabels: { a: 'b' } } }] } }, 'spec.mcp.servers[0]'],
    // duplicate server names
    ['duplicate server', { mcp: { servers: [{ name: 's', host: 'a.b' }, { name: 's', host: 'c.d' }] } }, 'spec.mcp.servers'],
    // server port out of range
    ['server port', { mcp: { servers: [{ name: 's', host: 'a.b', port: 70000 }] } }, 'spec.mcp.servers[0].port'],
    // A2A peer host malformed
    ['a2a bad host', { a2a: { peers: [{ name: 'p', host: 'bad host' }] } }, 'spec.a2a.peers[0].host'],
    // HTTP method enum
    ['http method', { http: { routes: [{ methods: ['FETCH'] }] } }, 'spec.http.routes[0].methods[0]'],
    // path glob without leading slash
    ['path no slash', { http: { routes: [{ paths: ['api/*'] }] } }, 'spec.http.routes[0].paths[0]'],
    // ** inside a segment
    ['path ** in segment', { http: { routes: [{ paths: ['/api/a**'] }] } }, 'spec.http.routes[0].paths[0]'],
    // dot segment in a path
    ['path dot segment', { http: { routes: [{ paths: ['/api/../x'] }] } }, 'spec.http.routes[0].paths[0]'],
    // query constraints on a deny route
    ['query on deny', { http: { routes: [{ effect: 'Deny', query: { limit: { max: 1 } } }] } }, 'spec.http.routes[0].query'],
    // query param typed as array
    ['query array type', { http: { routes: [{ query: { limit: { type: 'array' } } }] } }, 'spec.http.routes[0].query.limit.type'],
    // CIDR that is not one
    ['bad cidr', { egress: { rules: [{ to: [{ cidr: '10.0.0.300/8' }] }] } }, 'spec.egress.rules[0].to[0].cidr'],
    // CIDR with host bits
    ['cidr host bits', { egress: { rules: [{ to: [{ cidr: '10.0.0.1/8' }] }] } }, 'spec.egress.rules[0].to[0].cidr'],
    // IPv6 prefix too long
    ['cidr v6 length', { egress: { rules: [{ to: [{ cidr: 'fd00::/129' }] }] } }, 'spec.egress.rules[0].to[0].cidr'],
    // egress rule with no destination
    ['egress empty to', { egress: { rules: [{ to: [] }] } }, 'spec.egress.rules[0].to'],
    // endPort below port
    ['endPort < port', { egress: { rules: [{ to: [{ cidr: '10.0.0.0/8' }], ports: [{ port: 90, endPort: 80 }] }] } }, 'spec.egress.rules[0].ports[0].endPort'],
    // port 0
    ['port zero', { egress: { rules: [{ to: [{ cidr: '10.0.0.0/8' }], ports: [{ port: 0 }] }] } }, 'spec.egress.rules[0].ports[0].port'],
    // protocol enum
    ['protocol', { egress: { rules: [{ to: [{ cidr: '10.0.0.0/8' }], ports: [{ port: 1, protocol: 'ICMP' }] }] } }, 'spec.egress.rules[0].ports[0].protocol'],
    // namespaces with a cidr peer
    ['namespaces with cidr', { egress: { rules: [{ to: [{ cidr: '10.0.0.0/8', namespaces: ['a'] }] }] } }, 'spec.egress.rules[0].to[0].namespaces'],
    // relative exec path
    ['relative exec path', { process: { deny: [{ path: 'bin/sh' }] } }, 'spec.process.deny[0].path'],
    // exec name with a slash
    ['exec name with slash', { process: { deny: [{ name: 'a/b' }] } }, 'spec.process.deny[0].name'],
    // file path with ..
    ['file dotdot', { files: { deny: ['/etc/../root'] } }, 'spec.files.deny[0]'],
    // too many tools
    ['too many tools', { mcp: { tools: Array.from({ length: 257 }, (_, i) => ({ name: `t${i}` })) } }, 'spec.mcp.tools'],
  ];

  for (const [what, patch, field] of invalid) {
    it(`rejects ${what} naming ${field}`, () => {
      const d = doc({});
      const raw = 'spec' in patch ? { ...d, spec: patch.spec } : doc(patch);
      expect(() => parseAgentPolicy(raw)).to.throw(PolicyInvalidError).that.satisfies((e: PolicyInvalidError) => {
        expect(e.code).to.equal('E_POLICY_INVALID');
        expect(e.field).to.equal(field);
        expect(e.policy).to.equal('ns/p');
        return true;
      });
    });
  }

  const envelope: [string, unknown][] = [
    // not an object
    ['a string', 'hello'],
    // wrong apiVersion
    ['wrong apiVersion', { ...doc({}), apiVersion: 'v1' }],
    // wrong kind
    ['wrong kind', { ...doc({}), kind: 'Pod' }],
    // missing metadata.name
    ['no name', { ...doc({}), metadata: { namespace: 'ns' } }],
  ];
  for (const [what, raw] of envelope) {
    it(`rejects a document with ${what}`, () => {
      expect(() => parseAgentPolicy(raw)).to.throw(PolicyInvalidError);
    });
  }

  it('compile rejects the same policy twice', () => {
    expect(() => compile([doc({}), doc({})])).to.throw(PolicyInvalidError, /twice/);
  });
});
