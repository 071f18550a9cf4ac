/**
 * Validation of AgentPolicy objects beyond what the CRD's schema and CEL can
 * check: the engine's own parser and compiler (so the API server never stores
 * a policy the node agents would refuse), with the engine's warnings for
 * policies that are legal but probably not what the author meant.
 */
import { errorMessage } from '../../core/errors/ziriz-error.js';
import { compile } from '../../core/policy/compile.js';
import type { AgentPolicy } from '../../core/policy/model.js';
import { parseAgentPolicy } from '../../core/policy/parse.js';
import { policyWarnings } from '../../core/policy/warnings.js';

export interface PolicyJudgement {
  readonly refuse?: string;
  readonly warnings: readonly string[];
}

export function judgePolicy(object: unknown): PolicyJudgement {
  let policy: AgentPolicy;
  try {
    policy = parseAgentPolicy(object);
    compile([policy]);
  } catch (e: unknown) {
    return { refuse: errorMessage(e), warnings: [] };
  }
  return { warnings: policyWarnings(policy) };
}
