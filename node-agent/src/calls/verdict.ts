/** A judged call -> the Verdict the reporter shows (pure). */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../../../core/policy/digest.js';
import type { PolicyVerdict } from '../../../core/policy/evaluate.js';
import type { DataRecord } from '../bpf/records.js';
import type { Verdict, VerdictReason } from '../report/types.js';
import type { Attribution } from '../agent/attribution.js';
import { describeCall, type Call } from './classify.js';
import { describeCaller, type CallerFacts } from './caller.js';

const SOURCES: Readonly<Record<number, string>> = { 1: 'SSL_write', 2: 'SSL_read', 3: 'gnutls_record_send', 4: 'gnutls_record_recv', 5: 'write', 6: 'read', 8: 'writev' };

const REASONS: Readonly<Record<Call['kind'], readonly [VerdictReason, VerdictReason]>> = {
  mcp: ['ToolCallBlocked', 'ToolCallAudited'],
  a2a: ['A2ACallBlocked', 'A2ACallAudited'],
  http: ['HTTPRequestBlocked', 'HTTPRequestAudited'],
};

/** The rule path of a denial for input the agent cannot read reliably (Event reason UnparsableCall). */
export const UNPARSABLE_RULE = 'unparsable';
/** The rule path of a kill for a hold undone from inside the pod (Event reason HoldEscaped). */
export const HOLD_ESCAPED_RULE = 'hold-escaped';

function reasonOf(call: Call, v: PolicyVerdict): VerdictReason {
  if (v.rule === UNPARSABLE_RULE) return 'UnparsableCall';
  if (v.rule === HOLD_ESCAPED_RULE) return 'HoldEscaped';
  const [blocked, audited] = REASONS[call.kind];
  return v.verdict === 'deny' ? blocked : audited;
}

/** sha256 over the canonical JSON of the arguments: shows two calls had the same arguments, never the values. */
export function argumentsDigest(args: Readonly<Record<string, unknown>>): string {
  return `sha256:${createHash('sha256').update(canonicalJson(args)).digest('hex').slice(0, 16)}`;
}

/** `caller`: set for a received call (server side); the verdict is then reported on the server pod, naming the caller. */
export function callVerdict(rec: DataRecord, call: Call, v: PolicyVerdict, attr: Attribution, now: Date, showArguments = false, caller?: CallerFacts): Verdict {
  const plan = attr.plan(rec.hdr.identityId);
  const deny = v.verdict === 'deny';
  const args = call.kind === 'mcp' ? call.arguments : {};
  const container = attr.container(rec.hdr.cgroupId);
  const detail: Record<string, string> = { probe: SOURCES[rec.source] ?? String(rec.source) };
  if (call.kind === 'mcp') {
    detail.argumentsDigest = argumentsDigest(args);
    if (showArguments) detail.arguments = JSON.stringify(args).slice(0, 512);
  }
  if (call.host) detail.server = call.host;
  if (caller) detail.caller = describeCaller(caller);
  return {
    reason: reasonOf(call, v),
    kind: call.kind,
    time: now,
    verdict: deny ? 'deny' : 'audit',
    pod: plan ? attr.identityOf(plan) : null,
    ...(container ? { container } : {}),
    pid: rec.hdr.pid,
    uid: rec.hdr.uid,
    comm: rec.hdr.comm,
    cgroupId: rec.hdr.cgroupId,
    policy: v.policy,
    rule: v.rule,
    why: v.reason,
    target: `${describeCall(call)}${call.host ? ` to ${call.host}` : ''}${caller ? ` from ${describeCaller(caller)}` : ''}`,
    ...(v.action ? { action: v.action } : {}),
    detail,
  };
}
