/**
 * Paths, query strings and argument keys read as servers read them before
 * rules match (issue 14, "parse like the most lenient server, deny the
 * ambiguous"): trailing slashes, `*` and empty segments, encoded
 * sub-delimiters, qs brackets, `;` separators, repeated keys, case-variant
 * argument keys (Go's encoding/json).
 */
import { expect } from 'chai';
import { evaluate } from '../../../core/policy/evaluate.js';
import { foldKey, pathMatches } from '../../../core/policy/glob.js';
import { qsBaseKey, readQuery } from '../../../core/policy/query.js';
import { parseRequest } from '../../../core/policy/request.js';
import { set } from './helpers.js';

const routes = set({
  http: {
    routes: [
      { methods: ['GET'], paths: ['/api/v2/customers'], query: { limit: { type: 'integer', max: 100 } } },
      { methods: ['GET'], paths: ['/api/v2/customers/*'] },
      { methods: ['GET'], paths: ['/search'], query: { q: { required: true, maxLength: 20 } } },
      { methods: ['GET'], paths: ['/internal/**'] },
      { methods: ['GET'], paths: ['/internal/admin@x'], effect: 'Deny' },
    ],
  },
});

const http = (path: string): ReturnType<typeof evaluate> => evaluate(routes, { kind: 'http', method: 'GET', path });

describe('policy: paths as servers route them', () => {
  // The seed bug: `/customers/` matched `/customers/*` (empty segment), so its query went unconstrained.
  it('GET /api/v2/customers/?limit=100000 is judged as /api/v2/customers: denied by the limit', () => {
    const v = http('/api/v2/customers/?limit=100000');
    expect(v.verdict).to.equal('deny');
    expect(v.rule).to.equal('spec.http.routes[0].query.limit');
    expect(v.reason).to.match(/above the maximum 100/);
  });

  it('the same path with an allowed limit, and a real customer id, are allowed', () => {
    expect(http('/api/v2/customers/?limit=10').verdict).to.equal('allow');
    expect(http('/api/v2/customers/42').rule).to.equal('spec.http.routes[1]');
    expect(http('/api/v2/customers/42/').rule, 'trailing slash on a glob match').to.equal('spec.http.routes[1]');
  });

  it('a `*` segment never matches an empty segment; `**` still matches the root of its subtree', () => {
    expect(pathMatches('/api/v2/customers/*', '/api/v2/customers/')).to.equal(false);
    expect(pathMatches('/a/*/b', '/a//b')).to.equal(false);
    expect(pathMatches('/a/**', '/a/')).to.equal(true);
    expect(pathMatches('/a/x*', '/a/x')).to.equal(true);
  });

  it('normalised request paths: trailing slash dropped, root kept', () => {
    const p = parseRequest({ kind: 'http', method: 'GET', path: '/a/b/?x=1' });
    expect('error' in p ? p.error : p.path).to.equal('/a/b');
    const root = parseRequest({ kind: 'http', method: 'GET', path: '/' });
    expect('error' in root ? root.error : root.path).to.equal('/');
  });

  it('paths servers resolve differently stay denied as ambiguous: //, /./, /../, encoded / and .', () => {
    for (const path of ['/internal//admin@x', '/internal/./x', '/internal/x/../admin@x', '/internal%2Fx', '/internal/%2e%2e/x', '/internal\\x']) {
      const v = http(path);
      expect(v.verdict, path).to.equal('deny');
      expect(v.rule, path).to.equal('request');
    }
  });

  it('an encoded sub-delimiter matches its raw form (Go routes /a%40b as /a@b): a Deny rule is not dodged', () => {
    expect(http('/internal/admin@x').verdict).to.equal('deny');
    expect(http('/internal/other').verdict).to.equal('allow');
    const v = http('/internal/admin%40x');
    expect(v.verdict).to.equal('deny');
    expect(v.rule).to.equal('spec.http.routes[4]');
    expect(pathMatches('/a%3Ab', '/a:b'), 'both ways').to.equal(true);
    expect(pathMatches('/a/%2A', '/a/x'), 'an encoded * is not a wildcard').to.equal(false);
  });

  it('absolute-form paths of any scheme give the host and the path', () => {
    const p = parseRequest({ kind: 'http', method: 'GET', path: 'HTTP://User@API.Example:8080/a/?q=1' });
    expect('error' in p ? p.error : [p.target.host, p.path, p.query]).to.deep.equal(['api.example', '/a', { q: '1' }]);
    const bare = parseRequest({ kind: 'http', method: 'GET', path: 'http://h?x=1' });
    expect('error' in bare ? bare.error : [bare.path, bare.query]).to.deep.equal(['/', { x: '1' }]);
  });
});

describe('policy: query strings as every parser reads them', () => {
  it('qs bracket keys count as the key: limit[]=, limit[0]=, [limit]=, limit%5B%5D= are all checked', () => {
    for (const q of ['limit[]=100000', 'limit[0]=100000', '[limit]=100000', 'limit%5B%5D=100000', 'limit[a][b]=100000', 'limit=5&limit[]=100000']) {
      const v = http(`/api/v2/customers?${q}`);
      expect(v.verdict, q).to.equal('deny');
      expect(v.rule, q).to.equal('spec.http.routes[0].query.limit');
    }
    expect(http('/api/v2/customers?limit[]=50').verdict).to.equal('allow');
    expect(qsBaseKey('a[b][c]')).to.equal('a');
    expect(qsBaseKey('a]b[c]')).to.equal('a]b');
    expect(qsBaseKey('a[')).to.equal('a[');
  });

  it('repeated keys: every value must pass', () => {
    expect(http('/api/v2/customers?limit=1&limit=100000').verdict).to.equal('deny');
    expect(http('/api/v2/customers?limit=1&limit=2').verdict).to.equal('allow');
  });

  it('";" separators: each piece is a value too (older parsers split on ";")', () => {
    const v = http('/api/v2/customers?limit=5;limit=100000');
    expect(v.verdict).to.equal('deny');
    expect(v.reason).to.match(/limit/);
    const r = readQuery('a=1;limit=100000');
    expect('error' in r ? r.error : r.values).to.deep.equal({ a: ['1;limit=100000', '1'], limit: '100000' });
  });

  it('a required key present for some parsers only does not satisfy required', () => {
    const rows: [string, RegExp][] = [
      ['q[]=shoes', /qs reads it/],
      ['x=1;q=shoes', /Go drops such pairs/],
      ['q=', /empty value/],
    ];
    for (const [q, why] of rows) {
      const v = http(`/search?${q}`);
      expect(v.verdict, q).to.equal('deny');
      expect(v.reason, q).to.match(/query q: required, but/);
      expect(v.reason, q).to.match(why);
    }
    expect(http('/search?q=shoes').verdict).to.equal('allow');
    expect(http('/search?q[]=x&q=shoes').verdict, 'the exact key is there too').to.equal('allow');
  });

  it('past 1000 parameters qs and Node querystring stop reading: a required key there is uncertain', () => {
    const filler = Array.from({ length: 1000 }, () => 'f').join('&');
    const v = http(`/search?${filler}&q=shoes`);
    expect(v.verdict).to.equal('deny');
    expect(v.reason).to.match(/after the 1000th parameter/);
  });

  it('keys are case-sensitive in every query parser: LIMIT is another key (not limit)', () => {
    expect(http('/api/v2/customers?LIMIT=100000').verdict).to.equal('allow');
    const r = readQuery('LIMIT=1&limit=2');
    expect('error' in r ? r.error : r.values).to.deep.equal({ LIMIT: '1', limit: '2' });
  });

  it('a key named __proto__ is kept as a key', () => {
    const r = readQuery('__proto__=1');
    expect('error' in r ? r.error : Object.prototype.hasOwnProperty.call(r.values, '__proto__')).to.equal(true);
  });

  it('malformed percent-encoding is an error (parsers differ: kept raw, dropped)', () => {
    expect(readQuery('a=%zz')).to.deep.equal({ error: 'malformed percent-encoding in query "a=%zz"' });
  });
});

describe('policy: argument keys as Go reads them', () => {
  const tools = set({ mcp: { tools: [{ name: 'list', arguments: { limit: { type: 'integer', max: 100 }, sort: { in: ['name'] } } }] } });
  const call = (args: Record<string, unknown>): ReturnType<typeof evaluate> => evaluate(tools, { kind: 'mcp', tool: 'list', arguments: args });

  it('foldKey: ASCII case and Go\'s Unicode folds (U+017F to S, U+212A to K); lone surrogates read as U+FFFD', () => {
    expect(foldKey('limit')).to.equal('LIMIT');
    expect(foldKey('ſort')).to.equal('SORT');
    expect(foldKey('\u212Aey')).to.equal('KEY');
    expect(foldKey('\u00B5')).to.equal(foldKey('\u03BC')); // micro sign and Greek mu: one orbit (its smallest, U+00B5)
    expect(foldKey('\uD800')).to.equal(foldKey('\uDBFF'));
    expect(foldKey('ß')).to.not.equal(foldKey('ss'));
  });

  it('a constrained argument in another spelling is denied (Go fills the field from it)', () => {
    for (const key of ['LIMIT', 'Limit', 'lımit'.replace('ı', 'I')]) {
      const v = call({ [key]: 100000 });
      expect(v.verdict, key).to.equal('deny');
      expect(v.reason, key).to.match(new RegExp(`argument limit: given as "${key}"`));
    }
    const longS = call({ ſort: 'id' });
    expect(longS.verdict).to.equal('deny');
    expect(longS.rule).to.equal('spec.mcp.tools[0].arguments.sort');
    expect(call({ limit: 5, sort: 'name' }).verdict).to.equal('allow');
    expect(call({ other: 1 }).verdict, 'an unconstrained key').to.equal('allow');
  });
});
