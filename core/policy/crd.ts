/**
 * The AgentPolicy CustomResourceDefinition, built from the same limits and
 * patterns as the parser so the API server and the engine agree. The YAML in
 * crds/ is this object printed by `ziriz crd`; a unit test keeps them equal.
 *
 * Static checks live in the schema (types, enums, patterns, bounds) and in
 * CEL rules (`x-kubernetes-validations`: CIDRs via the Kubernetes CIDR
 * library, port ranges, non-empty selectors, one-of fields, rule/server
 * references). What CEL cannot check (the bounded-regex subset) is checked by
 * the webhook with parseAgentPolicy().
 */
import { PATH_MAX } from '../abi/structs.js';
import { HOST_PATTERN_RE, NAME_PATTERN_RE, PATH_MAX_LENGTH, PATH_PATTERN_RE } from './glob.js';
import { ACTIONS, API_GROUP, EFFECTS, HTTP_METHODS, KIND, MODES, PROTOCOLS, SELECTOR_OPERATORS, VALUE_TYPES, VISIBILITIES } from './model.js';
import { LIMITS } from './parse.js';
import { REGEX_MAX_LENGTH } from './regex.js';

type Schema = Record<string, unknown>;

const str = (extra: Schema = {}): Schema => ({ type: 'string', ...extra });
const int = (min: number, max: number): Schema => ({ type: 'integer', minimum: min, maximum: max });
const list = (items: Schema, maxItems: number, extra: Schema = {}): Schema => ({ type: 'array', maxItems, items, ...extra });
const obj = (properties: Record<string, Schema>, extra: Schema = {}): Schema => ({ type: 'object', properties, ...extra });
const rule = (r: string, message: string, extra: Schema = {}): Schema => ({ rule: r, message, ...extra });
const re = (r: RegExp): string => r.source;

const DNS_LABEL = '^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$';
const NAMESPACE_OR_ANY = '^(\\*|[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?)$';

function selector(): Schema {
  return obj({
    matchLabels: { type: 'object', maxProperties: 32, additionalProperties: str({ maxLength: 63 }) },
    matchExpressions: list(obj({
      key: str({ maxLength: 317, minLength: 1 }),
      operator: str({ enum: [...SELECTOR_OPERATORS] }),
      values: list(str({ maxLength: 63 }), 64),
    }, {
      required: ['key', 'operator'],
      'x-kubernetes-validations': [rule(
        "self.operator in ['In', 'NotIn'] ? (has(self.values) && size(self.values) > 0) : (!has(self.values) || size(self.values) == 0)",
        'operators In and NotIn need values; Exists and DoesNotExist take none',
      )],
    }), 32),
  }, {
    'x-kubernetes-validations': [rule(
      '(has(self.matchLabels) && size(self.matchLabels) > 0) || (has(self.matchExpressions) && size(self.matchExpressions) > 0)',
      'selector must have at least one matchLabels entry or matchExpressions term (an empty selector would select every pod)',
    )],
  });
}

function namespaces(): Schema {
  return list(str({ pattern: NAMESPACE_OR_ANY, maxLength: 63 }), LIMITS.namespaces, { minItems: 1 });
}

function peers(maxItems: number): Schema {
  return list(obj({
    name: str({ pattern: DNS_LABEL, maxLength: 63 }),
    selector: selector(),
    namespaces: namespaces(),
    host: str({ pattern: re(HOST_PATTERN_RE), maxLength: 253 }),
    port: int(1, 65535),
  }, {
    required: ['name'],
    'x-kubernetes-validations': [
      rule('has(self.selector) != has(self.host)', 'needs exactly one of selector or host'),
      rule('!has(self.namespaces) || has(self.selector)', 'namespaces is only allowed with selector'),
    ],
  }), maxItems, { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] });
}

function constraint(query: boolean): Schema {
  // `in` is a CEL keyword: Kubernetes exposes the property as __in__.
  const others = ['min', 'max', '__in__', 'notIn', 'pattern', 'maxLength', 'maxItems', 'type'].map((k) => `has(self.${k})`).join(' || ');
  return obj({
    required: { type: 'boolean' },
    forbidden: { type: 'boolean' },
    type: str({ enum: query ? ['string', 'number', 'integer'] : [...VALUE_TYPES] }),
    min: { type: 'number' },
    max: { type: 'number' },
    in: list(str({ maxLength: 1024 }), 256, { minItems: 1 }),
    notIn: list(str({ maxLength: 1024 }), 256, { minItems: 1 }),
    pattern: str({ maxLength: REGEX_MAX_LENGTH, minLength: 1 }),
    maxLength: int(0, 1 << 20),
    maxItems: int(0, 1 << 20),
  }, {
    'x-kubernetes-validations': [
      rule('!has(self.min) || !has(self.max) || self.min <= self.max', 'max must be at least min', { fieldPath: '.max' }),
      rule(`!(has(self.forbidden) && self.forbidden) || !((has(self.required) && self.required) || ${others})`,
        'a forbidden key takes no other constraint'),
    ],
  });
}

/** Map keys cannot carry maxLength, so a CEL rule on them would have no cost bound: the webhook checks key names. */
function constraintMap(query: boolean): Schema {
  return { type: 'object', maxProperties: 64, additionalProperties: constraint(query) };
}

function callRules(refKey: 'servers' | 'peers' | 'callers', maxItems: number, withArgs: boolean): Schema {
  return list(obj({
    name: str({ pattern: re(NAME_PATTERN_RE), maxLength: 128 }),
    effect: str({ enum: [...EFFECTS], default: 'Allow' }),
    [refKey]: list(str({ maxLength: 63 }), LIMITS.ruleServers, { minItems: 1 }),
    ...(withArgs ? { arguments: constraintMap(false) } : {}),
  }, {
    required: ['name'],
    ...(withArgs
      ? { 'x-kubernetes-validations': [rule("!has(self.arguments) || self.effect != 'Deny'", 'argument constraints belong on Allow rules (a Deny rule denies the tool whatever its arguments)')] }
      : {}),
  }), maxItems);
}

/** Every name in `<section>.<listKey>[].<refKey>` is declared in `self.<refKey>` (section '' = self). */
function referencesRule(listKey: string, refKey: string, section = ''): Schema {
  const at = section === '' ? 'self' : `self.${section}`;
  const guard = section === '' ? '' : `!has(self.${section}) || `;
  const where = section === '' ? listKey : `${section}.${listKey}`;
  return rule(
    `${guard}!has(${at}.${listKey}) || ${at}.${listKey}.all(t, !has(t.${refKey}) || t.${refKey}.all(s, has(self.${refKey}) && self.${refKey}.exists(x, x.name == s)))`,
    `every name in ${where}[].${refKey} must be declared in ${refKey}`,
    { reason: 'FieldValueInvalid', fieldPath: `.${where}` },
  );
}

function httpPath(): Schema {
  return str({
    pattern: re(PATH_PATTERN_RE),
    maxLength: PATH_MAX_LENGTH,
    'x-kubernetes-validations': [
      rule("!self.matches('(^|/)[.]{1,2}(/|$)')", 'dot segments ("." or "..") are not allowed'),
      rule("!self.matches('[^/][*][*]|[*][*][^/]')", '"**" must be a whole path segment'),
    ],
  });
}

function absPath(): Schema {
  return str({
    pattern: '^(/[^/]*){1,16}/?$',
    maxLength: PATH_MAX - 1,
    'x-kubernetes-validations': [rule("!self.matches('(^|/)[.]{1,2}(/|$)') && !self.contains('//')", 'must be a normalised absolute path (no ".", ".." or "//")')],
  });
}

/** `{cidr}` or `{selector, namespaces?}` (egress destinations; inbound callers add a name). */
function cidrOrSelector(extra: Record<string, Schema> = {}, required: string[] = []): Schema {
  return obj({
    ...extra,
    cidr: str({
      maxLength: 64,
      'x-kubernetes-validations': [rule('isCIDR(self) && cidr(self) == cidr(self).masked()', 'must be a CIDR with no host bits set, e.g. 10.0.0.0/8 or fd00::/8')],
    }),
    selector: selector(),
    namespaces: namespaces(),
  }, {
    ...(required.length > 0 ? { required } : {}),
    'x-kubernetes-validations': [
      rule('has(self.cidr) != has(self.selector)', 'needs exactly one of cidr or selector'),
      rule('!has(self.namespaces) || has(self.selector)', 'namespaces is only allowed with selector'),
    ],
  });
}

function httpSection(): Schema {
  return obj({
    routes: list(obj({
      effect: str({ enum: [...EFFECTS], default: 'Allow' }),
      hosts: list(str({ pattern: re(HOST_PATTERN_RE), maxLength: 253 }), LIMITS.routeItems, { minItems: 1 }),
      methods: list(str({ enum: [...HTTP_METHODS] }), LIMITS.routeItems, { minItems: 1 }),
      paths: list(httpPath(), LIMITS.routeItems, { minItems: 1 }),
      query: constraintMap(true),
    }, {
      'x-kubernetes-validations': [rule("!has(self.query) || self.effect != 'Deny'", 'query constraints belong on Allow routes (a Deny route denies whatever the query)')],
    }), LIMITS.routes),
  });
}

function inbound(): Schema {
  return obj({
    callers: list(cidrOrSelector({ name: str({ pattern: DNS_LABEL, maxLength: 63 }) }, ['name']), LIMITS.peers,
      { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['name'] }),
    mcp: obj({ tools: callRules('callers', LIMITS.tools, true) }),
    a2a: obj({ methods: callRules('callers', LIMITS.methods, false) }),
    http: httpSection(),
  }, {
    description: 'What callers ziriz does not protect may call on the selected pods (judged on the server side).',
    'x-kubernetes-validations': [
      rule('has(self.mcp) || has(self.a2a) || has(self.http)', 'needs at least one of mcp, a2a or http'),
      referencesRule('tools', 'callers', 'mcp'),
      referencesRule('methods', 'callers', 'a2a'),
    ],
  });
}

function egress(): Schema {
  const peer = cidrOrSelector();
  const port = obj({
    port: int(1, 65535),
    endPort: int(1, 65535),
    protocol: str({ enum: [...PROTOCOLS], default: 'ANY' }),
  }, {
    required: ['port'],
    'x-kubernetes-validations': [rule('!has(self.endPort) || self.endPort >= self.port', 'endPort must be at least port', { fieldPath: '.endPort' })],
  });
  return obj({
    rules: list(obj({
      effect: str({ enum: [...EFFECTS], default: 'Allow' }),
      to: list(peer, LIMITS.egressPeers, { minItems: 1 }),
      ports: list(port, LIMITS.ports),
    }, { required: ['to'] }), LIMITS.egressRules),
  });
}

function spec(): Schema {
  return obj({
    selector: selector(),
    mode: str({ enum: [...MODES], default: 'Enforce' }),
    action: str({ enum: [...ACTIONS], default: 'Block' }),
    visibility: str({ enum: [...VISIBILITIES], default: 'Plaintext' }),
    mcp: obj({ servers: peers(LIMITS.peers), tools: callRules('servers', LIMITS.tools, true) }, {
      'x-kubernetes-validations': [referencesRule('tools', 'servers')],
    }),
    a2a: obj({ peers: peers(LIMITS.peers), methods: callRules('peers', LIMITS.methods, false) }, {
      'x-kubernetes-validations': [referencesRule('methods', 'peers')],
    }),
    http: httpSection(),
    egress: egress(),
    process: obj({
      deny: list(obj({ path: absPath(), name: str({ pattern: '^[^/]+$', maxLength: 255 }) }, {
        'x-kubernetes-validations': [rule('has(self.path) != has(self.name)', 'needs exactly one of path or name')],
      }), LIMITS.execDeny),
    }),
    files: obj({ deny: list(absPath(), LIMITS.filesDeny) }),
    hostAccess: obj({ hostNetwork: { type: 'boolean' }, hostPID: { type: 'boolean' }, privileged: { type: 'boolean' } }, {
      description: 'Host-level escapes agent pods selected by this policy may use (the webhook refuses them otherwise).',
    }),
    inbound: inbound(),
  }, { required: ['selector'] });
}

/** metav1.Condition, as Kubernetes' own CRDs (and controller-gen) spell it. */
function condition(): Schema {
  return obj({
    type: str({ maxLength: 316, pattern: '^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$' }),
    status: str({ enum: ['True', 'False', 'Unknown'] }),
    observedGeneration: { type: 'integer', format: 'int64', minimum: 0 },
    lastTransitionTime: str({ format: 'date-time' }),
    reason: str({ maxLength: 1024, minLength: 1, pattern: '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$' }),
    message: str({ maxLength: 32768 }),
  }, { required: ['type', 'status', 'lastTransitionTime', 'reason', 'message'] });
}

/**
 * Status: `conditions` (Accepted, Enforced) and the totals are written by one
 * writer at a time with optimistic concurrency; `nodes` has one entry per
 * node, a list-map keyed by nodeName, so each node agent server-side-applies
 * its own entry with its own field manager and never touches another's.
 */
function status(): Schema {
  const count = { type: 'integer', format: 'int32', minimum: 0 };
  return obj({
    observedGeneration: { type: 'integer', format: 'int64', minimum: 0 },
    matchedPods: count,
    enforcedPods: count,
    conditions: list(condition(), 16, { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] }),
    nodes: list(obj({
      nodeName: str({ maxLength: 253 }),
      observedGeneration: { type: 'integer', format: 'int64', minimum: 0 },
      matchedPods: count,
      enforcedPods: count,
      degradedPods: count,
      degraded: list(str({ maxLength: 63 }), 16),
      message: str({ maxLength: 1024 }),
      lastUpdateTime: str({ format: 'date-time' }),
    }, { required: ['nodeName'] }), 5000, { 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['nodeName'] }),
  });
}

export const CRD_NAME = `agentpolicies.${API_GROUP}`;

export function agentPolicyCrd(): Schema {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: CRD_NAME, labels: { 'app.kubernetes.io/name': 'ziriz', 'app.kubernetes.io/component': 'policy' } },
    spec: {
      group: API_GROUP,
      scope: 'Namespaced',
      names: { kind: KIND, listKind: `${KIND}List`, plural: 'agentpolicies', singular: 'agentpolicy', shortNames: ['agentpol'], categories: ['ziriz'] },
      versions: [{
        name: 'v1alpha1',
        served: true,
        storage: true,
        subresources: { status: {} },
        additionalPrinterColumns: [
          { name: 'Mode', type: 'string', jsonPath: '.spec.mode' },
          { name: 'Action', type: 'string', jsonPath: '.spec.action' },
          { name: 'Agents', type: 'integer', jsonPath: '.status.matchedPods', description: 'Agent pods this policy selects, summed over nodes' },
          { name: 'Enforced', type: 'string', jsonPath: '.status.conditions[?(@.type=="Enforced")].status' },
          { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
        ],
        schema: {
          openAPIV3Schema: obj({
            apiVersion: str(),
            kind: str(),
            metadata: { type: 'object' },
            spec: spec(),
            status: status(),
          }, { required: ['spec'], description: 'What the AI agents selected by spec.selector may do: MCP tools, A2A peers and methods, HTTP routes, egress, executables and files.' }),
        },
      }],
    },
  };
}
