/**
 * What the node agent makes of a stream, in user space: its own parser
 * (ConnStreams, one push per write) and its own policy evaluation
 * (evaluate(set, policyRequest(call)), as holds.ts judges held writes),
 * including the early judgement of an unfinished message (its route, or a
 * tool denied by name). The verdict: deny when any call is denied, problem
 * when the agent could not read the stream (judged fail closed), else allow.
 */
import type { CompiledPolicySet } from '../../core/policy/compiled.js';
import { evaluate } from '../../core/policy/evaluate.js';
import { describeCall, policyRequest, type Call } from '../../node-agent/src/calls/classify.js';
import { peekIncomplete } from '../../node-agent/src/calls/jsonrpc.js';
import { ConnStreams, type Analysis } from '../../node-agent/src/calls/streams.js';

export type AgentVerdict = 'allow' | 'deny' | 'problem';

export interface AgentJudgement {
  readonly verdict: AgentVerdict;
  /** What it saw, in order: "allow POST /mcp", "deny tools/call delete_customer", "problem: ...". */
  readonly seen: readonly string[];
}

const CONN = 'differential';

class Judge {
  readonly seen: string[] = [];
  denied = false;
  problem = false;

  constructor(private readonly set: CompiledPolicySet) {}

  /** Judge calls; true when one is denied (by a rule other than an argument constraint when `byName`). */
  calls(calls: readonly Call[], byName = false): boolean {
    let denied = false;
    for (const c of calls) {
      const v = evaluate(this.set, policyRequest(c));
      if (v.verdict === 'deny' && !(byName && v.rule.includes('.arguments'))) denied = true;
      this.seen.push(`${v.verdict} ${describeCall(c)}${byName ? ' (by name, unfinished)' : ''}`);
    }
    this.denied ||= denied;
    return denied;
  }

  /** holds.ts judgeUnfinished: true when the message was settled early (its bytes forgotten). */
  unfinished(a: Analysis): boolean {
    const head = a.pendingHead;
    if (head) {
      const denied = this.calls([{ kind: 'http', method: head.method, target: head.target, host: head.headers.get('host') ?? '' }]);
      if (denied || !(head.headers.get('content-type') ?? '').includes('json')) return true;
    }
    const peek = a.partialText !== undefined ? peekIncomplete(a.partialText) : {};
    if (peek.method === 'tools/call' && peek.name !== undefined) return this.calls([{ kind: 'mcp', tool: peek.name, arguments: {} }], true);
    return false;
  }
}

export function judgeStream(set: CompiledPolicySet, chunks: readonly Buffer[]): AgentJudgement {
  const streams = new ConnStreams();
  const j = new Judge(set);
  let pending = false;
  for (const chunk of chunks) {
    const a = streams.push(CONN, chunk);
    j.calls(a.calls);
    if (a.problem !== undefined) {
      j.problem = true;
      j.seen.push(`problem: ${a.problem}`);
    }
    pending = a.incomplete;
    if (a.incomplete && j.unfinished(a)) {
      streams.forget(CONN);
      pending = false;
    }
  }
  if (pending) j.seen.push('unfinished at the end');
  return { verdict: j.denied ? 'deny' : j.problem ? 'problem' : 'allow', seen: j.seen };
}
