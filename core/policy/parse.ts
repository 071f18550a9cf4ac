/**
 * AgentPolicy parser/validator: unknown JSON or YAML data in, a validated
 * AgentPolicy out, or a PolicyInvalidError naming the policy and the field
 * (`spec.http.routes[0].query.limit.max`). It checks everything the CRD's
 * schema and CEL rules check, and what they cannot (bounded regex syntax,
 * references between rules and servers), so the CLI and the webhook judge a
 * policy exactly as the API server plus the engine would.
 */
import { PATH_MAX, PATH_PREFIXES } from '../abi/structs.js';
import { parseCidr } from './cidr.js';
import { optional, parseConstraintMap } from './constraint.js';
import { decodeUnreserved, HOST_PATTERN_RE, NAME_PATTERN_RE, PATH_MAX_LENGTH, pathPatternProblem } from './glob.js';
import type {
  A2aSection,
  AgentPolicy,
  AgentPolicySpec,
  CallRule,
  EgressPeer,
  EgressRule,
  EgressSection,
  ExecMatch,
  FilesSection,
  HostAccess,
  HttpRoute,
  CallerRef,
  HttpSection,
  InboundSection,
  McpSection,
  PeerRef,
  PortRange,
  ProcessSection,
} from './model.js';
import { ACTIONS, API_VERSION, EFFECTS, HTTP_METHODS, KIND, MODES, PROTOCOLS, VISIBILITIES } from './model.js';
import { Reader } from './reader.js';
import { NAMESPACE_RE, parseSelector } from './selector.js';

/** List bounds; the CRD's maxItems are the same numbers (checked by the CRD test). */
export const LIMITS = {
  peers: 32,
  tools: 256,
  methods: 64,
  routes: 128,
  routeItems: 32,
  egressRules: 128,
  egressPeers: 64,
  ports: 32,
  namespaces: 32,
  ruleServers: 32,
  execDeny: 128,
  filesDeny: 128,
} as const;

const DNS_LABEL_RE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS_SUBDOMAIN_RE = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const ABS_PATH_RE = /^\/[^\0]*$/;
const EXEC_NAME_RE = /^[^/\0]{1,255}$/;

export interface ParseOptions {
  /** Namespace for documents without metadata.namespace (kubectl's default). */
  readonly defaultNamespace?: string;
}

function namespaces(r: Reader, own: string): string[] {
  if (r.isAbsent()) return [own];
  return r.strings(LIMITS.namespaces, (n) => (n.value === '*' ? '*' : n.matching(NAMESPACE_RE, 'a namespace name or "*"', 63)));
}

function peer(r: Reader, own: string): PeerRef {
  r.object(['name', 'selector', 'namespaces', 'host', 'port']);
  const name = r.field('name').matching(DNS_LABEL_RE, 'a DNS label (lower case letters, digits, "-")', 63);
  const sel = r.field('selector');
  const host = r.field('host');
  if (sel.isAbsent() === host.isAbsent()) r.fail('needs exactly one of selector or host');
  if (sel.isAbsent() && !r.field('namespaces').isAbsent()) r.field('namespaces').fail('only allowed with selector');
  const port = r.field('port').optInteger(1, 65535);
  return {
    name,
    namespaces: sel.isAbsent() ? [] : namespaces(r.field('namespaces'), own),
    ...(sel.isAbsent() ? {} : { selector: parseSelector(sel) }),
    ...optional('host', host.isAbsent() ? undefined : host.matching(HOST_PATTERN_RE, 'a host name, *.domain or IP address')),
    ...optional('port', port),
  };
}

function uniqueNames<T extends { readonly name: string }>(r: Reader, list: T[]): T[] {
  const seen = new Set<string>();
  list.forEach((p, i) => {
    if (seen.has(p.name)) r.fail(`duplicate name "${p.name}" at index ${i}`);
    seen.add(p.name);
  });
  return list;
}

function peers(r: Reader, own: string): PeerRef[] {
  return uniqueNames(r, r.optArray(LIMITS.peers).map((p) => peer(p, own)));
}

const REF_NOUN = { servers: 'server', peers: 'peer', callers: 'caller' } as const;

function callRule(r: Reader, refKey: 'servers' | 'peers' | 'callers', known: readonly { readonly name: string }[], withArgs: boolean): CallRule {
  r.object(withArgs ? ['name', 'effect', refKey, 'arguments'] : ['name', 'effect', refKey]);
  const name = r.field('name').matching(NAME_PATTERN_RE, 'a name or glob (letters, digits, _ - . / :, * and ?)', 128);
  const effect = r.field('effect').oneOf(EFFECTS, 'Allow');
  const servers = r.field(refKey).isAbsent()
    ? []
    : r.field(refKey).strings(LIMITS.ruleServers, (s) => {
        const ref = s.string(63);
        if (!known.some((p) => p.name === ref)) s.fail(`no ${REF_NOUN[refKey]} named "${ref}" in this ${refKey === 'callers' ? 'inbound section' : 'section'}`);
        return ref;
      });
  const argsReader = r.field('arguments');
  if (!argsReader.isAbsent() && effect === 'Deny') {
    argsReader.fail('argument constraints belong on Allow rules (a Deny rule denies the tool whatever its arguments)');
  }
  return { name, effect, servers, arguments: withArgs ? parseConstraintMap(argsReader, false) : {} };
}

function mcp(r: Reader, own: string): McpSection {
  r.object(['servers', 'tools']);
  const servers = peers(r.field('servers'), own);
  const tools = r.field('tools').optArray(LIMITS.tools).map((t) => callRule(t, 'servers', servers, true));
  return { servers, tools };
}

function a2a(r: Reader, own: string): A2aSection {
  r.object(['peers', 'methods']);
  const list = peers(r.field('peers'), own);
  const methods = r.field('methods').optArray(LIMITS.methods).map((m) => callRule(m, 'peers', list, false));
  return { peers: list, methods };
}

function route(r: Reader): HttpRoute {
  r.object(['effect', 'hosts', 'methods', 'paths', 'query']);
  const effect = r.field('effect').oneOf(EFFECTS, 'Allow');
  const list = <T extends string>(key: string, check: (x: Reader) => T): T[] =>
    r.field(key).isAbsent() ? [] : r.field(key).strings(LIMITS.routeItems, check);
  const hosts = list('hosts', (h) => h.matching(HOST_PATTERN_RE, 'a host name, *.domain or IP address').toLowerCase());
  const methods = list('methods', (m) => m.oneOf(HTTP_METHODS));
  const paths = list('paths', (p) => {
    const s = p.string(PATH_MAX_LENGTH);
    const problem = pathPatternProblem(s);
    if (problem !== undefined) p.fail(`"${s}" ${problem}`);
    return decodeUnreserved(s);
  });
  const queryReader = r.field('query');
  if (!queryReader.isAbsent() && effect === 'Deny') {
    queryReader.fail('query constraints belong on Allow routes (a Deny route denies whatever the query)');
  }
  return { effect, hosts, methods, paths, query: parseConstraintMap(queryReader, true) };
}

function http(r: Reader): HttpSection {
  r.object(['routes']);
  return { routes: r.field('routes').optArray(LIMITS.routes).map(route) };
}

/** `{cidr}` or `{selector, namespaces?}`: an egress destination or an inbound caller. */
function cidrOrSelector(r: Reader, own: string): EgressPeer {
  const cidr = r.field('cidr');
  const sel = r.field('selector');
  if (cidr.isAbsent() === sel.isAbsent()) r.fail('needs exactly one of cidr or selector');
  if (!cidr.isAbsent()) {
    if (!r.field('namespaces').isAbsent()) r.field('namespaces').fail('only allowed with selector');
    const text = cidr.string(64);
    if (!text.includes('/')) cidr.fail(`"${text}" needs a prefix length (/32 or /128 for one host)`);
    const parsed = parseCidr(text);
    if ('error' in parsed) cidr.fail(parsed.error);
    return { cidr: text, namespaces: [] };
  }
  return { selector: parseSelector(sel), namespaces: namespaces(r.field('namespaces'), own) };
}

function egressPeer(r: Reader, own: string): EgressPeer {
  r.object(['cidr', 'selector', 'namespaces']);
  return cidrOrSelector(r, own);
}

function caller(r: Reader, own: string): CallerRef {
  r.object(['name', 'cidr', 'selector', 'namespaces']);
  const name = r.field('name').matching(DNS_LABEL_RE, 'a DNS label (lower case letters, digits, "-")', 63);
  return { name, ...cidrOrSelector(r, own) };
}

function inbound(r: Reader, own: string): InboundSection {
  r.object(['callers', 'mcp', 'a2a', 'http']);
  const callers = uniqueNames(r.field('callers'), r.field('callers').optArray(LIMITS.peers).map((c) => caller(c, own)));
  const section = <T>(key: string, parse: (x: Reader) => T): T | undefined =>
    r.field(key).isAbsent() ? undefined : parse(r.field(key));
  const out: InboundSection = {
    callers,
    ...optional('mcp', section('mcp', (x) => {
      x.object(['tools']);
      return { tools: x.field('tools').optArray(LIMITS.tools).map((t) => callRule(t, 'callers', callers, true)) };
    })),
    ...optional('a2a', section('a2a', (x) => {
      x.object(['methods']);
      return { methods: x.field('methods').optArray(LIMITS.methods).map((m) => callRule(m, 'callers', callers, false)) };
    })),
    ...optional('http', section('http', http)),
  };
  if (!out.mcp && !out.a2a && !out.http) r.fail('needs at least one of mcp, a2a or http');
  return out;
}

function portRange(r: Reader): PortRange {
  r.object(['port', 'endPort', 'protocol']);
  const port = r.field('port').integer(1, 65535);
  const endPort = r.field('endPort').optInteger(1, 65535) ?? port;
  if (endPort < port) r.field('endPort').fail(`must be at least port (${port})`);
  return { port, endPort, protocol: r.field('protocol').oneOf(PROTOCOLS, 'ANY') };
}

function egressRule(r: Reader, own: string): EgressRule {
  r.object(['effect', 'to', 'ports']);
  const to = r.field('to').array(LIMITS.egressPeers).map((p) => egressPeer(p, own));
  if (to.length === 0) r.field('to').fail('must not be empty');
  return {
    effect: r.field('effect').oneOf(EFFECTS, 'Allow'),
    to,
    ports: r.field('ports').optArray(LIMITS.ports).map(portRange),
  };
}

function egress(r: Reader, own: string): EgressSection {
  r.object(['rules']);
  return { rules: r.field('rules').optArray(LIMITS.egressRules).map((e) => egressRule(e, own)) };
}

/** A path of a deny list: within what the kernel reads and looks up (bpf/lib/paths.h). */
function absPath(r: Reader): string {
  const s = r.matching(ABS_PATH_RE, 'an absolute path', PATH_MAX - 1);
  if (Buffer.byteLength(s) > PATH_MAX - 1) r.fail(`must be at most ${PATH_MAX - 1} bytes (the kernel reads that much of a path)`);
  if (s.split('/').some((seg) => seg === '.' || seg === '..')) r.fail('must not contain "." or ".." segments');
  if (s.includes('//')) r.fail('must not contain "//"');
  const trimmed = s.length > 1 ? s.replace(/\/$/, '') : s;
  if (trimmed.split('/').length - 1 > PATH_PREFIXES) r.fail(`must have at most ${PATH_PREFIXES} segments (the kernel checks that many directory levels)`);
  return trimmed;
}

function processSection(r: Reader): ProcessSection {
  r.object(['deny']);
  const deny = r.field('deny').optArray(LIMITS.execDeny).map((e): ExecMatch => {
    e.object(['path', 'name']);
    if (e.field('path').isAbsent() === e.field('name').isAbsent()) e.fail('needs exactly one of path or name');
    return e.field('path').isAbsent()
      ? { name: e.field('name').matching(EXEC_NAME_RE, 'a file name without "/"', 255) }
      : { path: absPath(e.field('path')) };
  });
  return { deny };
}

function filesSection(r: Reader): FilesSection {
  r.object(['deny']);
  return { deny: r.field('deny').optArray(LIMITS.filesDeny).map(absPath) };
}

function hostAccess(r: Reader): HostAccess {
  r.object(['hostNetwork', 'hostPID', 'privileged']);
  return {
    hostNetwork: r.field('hostNetwork').boolean(false),
    hostPID: r.field('hostPID').boolean(false),
    privileged: r.field('privileged').boolean(false),
  };
}

function spec(r: Reader, own: string): AgentPolicySpec {
  r.object(['selector', 'mode', 'action', 'visibility', 'mcp', 'a2a', 'http', 'egress', 'process', 'files', 'hostAccess', 'inbound']);
  const section = <T>(key: string, parse: (x: Reader) => T): T | undefined =>
    r.field(key).isAbsent() ? undefined : parse(r.field(key));
  return {
    selector: parseSelector(r.field('selector')),
    mode: r.field('mode').oneOf(MODES, 'Enforce'),
    action: r.field('action').oneOf(ACTIONS, 'Block'),
    visibility: r.field('visibility').oneOf(VISIBILITIES, 'Plaintext'),
    ...optional('mcp', section('mcp', (x) => mcp(x, own))),
    ...optional('a2a', section('a2a', (x) => a2a(x, own))),
    ...optional('http', section('http', http)),
    ...optional('egress', section('egress', (x) => egress(x, own))),
    ...optional('process', section('process', processSection)),
    ...optional('files', section('files', filesSection)),
    ...optional('hostAccess', section('hostAccess', hostAccess)),
    ...optional('inbound', section('inbound', (x) => inbound(x, own))),
  };
}

function identify(doc: Reader, opts: ParseOptions): { name: string; namespace: string; generation?: number } {
  const meta = doc.field('metadata');
  const rawName = meta.isAbsent() ? undefined : meta.field('name').value;
  const label = typeof rawName === 'string' ? rawName : '';
  const at = new Reader(doc.value, '', label);
  const m = at.field('metadata');
  const name = m.field('name').matching(DNS_SUBDOMAIN_RE, 'a valid object name', 253);
  const nsReader = m.field('namespace');
  const namespace = nsReader.isAbsent() ? (opts.defaultNamespace ?? 'default') : nsReader.matching(NAMESPACE_RE, 'a namespace name', 63);
  return { name, namespace, ...optional('generation', m.field('generation').optInteger(0, Number.MAX_SAFE_INTEGER)) };
}

/** Parse and validate one AgentPolicy document. */
export function parseAgentPolicy(doc: unknown, opts: ParseOptions = {}): AgentPolicy {
  const root = new Reader(doc, '', '');
  root.object();
  const id = identify(root, opts);
  const r = new Reader(doc, '', `${id.namespace}/${id.name}`);
  r.object(['apiVersion', 'kind', 'metadata', 'spec', 'status']);
  if (r.field('apiVersion').value !== API_VERSION) r.field('apiVersion').fail(`must be ${API_VERSION}`);
  if (r.field('kind').value !== KIND) r.field('kind').fail(`must be ${KIND}`);
  return { ...id, spec: spec(r.field('spec'), id.namespace) };
}
