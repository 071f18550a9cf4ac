import { expect } from 'chai';
import { evaluate } from '../../../core/policy/evaluate.js';
import type { VerdictName } from '../../../core/policy/evaluate.js';
import { set } from './helpers.js';

type Row = [comment: string, request: unknown, verdict: VerdictName, rule?: string | undefined, reason?: RegExp];

function table(name: string, spec: Record<string, unknown>, rows: Row[]): void {
  describe(name, () => {
    const compiled = set(spec);
    for (const [comment, request, verdict, rule, reason] of rows) {
      it(`${comment} -> ${verdict}`, () => {
        const v = evaluate(compiled, request);
        expect(v.verdict, v.reason).to.equal(verdict);
        if (rule !== undefined) expect(v.rule).to.equal(rule);
        if (reason !== undefined) expect(v.reason).to.match(reason);
        if (verdict === 'deny') expect(v.action).to.equal('Block');
      });
    }
  });
}

describe('policy/evaluate', () => {
  table('MCP tools', {
    mcp: {
      servers: [
        { name: 'customers', selector: { matchLabels: { app: 'customer-mcp' } } },
        { name: 'search', host: 'search.example.com', port: 443 },
      ],
      tools: [
        { name: 'get_customer' },
        { name: 'get_all_customers', arguments: { filter: { required: true, notIn: ['none'] }, limit: { type: 'integer', max: 100 } } },
        { name: 'delete_*', effect: 'Deny' },
        { name: 'search_*', servers: ['search'] },
        { name: 'lookup', servers: ['customers'] },
        { name: 'tag', arguments: { tags: { maxItems: 2 }, label: { pattern: '[a-z]{1,8}', maxLength: 8 }, debug: { forbidden: true } } },
        { name: 'pick', arguments: { color: { in: ['red', 'green'] }, ratio: { min: 0, max: 1 } } },
        { name: 'delete_safe' },
      ],
    },
  }, [
    // plain allowed tool
    ['allowed tool', { kind: 'mcp', tool: 'get_customer', arguments: { id: '42' } }, 'allow', 'spec.mcp.tools[0]'],
    // unlisted tool in a covered category
    ['unlisted tool', { kind: 'mcp', tool: 'drop_tables' }, 'deny', 'spec.mcp', /MCP tool drop_tables not allowed/],
    // the seed's bulk export: filter none
    ['filter none', { kind: 'mcp', tool: 'get_all_customers', arguments: { filter: 'none' } }, 'deny', 'spec.mcp.tools[1].arguments.filter', /^argument filter: "none" not allowed$/],
    // a real filter is fine
    ['filter region', { kind: 'mcp', tool: 'get_all_customers', arguments: { filter: 'region=eu', limit: 50 } }, 'allow'],
    // required argument missing
    ['filter missing', { kind: 'mcp', tool: 'get_all_customers', arguments: {} }, 'deny', 'spec.mcp.tools[1].arguments.filter', /required/],
    // number above max
    ['limit too big', { kind: 'mcp', tool: 'get_all_customers', arguments: { filter: 'x', limit: 100000 } }, 'deny', 'spec.mcp.tools[1].arguments.limit', /above the maximum 100/],
    // number given as a string does not slip through
    ['limit as string', { kind: 'mcp', tool: 'get_all_customers', arguments: { filter: 'x', limit: '100000' } }, 'deny', undefined, /not of type integer/],
    // boundary: exactly max
    ['limit at max', { kind: 'mcp', tool: 'get_all_customers', arguments: { filter: 'x', limit: 100 } }, 'allow'],
    // non-integer for integer type
    ['limit fractional', { kind: 'mcp', tool: 'get_all_customers', arguments: { filter: 'x', limit: 1.5 } }, 'deny'],
    // notIn on a non-string value fails closed
    ['filter object', { kind: 'mcp', tool: 'get_all_customers', arguments: { filter: { $ne: 1 } } }, 'deny', undefined, /not a string/],
    // deny glob
    ['deny glob', { kind: 'mcp', tool: 'delete_customer' }, 'deny', 'spec.mcp.tools[2]', /denied/],
    // deny beats a more specific allow
    ['deny beats allow', { kind: 'mcp', tool: 'delete_safe' }, 'deny', 'spec.mcp.tools[2]'],
    // host-scoped tool on the right server
    ['scoped right host', { kind: 'mcp', tool: 'search_docs', target: { host: 'search.example.com', port: 443 } }, 'allow'],
    // host-scoped tool on another port
    ['scoped wrong port', { kind: 'mcp', tool: 'search_docs', target: { host: 'search.example.com', port: 8443 } }, 'deny', 'spec.mcp.tools[3].servers'],
    // host-scoped tool with no target
    ['scoped no target', { kind: 'mcp', tool: 'search_docs' }, 'deny'],
    // selector-scoped tool on a pod in the policy's namespace
    ['selector right pod', { kind: 'mcp', tool: 'lookup', target: { namespace: 'ns', labels: { app: 'customer-mcp' } } }, 'allow'],
    // same labels in another namespace
    ['selector other ns', { kind: 'mcp', tool: 'lookup', target: { namespace: 'other', labels: { app: 'customer-mcp' } } }, 'deny'],
    // maxItems
    ['too many tags', { kind: 'mcp', tool: 'tag', arguments: { tags: [1, 2, 3] } }, 'deny', 'spec.mcp.tools[5].arguments.tags'],
    // maxItems on a non-list
    ['tags not a list', { kind: 'mcp', tool: 'tag', arguments: { tags: 'a' } }, 'deny'],
    // pattern ok
    ['label ok', { kind: 'mcp', tool: 'tag', arguments: { label: 'abc', tags: [] } }, 'allow'],
    // pattern is a full match
    ['label partial', { kind: 'mcp', tool: 'tag', arguments: { label: 'abc1' } }, 'deny', undefined, /does not match/],
    // forbidden key present
    ['debug forbidden', { kind: 'mcp', tool: 'tag', arguments: { debug: false } }, 'deny', 'spec.mcp.tools[5].arguments.debug', /not allowed/],
    // in list
    ['color in', { kind: 'mcp', tool: 'pick', arguments: { color: 'red', ratio: 0.5 } }, 'allow'],
    // not in list
    ['color not in', { kind: 'mcp', tool: 'pick', arguments: { color: 'blue' } }, 'deny'],
    // below min
    ['ratio below min', { kind: 'mcp', tool: 'pick', arguments: { ratio: -0.1 } }, 'deny', undefined, /below the minimum 0/],
    // glob does not overmatch: names are case-sensitive
    ['case sensitive', { kind: 'mcp', tool: 'Get_Customer' }, 'deny'],
  ]);

  table('A2A methods', {
    a2a: {
      peers: [{ name: 'planner', selector: { matchLabels: { app: 'planner' } }, namespaces: ['*'] }],
      methods: [
        { name: 'message/send', peers: ['planner'] },
        { name: 'tasks/*' },
        { name: 'tasks/cancel', effect: 'Deny' },
        { name: 'GetExtendedAgentCard' },
      ],
    },
  }, [
    // slash name to the allowed peer
    ['message/send to planner', { kind: 'a2a', method: 'message/send', target: { namespace: 'x', labels: { app: 'planner' } } }, 'allow'],
    // v1 name is the same method
    ['SendMessage to planner', { kind: 'a2a', method: 'SendMessage', target: { namespace: 'x', labels: { app: 'planner' } } }, 'allow'],
    // forbidden peer
    ['message/send elsewhere', { kind: 'a2a', method: 'message/send', target: { namespace: 'x', labels: { app: 'other' } } }, 'deny'],
    // streaming not allowed
    ['message/stream', { kind: 'a2a', method: 'message/stream', target: { namespace: 'x', labels: { app: 'planner' } } }, 'deny'],
    // glob over tasks
    ['tasks/get', { kind: 'a2a', method: 'tasks/get' }, 'allow', 'spec.a2a.methods[1]'],
    // glob over v1 name via canonical form
    ['GetTask', { kind: 'a2a', method: 'GetTask' }, 'allow'],
    // deny beats the glob
    ['tasks/cancel', { kind: 'a2a', method: 'tasks/cancel' }, 'deny', 'spec.a2a.methods[2]'],
    // and its v1 name
    ['CancelTask', { kind: 'a2a', method: 'CancelTask' }, 'deny', 'spec.a2a.methods[2]'],
    // a rule written with the v1 name covers the slash name
    ['agent/getAuthenticatedExtendedCard', { kind: 'a2a', method: 'agent/getAuthenticatedExtendedCard' }, 'allow', 'spec.a2a.methods[3]'],
  ]);

  table('HTTP routes', {
    http: {
      routes: [
        { methods: ['GET', 'POST'], paths: ['/api/v2/customers'], query: { limit: { type: 'integer', min: 1, max: 100, maxItems: 1 } } },
        { methods: ['GET'], paths: ['/api/v2/customers/*'] },
        { hosts: ['*.internal.example'], paths: ['/health/**'] },
        { methods: ['DELETE'], paths: ['/api/**'], effect: 'Deny' },
        { methods: ['DELETE'], paths: ['/api/v2/customers/*'] },
      ],
    },
  }, [
    // the seed's bulk export over REST
    ['limit=100000', { kind: 'http', method: 'GET', path: '/api/v2/customers?limit=100000' }, 'deny', 'spec.http.routes[0].query.limit', /query limit: 100000 is above the maximum 100/],
    // same with POST
    ['POST limit=100000', { kind: 'http', method: 'POST', path: '/api/v2/customers?limit=100000' }, 'deny'],
    // under the limit
    ['limit=10', { kind: 'http', method: 'GET', path: '/api/v2/customers?limit=10' }, 'allow', 'spec.http.routes[0]'],
    // no limit given at all
    ['no limit', { kind: 'http', method: 'GET', path: '/api/v2/customers' }, 'allow'],
    // query given as an object
    ['query object', { kind: 'http', method: 'GET', path: '/api/v2/customers', query: { limit: '500' } }, 'deny'],
    // parameter pollution: repeated limit
    ['limit twice', { kind: 'http', method: 'GET', path: '/api/v2/customers?limit=1&limit=100000' }, 'deny', undefined, /2 times/],
    // non-decimal number forms fail closed
    ['limit hex', { kind: 'http', method: 'GET', path: '/api/v2/customers?limit=0x10' }, 'deny'],
    // exponent form fails closed
    ['limit exponent', { kind: 'http', method: 'GET', path: '/api/v2/customers?limit=1e9' }, 'deny'],
    // percent-encoded limit value
    ['limit encoded', { kind: 'http', method: 'GET', path: '/api/v2/customers?limit=%31%30' }, 'allow'],
    // method not allowed
    ['PUT', { kind: 'http', method: 'PUT', path: '/api/v2/customers' }, 'deny', 'spec.http'],
    // single-segment glob
    ['one customer', { kind: 'http', method: 'GET', path: '/api/v2/customers/42' }, 'allow', 'spec.http.routes[1]'],
    // * does not cross segments
    ['two segments', { kind: 'http', method: 'GET', path: '/api/v2/customers/42/orders' }, 'deny'],
    // encoded unreserved characters are decoded before matching
    ['encoded letters', { kind: 'http', method: 'GET', path: '/api/v2/%63ustomers/42' }, 'allow'],
    // dot segments are refused outright
    ['dot segment', { kind: 'http', method: 'GET', path: '/api/v2/customers/../admin' }, 'deny', 'request', /dot or empty segments/],
    // encoded slash is refused
    ['encoded slash', { kind: 'http', method: 'GET', path: '/api/v2/customers%2F42' }, 'deny', 'request'],
    // double slash is refused
    ['double slash', { kind: 'http', method: 'GET', path: '//api/v2/customers' }, 'deny', 'request'],
    // host glob + ** glob
    ['health on internal host', { kind: 'http', method: 'GET', path: '/health/live/x', target: { host: 'svc.internal.example' } }, 'allow', 'spec.http.routes[2]'],
    // ** matches zero segments
    ['health root', { kind: 'http', method: 'HEAD', path: '/health', target: { host: 'a.internal.example' } }, 'allow'],
    // host suffix does not match the bare domain
    ['health on bare domain', { kind: 'http', method: 'GET', path: '/health', target: { host: 'internal.example' } }, 'deny'],
    // absolute-form request target carries the host
    ['absolute form', { kind: 'http', method: 'GET', path: 'http://svc.internal.example:8080/health' }, 'allow'],
    // deny beats allow on DELETE
    ['delete', { kind: 'http', method: 'DELETE', path: '/api/v2/customers/42' }, 'deny', 'spec.http.routes[3]'],
  ]);

  table('egress', {
    egress: {
      rules: [
        { to: [{ cidr: '10.0.0.0/8' }], ports: [{ port: 443, protocol: 'TCP' }, { port: 8000, endPort: 8100 }] },
        { effect: 'Deny', to: [{ cidr: '10.1.0.0/16' }] },
        { to: [{ cidr: '10.96.0.10/32' }], ports: [{ port: 53, protocol: 'UDP' }] },
        { to: [{ cidr: 'fd00::/8' }], ports: [{ port: 443 }] },
        { to: [{ selector: { matchLabels: { app: 'db' } } }], ports: [{ port: 5432, protocol: 'TCP' }] },
      ],
    },
  }, [
    // allowed port
    ['10.2.3.4:443', { kind: 'egress', target: { ip: '10.2.3.4', port: 443 } }, 'allow', 'spec.egress.rules[0]'],
    // allowed range
    ['10.2.3.4:8050 udp', { kind: 'egress', target: { ip: '10.2.3.4', port: 8050, protocol: 'UDP' } }, 'allow'],
    // protocol mismatch
    ['10.2.3.4:443 udp', { kind: 'egress', target: { ip: '10.2.3.4', port: 443, protocol: 'UDP' } }, 'deny', 'spec.egress'],
    // other port
    ['10.2.3.4:22', { kind: 'egress', target: { ip: '10.2.3.4', port: 22 } }, 'deny'],
    // deny of a sub-prefix beats the wider allow
    ['10.1.2.3:443', { kind: 'egress', target: { ip: '10.1.2.3', port: 443 } }, 'deny', 'spec.egress.rules[1]'],
    // outside every prefix
    ['8.8.8.8:53', { kind: 'egress', target: { ip: '8.8.8.8', port: 53, protocol: 'UDP' } }, 'deny'],
    // DNS
    ['dns udp', { kind: 'egress', target: { ip: '10.96.0.10', port: 53, protocol: 'UDP' } }, 'allow', 'spec.egress.rules[2]'],
    // IPv6 prefix
    ['fd00::1:443', { kind: 'egress', target: { ip: 'fd00::1', port: 443 } }, 'allow', 'spec.egress.rules[3]'],
    // IPv4-mapped IPv6 is judged as IPv4
    ['mapped v4', { kind: 'egress', target: { ip: '::ffff:10.1.2.3', port: 443 } }, 'deny', 'spec.egress.rules[1]'],
    // loopback is implicitly allowed
    ['loopback', { kind: 'egress', target: { ip: '127.0.0.1', port: 6379 } }, 'allow', 'spec.egress (implicit: loopback allowed)'],
    // ipv6 loopback
    ['::1', { kind: 'egress', target: { ip: '::1', port: 6379 } }, 'allow'],
    // pod selector peer by labels
    ['db pod', { kind: 'egress', target: { ip: '10.244.0.5', port: 5432, namespace: 'ns', labels: { app: 'db' } } }, 'allow', 'spec.egress.rules[4]'],
    // pod selector peer in another namespace
    ['db pod other ns', { kind: 'egress', target: { ip: '192.168.0.5', port: 5432, namespace: 'x', labels: { app: 'db' } } }, 'deny'],
  ]);

  table('process and files (deny lists)', {
    process: { deny: [{ path: '/bin/sh' }, { name: 'curl' }, { path: '/usr/local/bin' }] },
    files: { deny: ['/var/run/secrets/kubernetes.io/serviceaccount', '/etc/shadow'] },
  }, [
    // exact path
    ['/bin/sh', { kind: 'exec', path: '/bin/sh' }, 'deny', 'spec.process.deny[0]'],
    // base name anywhere
    ['curl anywhere', { kind: 'exec', path: '/opt/tools/curl' }, 'deny', 'spec.process.deny[1]'],
    // directory prefix
    ['under /usr/local/bin', { kind: 'exec', path: '/usr/local/bin/tool' }, 'deny', 'spec.process.deny[2]'],
    // prefix is per path component
    ['/bin/shell', { kind: 'exec', path: '/bin/shell' }, 'allow'],
    // what is not listed runs
    ['python', { kind: 'exec', path: '/usr/bin/python3' }, 'allow'],
    // lexical normalisation before matching
    ['sneaky path', { kind: 'exec', path: '/usr/bin/../../bin/sh' }, 'deny'],
    // relative paths cannot be judged
    ['relative', { kind: 'exec', path: 'sh' }, 'deny', 'request'],
    // service-account token
    ['token', { kind: 'file', path: '/var/run/secrets/kubernetes.io/serviceaccount/token' }, 'deny', 'spec.files.deny[0]'],
    // exact file
    ['/etc/shadow', { kind: 'file', path: '/etc/shadow' }, 'deny'],
    // sibling name is not under the prefix
    ['/etc/shadow-', { kind: 'file', path: '/etc/shadow-' }, 'allow'],
    // anything else opens
    ['/etc/hosts', { kind: 'file', path: '/etc/hosts' }, 'allow'],
  ]);

  table('categories the policy does not cover', { mcp: { tools: [{ name: 'a' }] } }, [
    // http is not covered: allowed, no policy decided
    ['http uncovered', { kind: 'http', method: 'GET', path: '/' }, 'allow', '', /no policy covers/],
    // egress is not covered
    ['egress uncovered', { kind: 'egress', target: { ip: '1.2.3.4', port: 80 } }, 'allow'],
  ]);

  table('an empty section still covers its category', { mcp: {}, egress: {} }, [
    // nothing allowed
    ['any tool', { kind: 'mcp', tool: 'x' }, 'deny', 'spec.mcp'],
    // but loopback
    ['loopback', { kind: 'egress', target: { ip: '127.0.0.53', port: 53, protocol: 'UDP' } }, 'allow'],
  ]);

  table('fail closed on malformed requests', {}, [
    // not an object
    ['null', null, 'deny', 'request', /malformed request/],
    // unknown kind
    ['unknown kind', { kind: 'smtp' }, 'deny', 'request'],
    // missing tool
    ['mcp without tool', { kind: 'mcp' }, 'deny', 'request'],
    // arguments not an object
    ['arguments list', { kind: 'mcp', tool: 'a', arguments: [1] }, 'deny', 'request'],
    // bad IP
    ['bad ip', { kind: 'egress', target: { ip: '999.1.1.1', port: 1 } }, 'deny', 'request'],
    // port out of range
    ['bad port', { kind: 'egress', target: { ip: '1.1.1.1', port: 70000 } }, 'deny', 'request'],
    // malformed percent-encoding in the query
    ['bad query', { kind: 'http', method: 'GET', path: '/x?a=%zz' }, 'deny', 'request'],
    // labels must be strings
    ['bad labels', { kind: 'mcp', tool: 'a', target: { labels: { a: 1 } } }, 'deny', 'request'],
  ]);
});
