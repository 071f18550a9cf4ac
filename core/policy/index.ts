/**
 * Public API of the policy engine (webhook, node agent, CLI import from here).
 *
 *   parseAgentPolicy(doc)            validate one AgentPolicy document
 *   selectPolicies(policies, pod)    the policies selecting a pod
 *   compile(policies)                the pod's compiled policy set
 *   evaluate(set, request)           verdict for one request (never throws)
 *   policySetDigest / Summary        for the webhook's permissions annotation
 *   identityValue / callEntries / egressEntries + codec   kernel map contents
 */
export * from './model.js';
export * from './errors.js';
export { parseAgentPolicy, LIMITS } from './parse.js';
export type { ParseOptions } from './parse.js';
export { compile, coveredCategories } from './compile.js';
export type { CompiledPolicySet, RuleInfo } from './compiled.js';
export { evaluate } from './evaluate.js';
export type { PolicyVerdict, VerdictName } from './evaluate.js';
export { parseRequest, REQUEST_KINDS } from './request.js';
export type { PolicyRequest, RequestKind } from './request.js';
export { selectPolicies } from './select.js';
export { policyWarnings } from './warnings.js';
export { agentPolicyCrd, CRD_NAME } from './crd.js';
export type { PodRef } from './select.js';
export { policySetDigest, policySetSummary, canonicalJson } from './digest.js';
export { identityValue, coverBits } from './kernel/identity.js';
export { callEntries } from './kernel/calls.js';
export { egressEntries, selectorPeers, selectorPeerMatches } from './kernel/egress.js';
export type { SelectorPeer, ResolvePeer } from './kernel/egress.js';
export * from './kernel/codec.js';
export type * from './kernel/types.js';
export { simulateCall, simulateEgress } from './kernel/sim.js';
export type { KernelState, KernelVerdict } from './kernel/sim.js';
