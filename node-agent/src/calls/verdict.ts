/** A judged call -> the Verdict the reporter shows (pure). */
import { createHash } from 'node:crypto';
import { DataSource } from '../../../core/abi/enums.js';
import { canonicalJson } from '../../../core/policy/digest.js';
import type { PolicyVerdict } from '../../../core/policy/evaluate.js';
import type { DataRecord } from '../bpf/records.js';
import type { Verdict, VerdictReason } from '../report/types.js';
import type { Attribution } from '../agent/attribution.js';
import { describeCall, type Call } from './classify.js';
import { describeCaller, type CallerFacts } from './caller.js';
import { stdioServerName } from './stdio-server.js';

/** The probed function, by record source (every source named: a new one does not compile without its name). */
const SOURCES: Readonly<Record<DataSource, string>> = {
  [DataSource.SSL_WRITE]: 'SSL_write', [DataSource.SSL_READ]: 'SSL_read', [DataSource.GNUTLS_SEND]: 'gnutls_record_send',
  [DataSource.GNUTLS_RECV]: 'gnutls_record_recv', [DataSource.SYS_WRITE]: 'write', [DataSource.SYS_READ]: 'read', [DataSource.EXEC]: 'exec',
  [DataSource.SYS_WRITEV]: 'writev', [DataSource.GO_TLS_WRITE]: 'crypto/tls.(*Conn).Write', [DataSource.GO_TLS_READ]: 'crypto/tls.(*Conn).Read',
  [DataSource.UNSEEN_READ]: 'read (written by a program no probe sees)',
};

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
  const detail: Record<string, string> = { probe: (SOURCES as Readonly<Record<number, string | undefined>>)[rec.source] ?? String(rec.source) };
  if (call.kind === 'mcp') {
    detail.argumentsDigest = argumentsDigest(args);
    if (showArguments) detail.arguments = JSON.stringify(args).slice(0, 512);
  }
  // A call written to the stdin of a process of the pod is addressed to that process (a stdio server).
  const server = call.host ?? (rec.child === undefined ? undefined : `stdio server ${stdioServerName(rec.child)}`);
  if (server) detail.server = server;
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
    target: `${describeCall(call)}${server ? ` to ${server}` : ''}${caller ? ` from ${describeCaller(caller)}` : ''}`,
    ...(v.action ? { action: v.action } : {}),
    detail,
  };
}
