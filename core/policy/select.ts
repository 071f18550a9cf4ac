/** Which AgentPolicies select a pod: same namespace, selector matches its labels. */
import type { AgentPolicy } from './model.js';
import { selectorMatches } from './selector.js';

export interface PodRef {
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
}

export function selectPolicies(policies: readonly AgentPolicy[], pod: PodRef): AgentPolicy[] {
  return policies.filter((p) => p.namespace === pod.namespace && selectorMatches(p.spec.selector, pod.labels));
}
