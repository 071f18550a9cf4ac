import { expect } from 'chai';
import { formatPrefix, parseCidr, parseIp } from '../../../core/policy/cidr.js';
import { decodeUnreserved, hostMatches, pathMatches, pathPatternProblem } from '../../../core/policy/glob.js';
import { compileBoundedRegex, RegexSyntaxError } from '../../../core/policy/regex.js';
import { parseAgentPolicy } from '../../../core/policy/parse.js';
import { policyWarnings } from '../../../core/policy/warnings.js';
import { selectorMatches } from '../../../core/policy/selector.js';
import { doc } from './helpers.js';

describe('policy building blocks', () => {
  describe('bounded regex syntax', () => {
    const rejected: [string, RegExp][] = [
      // backreference
      ['(a)\\1', /backreferences/],
      // lookahead
      ['(?=a)', /lookaround/],
      // named group
      ['(?<n>a)', /lookaround and named groups/],
      // lazy quantifier
      ['a*?', /lazy/],
      // stacked quantifiers
      ['a**', /nested quantifier/],
      // repetition above the bound
      ['a{101}', /above 100/],
      // inverted range
      ['a{3,2}', /m < n/],
      // unbalanced group
      ['(a', /missing "\)"/],
      // unterminated class
      ['[ab', /missing "]"/],
      // quantifier with nothing before it
      ['*a', /without a target/],
      // unknown escape
      ['\\q', /unknown escape/],
      // bad class range
      ['[z-a]', /bad character range/],
    ];
    for (const [pattern, reason] of rejected) {
      it(`rejects ${pattern}`, () => {
        expect(() => compileBoundedRegex(pattern)).to.throw(RegexSyntaxError, reason);
      });
    }
    const matches: [string, string, boolean][] = [
      // implicit anchoring both ends
      ['abc', 'xabc', false],
      // explicit anchors accepted
      ['^a+$', 'aaa', true],
      // classes and escapes
      ['[a-z0-9_.-]+@[a-z]+\\.(com|org)', 'first.last@example.org', true],
      // \s is RE2's ASCII space class
      ['a\\sb', 'a\tb', true],
      // dot does not match newline
      ['a.b', 'a\nb', false],
      // astral characters are one character
      ['.', '😀', true],
      // counted repetition
      ['\\d{2,4}', '12345', false],
    ];
    for (const [pattern, input, want] of matches) {
      it(`${pattern} on ${JSON.stringify(input)} -> ${want}`, () => {
        expect(compileBoundedRegex(pattern).test(input)).to.equal(want);
      });
    }
  });

  describe('CIDRs and IPs', () => {
    const rows: [string, string | RegExp][] = [
      // canonical v4
      ['10.0.0.0/8', '10.0.0.0/8'],
      // v6 compression
      ['fd00:0:0::/16', 'fd00::/16'],
      // /0
      ['::/0', '::/0'],
      // embedded v4 in v6
      ['64:ff9b::10.0.0.0/120', '64:ff9b::a00:0/120'],
      // host bits set
      ['10.0.0.1/8', /host bits set \(did you mean 10\.0\.0\.0\/8\?\)/],
      // length too long
      ['10.0.0.0/33', /bad prefix length/],
      // mapped v4 refused as a CIDR
      ['::ffff:10.0.0.0/104', /not an IPv4 or IPv6 CIDR/],
      // zone id refused
      ['fe80::1%eth0/128', /not an IPv4 or IPv6 CIDR/],
    ];
    for (const [text, want] of rows) {
      it(text, () => {
        const p = parseCidr(text);
        if (typeof want === 'string') expect('error' in p ? p.error : formatPrefix(p)).to.equal(want);
        else expect('error' in p ? p.error : formatPrefix(p)).to.match(want);
      });
    }
    it('IPv4-mapped IPv6 addresses are IPv4', () => {
      expect(parseIp('::ffff:192.0.2.1')).to.deep.equal({ family: 4, addr: Uint8Array.from([192, 0, 2, 1]) });
    });
  });

  describe('globs', () => {
    const paths: [string, string, boolean][] = [
      // ** at the end matches zero segments
      ['/api/**', '/api', true],
      // ** in the middle
      ['/api/**/orders', '/api/v1/customers/7/orders', true],
      // * within one segment
      ['/api/v*/x', '/api/v2/x', true],
      // * does not cross /
      ['/api/*', '/api/a/b', false],
      // Changed (issue 14): a trailing slash is ignored (Express routes /api/ as /api), so the rules of /api apply to /api/
      ['/api', '/api/', true],
      ['/api/', '/api', true],
      // * never matches an empty segment: /api/* does not match /api/ (judged as /api)
      ['/api/*', '/api/', false],
      ['/*', '/', false],
      ['/**', '/', true],
    ];
    for (const [pattern, path, want] of paths) {
      it(`${pattern} ~ ${path} -> ${want}`, () => {
        expect(pathMatches(pattern, path)).to.equal(want);
      });
    }
    it('host globs match below the domain only, case-insensitively', () => {
      expect(hostMatches('*.example.com', 'A.B.Example.COM.')).to.equal(true);
      expect(hostMatches('*.example.com', 'example.com')).to.equal(false);
      expect(hostMatches('*.example.com', 'badexample.com')).to.equal(false);
    });
    it('path problems and unreserved decoding', () => {
      expect(pathPatternProblem('/a/**/b')).to.equal(undefined);
      expect(pathPatternProblem('/a/%zz')).to.match(/percent/);
      expect(decodeUnreserved('/%7euser/%2Fx/%2e')).to.equal('/~user/%2Fx/%2E');
    });
  });

  it('label selectors: In, NotIn, Exists, DoesNotExist', () => {
    const sel = {
      matchLabels: { app: 'agent' },
      matchExpressions: [
        { key: 'tier', operator: 'In' as const, values: ['a', 'b'] },
        { key: 'env', operator: 'NotIn' as const, values: ['prod'] },
        { key: 'team', operator: 'Exists' as const, values: [] },
        { key: 'legacy', operator: 'DoesNotExist' as const, values: [] },
      ],
    };
    expect(selectorMatches(sel, { app: 'agent', tier: 'a', team: 'x' })).to.equal(true);
    expect(selectorMatches(sel, { app: 'agent', tier: 'a', team: 'x', env: 'prod' })).to.equal(false);
    expect(selectorMatches(sel, { app: 'agent', tier: 'c', team: 'x' })).to.equal(false);
    expect(selectorMatches(sel, { app: 'agent', tier: 'a', team: 'x', legacy: '' })).to.equal(false);
  });

  describe('admission warnings', () => {
    const rows: [string, Record<string, unknown>, RegExp | undefined][] = [
      // nothing covered
      ['no sections', {}, /restricts nothing/],
      // Kill in Audit
      ['audit kill', { mode: 'Audit', action: 'Kill', mcp: { tools: [{ name: 'a' }] } }, /Kill has no effect/],
      // allow-all tools
      ['allow all', { mcp: { tools: [{ name: '*' }] } }, /allows every tool/],
      // per-call userspace check
      ['arguments', { mcp: { tools: [{ name: 'a', arguments: { n: { max: 1 } } }] } }, /held for a userspace check/],
      // unused server
      ['unused server', { mcp: { servers: [{ name: 's', host: 'a.b' }], tools: [{ name: 'a' }] } }, /"s" is declared but no rule refers to it/],
      // empty egress denies DNS
      ['empty egress', { egress: {} }, /DNS included/],
      // open egress
      ['open egress', { egress: { rules: [{ to: [{ cidr: '0.0.0.0/0' }] }] } }, /allows every address on every port/],
      // host escapes
      ['host access', { hostAccess: { privileged: true }, mcp: { tools: [{ name: 'a' }] } }, /escape per-pod enforcement/],
      // a plain policy has none
      ['plain', { mcp: { tools: [{ name: 'a' }] } }, undefined],
    ];
    for (const [what, spec, want] of rows) {
      it(what, () => {
        const w = policyWarnings(parseAgentPolicy(doc(spec)));
        if (want === undefined) expect(w).to.deep.equal([]);
        else expect(w.join('\n')).to.match(want);
      });
    }
    it('hostAccess parses with defaults', () => {
      expect(parseAgentPolicy(doc({ hostAccess: { hostPID: true } })).spec.hostAccess).to.deep.equal({ hostNetwork: false, hostPID: true, privileged: false });
    });
  });
});
