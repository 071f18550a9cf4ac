/** The API resources the node agent reads and writes, beyond the core ones (core/kube/lean/resource.ts). */
import type { Resource } from '../../../core/kube/lean/resource.js';
import type { KubeObject } from '../../../core/kube/lean/types.js';
import { API_GROUP } from '../../../core/policy/model.js';

export const AGENT_POLICIES: Resource = { group: API_GROUP, version: 'v1alpha1', plural: 'agentpolicies' };

/** An AgentPolicy as the API sends it (parsed and validated by core/policy/parse.ts). */
export interface AgentPolicyObject extends KubeObject {
  readonly spec?: unknown;
  readonly status?: unknown;
}
