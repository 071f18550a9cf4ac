/**
 * The AgentPolicy model (ziriz.io/v1alpha1), as the parser returns it:
 * validated, defaults filled in, lists never undefined. One module shared by
 * the webhook, the node agent and the CLI.
 */
export const API_GROUP = 'ziriz.io';
export const API_VERSION = 'ziriz.io/v1alpha1';
export const KIND = 'AgentPolicy';

export const MODES = ['Enforce', 'Audit'] as const;
export type Mode = (typeof MODES)[number];

export const ACTIONS = ['Block', 'Kill'] as const;
export type PolicyAction = (typeof ACTIONS)[number];

/**
 * spec.visibility: what a protected process whose calls ziriz cannot see (a
 * TLS stack it does not probe: a static binary, rustls, the JVM) may do.
 * Plaintext (default): its TCP connects are refused (CallNotVisible), since
 * its calls would pass unjudged. EgressOnly: it may connect; only the egress
 * rules protect it (stated in the pod's condition).
 */
export const VISIBILITIES = ['Plaintext', 'EgressOnly'] as const;
export type Visibility = (typeof VISIBILITIES)[number];

export const EFFECTS = ['Allow', 'Deny'] as const;
export type Effect = (typeof EFFECTS)[number];

export const SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;
export type SelectorOperator = (typeof SELECTOR_OPERATORS)[number];

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'CONNECT', 'TRACE'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export const PROTOCOLS = ['TCP', 'UDP', 'ANY'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

export const VALUE_TYPES = ['string', 'number', 'integer', 'boolean', 'array', 'object'] as const;
export type ValueType = (typeof VALUE_TYPES)[number];

/** The categories a policy can cover; default-deny applies inside a covered one. */
export const CATEGORIES = ['mcp', 'a2a', 'http', 'egress', 'process', 'files'] as const;
export type Category = (typeof CATEGORIES)[number];

export interface SelectorRequirement {
  readonly key: string;
  readonly operator: SelectorOperator;
  readonly values: readonly string[];
}

/** metav1.LabelSelector; the parser requires at least one term. */
export interface LabelSelector {
  readonly matchLabels: Readonly<Record<string, string>>;
  readonly matchExpressions: readonly SelectorRequirement[];
}

/** An MCP server or A2A peer: pods by label (in `namespaces`) or a host[:port]. */
export interface PeerRef {
  readonly name: string;
  readonly selector?: LabelSelector;
  /** Namespaces the selector looks in; defaults to the policy's own namespace. `*` = any. */
  readonly namespaces: readonly string[];
  /** DNS name, `*.suffix` or IP literal. */
  readonly host?: string;
  readonly port?: number;
}

/** Constraint on one MCP argument or one HTTP query parameter. */
export interface ValueConstraint {
  readonly required: boolean;
  readonly forbidden: boolean;
  readonly type?: ValueType;
  readonly min?: number;
  readonly max?: number;
  readonly in?: readonly string[];
  readonly notIn?: readonly string[];
  readonly pattern?: string;
  readonly maxLength?: number;
  readonly maxItems?: number;
}

/** An MCP tool or A2A method rule: a name or glob, allowed or denied, optionally per server. */
export interface CallRule {
  readonly name: string;
  readonly effect: Effect;
  /** Names of entries in the section's `servers`/`peers` (inbound: `callers`); empty = any. */
  readonly servers: readonly string[];
  /** MCP only, Allow only: the call is allowed only when every constraint holds. */
  readonly arguments: Readonly<Record<string, ValueConstraint>>;
}

export interface McpSection {
  readonly servers: readonly PeerRef[];
  readonly tools: readonly CallRule[];
}

export interface A2aSection {
  readonly peers: readonly PeerRef[];
  readonly methods: readonly CallRule[];
}

export interface HttpRoute {
  readonly effect: Effect;
  /** Host names or `*.suffix` globs; empty = any host. */
  readonly hosts: readonly string[];
  /** Empty = any method. */
  readonly methods: readonly HttpMethod[];
  /** Path globs (`*` inside a segment, `**` any segments); empty = any path. */
  readonly paths: readonly string[];
  /** Allow only: every constraint must hold for the route to allow. */
  readonly query: Readonly<Record<string, ValueConstraint>>;
}

export interface HttpSection {
  readonly routes: readonly HttpRoute[];
}

export interface EgressPeer {
  readonly cidr?: string;
  readonly selector?: LabelSelector;
  readonly namespaces: readonly string[];
}

export interface PortRange {
  readonly port: number;
  readonly endPort: number;
  readonly protocol: Protocol;
}

export interface EgressRule {
  readonly effect: Effect;
  readonly to: readonly EgressPeer[];
  /** Empty = every port and protocol. */
  readonly ports: readonly PortRange[];
}

export interface EgressSection {
  readonly rules: readonly EgressRule[];
}

/** An executable: an absolute path (or directory prefix) or a base name. */
export interface ExecMatch {
  readonly path?: string;
  readonly name?: string;
}

export interface ProcessSection {
  readonly deny: readonly ExecMatch[];
}

export interface FilesSection {
  /** Absolute paths; a path denies itself and everything beneath it. */
  readonly deny: readonly string[];
}

/**
 * Host-level escapes an agent pod may use. Pods with these would escape
 * per-pod hooks, so the webhook refuses agent pods that use them unless a
 * policy selecting the pod allows it here. Not part of the kernel encoding.
 */
export interface HostAccess {
  readonly hostNetwork: boolean;
  readonly hostPID: boolean;
  readonly privileged: boolean;
}

/**
 * A caller of the selected servers, named by inbound rules: pods by label (in
 * `namespaces`) or an address range. Exactly one of selector or cidr.
 */
export interface CallerRef {
  readonly name: string;
  readonly selector?: LabelSelector;
  readonly namespaces: readonly string[];
  /** An IPv4 or IPv6 prefix, no host bits set. */
  readonly cidr?: string;
}

/**
 * What callers may call on the servers a policy selects, judged on the server
 * side (its SSL_read) for callers ziriz does not protect themselves (a
 * protected agent's calls are judged by its own policies, before they leave
 * it). Same rule shapes as the outbound sections; a call rule's `servers`
 * holds caller names here (YAML field `callers`). An enforced inbound denial
 * is always Block: the offender is the remote caller, out of reach.
 */
export interface InboundSection {
  readonly callers: readonly CallerRef[];
  readonly mcp?: { readonly tools: readonly CallRule[] };
  readonly a2a?: { readonly methods: readonly CallRule[] };
  readonly http?: HttpSection;
}

export interface AgentPolicySpec {
  readonly selector: LabelSelector;
  readonly mode: Mode;
  readonly action: PolicyAction;
  readonly visibility: Visibility;
  readonly mcp?: McpSection;
  readonly a2a?: A2aSection;
  readonly http?: HttpSection;
  readonly egress?: EgressSection;
  readonly process?: ProcessSection;
  readonly files?: FilesSection;
  readonly hostAccess?: HostAccess;
  readonly inbound?: InboundSection;
}

export interface AgentPolicy {
  readonly namespace: string;
  readonly name: string;
  readonly generation?: number;
  readonly spec: AgentPolicySpec;
}

/**
 * Does the policy say what its pods may do themselves (outbound sections, or
 * host access for agent pods), rather than only what may be called on them?
 */
export function restrictsOwnCalls(spec: AgentPolicySpec): boolean {
  return [spec.mcp, spec.a2a, spec.http, spec.egress, spec.process, spec.files, spec.hostAccess].some((x) => x !== undefined) || spec.inbound === undefined;
}

/** `namespace/name`, the id used in verdicts, Events and annotations. */
export function policyRef(p: Pick<AgentPolicy, 'namespace' | 'name'>): string {
  return `${p.namespace}/${p.name}`;
}
