/**
 * The compiled form of the policies that select one pod: a policy SET, with
 * every rule numbered (rule_id, as the kernel maps carry it) and its matchers
 * built once. Produced by compile(), consumed by evaluate() and the kernel
 * encoders; never built by hand.
 */
import type { Prefix } from './cidr.js';
import type { NameMatcher } from './glob.js';
import type {
  AgentPolicy,
  Category,
  Effect,
  ExecMatch,
  HttpMethod,
  LabelSelector,
  Mode,
  PolicyAction,
  Protocol,
  ValueConstraint,
  Visibility,
} from './model.js';

/** One numbered rule of the set; `id` is its index in CompiledPolicySet.rules. */
export interface RuleInfo {
  readonly id: number;
  /** `namespace/name` of the policy the rule comes from. */
  readonly policy: string;
  /** Field path inside that policy: `spec.mcp.tools[2]`, or `spec.mcp` for the category default. */
  readonly path: string;
  readonly category: Category;
  /** `default` is the category's default deny; `implicit` a rule the compiler adds (loopback). */
  readonly kind: 'allow' | 'deny' | 'default' | 'implicit';
  readonly mode: Mode;
  readonly action: PolicyAction;
}

/** Where a rule's verdict counts: Enforce policies block, Audit policies only report. */
export type Layer = 'enforce' | 'audit';

export interface BaseRule {
  readonly info: RuleInfo;
  readonly effect: Effect;
  readonly layer: Layer;
}

export interface CompiledPeer {
  readonly name: string;
  /** Inbound callers by address range. */
  readonly prefix?: Prefix;
  readonly selector?: LabelSelector;
  readonly namespaces: readonly string[];
  readonly host?: string;
  readonly port?: number;
}

export interface CompiledCallRule extends BaseRule {
  readonly matcher: NameMatcher;
  /** Empty: the rule holds for every server / peer (inbound: every caller). */
  readonly servers: readonly CompiledPeer[];
  /** The rule's field naming them, for violation paths. */
  readonly peerField: 'servers' | 'peers' | 'callers';
  readonly arguments: Readonly<Record<string, ValueConstraint>>;
}

export interface CompiledRoute extends BaseRule {
  readonly hosts: readonly string[];
  readonly methods: readonly HttpMethod[];
  readonly paths: readonly string[];
  readonly query: Readonly<Record<string, ValueConstraint>>;
}

export interface CompiledEgressPeer {
  readonly prefix?: Prefix;
  readonly selector?: LabelSelector;
  readonly namespaces: readonly string[];
}

export interface CompiledEgressRule extends BaseRule {
  readonly to: readonly CompiledEgressPeer[];
  /** Empty = any port and protocol. */
  readonly ports: readonly { readonly lo: number; readonly hi: number; readonly protocol: Protocol }[];
}

export interface CompiledExecRule extends BaseRule {
  readonly match: ExecMatch;
}

export interface CompiledFileRule extends BaseRule {
  readonly path: string;
}

/** Default rules of the policies covering a category, per layer (first one reported). */
export interface Coverage {
  readonly enforce?: RuleInfo;
  readonly audit?: RuleInfo;
}

export interface CompiledPolicySet {
  /** The policies, sorted by namespace/name. */
  readonly policies: readonly AgentPolicy[];
  /** rules[0] is a placeholder: rule_id 0 means "no rule". */
  readonly rules: readonly RuleInfo[];
  readonly mcp: readonly CompiledCallRule[];
  readonly a2a: readonly CompiledCallRule[];
  readonly http: readonly CompiledRoute[];
  readonly egress: readonly CompiledEgressRule[];
  readonly process: readonly CompiledExecRule[];
  readonly files: readonly CompiledFileRule[];
  readonly coverage: Readonly<Record<Category, Coverage>>;
  /** Kill if any Enforce policy says Kill, else Block. */
  readonly action: PolicyAction;
  /** EgressOnly only when every policy of the set says so (the stricter wins). */
  readonly visibility: Visibility;
  /**
   * The policies' `inbound` sections, compiled as a set of their own (rule
   * paths `spec.inbound...`, action always Block): what callers ziriz does
   * not protect may call on this pod. Undefined when no policy has one.
   */
  readonly inbound?: CompiledPolicySet;
}
