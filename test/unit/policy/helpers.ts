import { compile } from '../../../core/policy/compile.js';
import type { CompiledPolicySet } from '../../../core/policy/compiled.js';

/** A raw AgentPolicy document with the given spec (selector defaulted). */
export function doc(spec: Record<string, unknown>, name = 'p', namespace = 'ns'): Record<string, unknown> {
  return {
    apiVersion: 'ziriz.io/v1alpha1',
    kind: 'AgentPolicy',
    metadata: { name, namespace },
    spec: { selector: { matchLabels: { app: 'agent' } }, ...spec },
  };
}

export function set(...specs: Record<string, unknown>[]): CompiledPolicySet {
  return compile(specs.map((s, i) => doc(s, `p${i}`)));
}
