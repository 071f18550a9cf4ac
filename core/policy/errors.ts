/**
 * Typed failures of the policy engine. Every one names where it happened:
 * the policy (`namespace/name`) and the field path inside it
 * (`spec.mcp.tools[2].arguments.limit.max`), so a webhook, the CLI and the
 * node agent can all point the user at the line to fix.
 */
import { ZirizError } from '../errors/ziriz-error.js';

/** A policy document is not a valid AgentPolicy (shape, value or semantic check). */
export class PolicyInvalidError extends ZirizError {
  readonly policy: string;
  readonly field: string;

  constructor(policy: string, field: string, message: string) {
    super('E_POLICY_INVALID', `${policy === '' ? '' : `AgentPolicy ${policy}: `}${field}: ${message}`);
    this.policy = policy;
    this.field = field;
  }
}

/** A compiled policy set does not fit the kernel maps (e.g. too many port rules for one prefix). */
export class PolicyCapacityError extends ZirizError {
  readonly policies: readonly string[];

  constructor(policies: readonly string[], message: string) {
    super('E_POLICY_CAPACITY', `AgentPolicy ${policies.join(', ')}: ${message}`);
    this.policies = policies;
  }
}

/** Bytes read back from a kernel map do not decode to a valid entry. */
export class PolicyDecodeError extends ZirizError {
  constructor(message: string) {
    super('E_POLICY_DECODE', message);
  }
}
