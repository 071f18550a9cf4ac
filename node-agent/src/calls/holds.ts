/**
 * Judging what the probes held. A held process is stopped (SIGSTOP from the
 * probe) with its plaintext in its memory; this decides, in one synchronous
 * pass on the event loop: allow (resume), block (rewrite the call in place so
 * the server answers with an error, then resume), or kill (action Kill).
 * Audited calls (Audit-only coverage) are never stopped; they are judged and
 * reported. Every exit path resumes or kills: a hold never outlives this
 * function, and a failure to judge blocks (fail closed).
 */
import { CallKind, HoldWhy, Op } from '../../../core/abi/enums.js';
import { errorMessage } from '../../../core/errors/ziriz-error.js';
import type { LogFn } from '../../../core/log/json-log.js';
import type { CompiledPolicySet } from '../../../core/policy/compiled.js';
import { evaluate, type PolicyVerdict } from '../../../core/policy/evaluate.js';
import type { Attribution } from '../agent/attribution.js';
import type { ReportSink } from '../agent/sink.js';
import { u32Key, u64Key, type BpfMap } from '../bpf/map.js';
import type { DataRecord } from '../bpf/records.js';
import { policyRequest, type Call } from './classify.js';
import { callerFacts, isReceived, withCaller, type CallerFacts } from './caller.js';
import { peekIncomplete } from './jsonrpc.js';
import { breakFramingPatches, deniedName, inPlacePatches, mcpNameHeaderPatch, neutralizePatches, type Patch } from './neutralize.js';
import { decodeMcpHeaderValue } from './mcp-headers.js';
import { readHeld, patchHeld, type HeldBytes } from './held-bytes.js';
import { heldThreadState, holdEscaped } from './hold-state.js';
import { jsonLines, mayStartMessage } from './opaque.js';
import { bodyMayCarryCalls, type PendingHead } from './http.js';
import { classifyBody } from './classify.js';
import { decodeHold, encodeHoldCount, type LeftoverHold } from './leftover-holds.js';
import { ConnStreams, type Analysis } from './streams.js';
import { h2RefusePatches, h2StreamRefusePatch } from './h2.js';
import { wsPatches } from './ws-patches.js';
import { callVerdict, HOLD_ESCAPED_RULE, UNPARSABLE_RULE } from './verdict.js';

export interface HoldMaps {
  readonly connHold?: BpfMap;
  readonly holds?: BpfMap;
}

export interface HoldObserver {
  /** `seconds`: probe firing to resume/kill; `waitSeconds`: probe firing to the agent starting to judge; `pid`: the process held. */
  held(seconds: number, outcome: 'resumed' | 'neutralized' | 'killed', waitSeconds: number, pid: number): void;
  audited(): void;
  failed(): void;
}

export interface HoldOptions {
  /** Full plaintext read back from memory at most (bytes). */
  readonly maxRead?: number;
  readonly showArguments?: boolean;
}

interface Judged {
  readonly call: Call;
  readonly v: PolicyVerdict;
  /** How this write is made harmless when the call is denied (computed where the call was found); default: neutralize.ts on the write. */
  readonly patches?: readonly Patch[];
  /** Reported already (the same call judged earlier in its request): enforced, not reported again. */
  readonly quiet?: boolean;
}

/** A held write is read back whole up to this; a longer one is denied (nothing is judged on a guess). */
const MAX_READ = 16 << 20;


const WHY_TEXT: Readonly<Record<number, string>> = {
  [HoldWhy.UNKNOWN]: 'neither the start of a message nor the rest of a judged one',
  [HoldWhy.HEAD]: 'request head incomplete or in an unusual form',
  [HoldWhy.FRAMING]: 'encoding, charset, framing headers, upgrade or pipelining',
  [HoldWhy.BODY]: 'body split over writes or beyond the kernel capture',
  [HoldWhy.JSON]: 'JSON spelled ambiguously (escapes, case-variant or repeated keys, batch, control bytes)',
  [HoldWhy.CONN]: 'a message in progress',
  [HoldWhy.LINES]: 'a line stream write that is not one whole JSON message',
};

function unparsable(problem: string, rec: DataRecord): Judged {
  const why = rec.why ? ` (the kernel held it: ${WHY_TEXT[rec.why] ?? `reason ${rec.why}`})` : '';
  return { call: { kind: 'mcp', tool: '(unreadable)', arguments: {} }, v: { verdict: 'deny', policy: '', rule: UNPARSABLE_RULE, ruleId: 0, reason: `UnparsableCall: ${problem}${why}` } };
}

/**
 * The policies a held call is judged by, or why there are none (then every
 * call is denied: fail closed). A received call (server side) is judged by
 * the pod's inbound rules with the caller as the request's target.
 */
type Judge = ({ readonly set: CompiledPolicySet } | { readonly set: null; readonly why: string }) & { readonly caller?: CallerFacts };

function judgeCalls(judge: Judge, calls: readonly Call[]): Judged[] {
  return calls.map((call) => ({
    call,
    v: judge.set === null
      ? { verdict: 'deny', policy: '', rule: 'request', ruleId: 0, reason: judge.why }
      : evaluate(judge.set, withCaller(policyRequest(call), judge.caller)),
  }));
}

/** Records that wait for the first reconcile at most (beyond: judged at once, fail closed). */
const MAX_WAITING = 4096;
/** Holds settled by adoption, remembered so that their ring record (if it still comes) is not judged twice. */
const MAX_SETTLED = 4096;

const holdKey = (pid: number, ktimeNs: bigint): string => `${pid}:${ktimeNs}`;


export class HoldManager {
  private readonly streams = new ConnStreams();

  constructor(
    private readonly attribution: Attribution,
    private readonly sink: ReportSink,
    private readonly maps: HoldMaps,
    private readonly observer: HoldObserver,
    private readonly log: LogFn,
    private readonly opts: HoldOptions = {},
  ) {}

  /** Verdicts to report once the process is running again (reporting is off the critical path). */
  private reports: (() => void)[] = [];

  /** Until the first reconcile the agent knows no policies: records wait (held processes stay stopped). */
  private isReady = false;
  private readonly waiting: DataRecord[] = [];
  private readonly settled = new Set<string>();

  /** The policies are known (first reconcile done, or given up waiting): judge what waited, in order. */
  ready(): void {
    if (this.isReady) return;
    this.isReady = true;
    for (const rec of this.waiting.splice(0)) this.handle(rec);
  }

  /** A CALL_HOLD (process stopped) or CALL_SEEN (audit only) record. */
  handle(rec: DataRecord): void {
    if (!this.isReady && this.waiting.length < MAX_WAITING) {
      this.waiting.push(rec);
      return;
    }
    if (rec.hdr.op === Op.CALL_HOLD && this.wasSettled(rec.hdr.pid, rec.hdr.ktimeNs)) return; // judged by adoption already
    this.run(rec);
  }

  /** A hold (call or exec) was settled by the leftover sweep: its record, if it still comes, is to be skipped. */
  settle(pid: number, ktimeNs: bigint): void {
    if (this.settled.size >= MAX_SETTLED) this.settled.clear();
    this.settled.add(holdKey(pid, ktimeNs));
  }

  /** Was this hold settled by the sweep? (Answers true once.) */
  wasSettled(pid: number, ktimeNs: bigint): boolean {
    return this.settled.delete(holdKey(pid, ktimeNs));
  }

  private run(rec: DataRecord): void {
    const held = rec.hdr.op === Op.CALL_HOLD;
    const startNs = process.hrtime.bigint();
    let outcome: 'resumed' | 'neutralized' | 'killed' = 'resumed';
    try {
      outcome = this.judge(rec, held);
    } catch (e: unknown) {
      this.observer.failed();
      this.log('error', 'judging a held call failed; blocking it (fail closed)', { pid: rec.hdr.pid, error: errorMessage(e) });
      if (held) outcome = this.failClosed(rec);
    } finally {
      if (held) this.release(rec, outcome, startNs);
      for (const report of this.reports.splice(0)) report();
    }
  }

  /**
   * Judge a hold nobody judged (see leftover-holds.ts): its plaintext is
   * still in the stopped process at `buf`. The record is rebuilt from the
   * kernel's hold entry; if its ring record comes after all, it is skipped.
   */
  adopt(h: LeftoverHold, identityId: number, who: { readonly uid: number; readonly comm: string }): void {
    this.settle(h.tgid, h.ktimeNs);
    const rec: DataRecord = {
      kind: 'data',
      hdr: { op: Op.CALL_HOLD, flags: 0, size: 0, ktimeNs: h.ktimeNs, cgroupId: h.cgroupId, pid: h.tgid, tid: h.tid, uid: who.uid, identityId, comm: who.comm },
      conn: h.conn, buf: h.buf, len: h.len, source: h.source,
      // The kernel held it as a call; an unreadable request is then denied (fail closed).
      verdict: 0, callKind: CallKind.MCP_TOOL, held: true, ruleId: 0, nameHash: 0n, why: 0,
      data: Buffer.alloc(0),
    };
    this.run(rec);
  }

  private held(rec: DataRecord, held: boolean): HeldBytes {
    if (!held) return { data: rec.data, segments: [{ address: rec.buf, length: rec.data.length }], unread: Math.max(0, rec.len - rec.data.length) };
    return readHeld(rec, this.opts.maxRead ?? MAX_READ);
  }

  private judgeFor(rec: DataRecord): Judge {
    const identityId = rec.hdr.identityId;
    const plan = this.attribution.plan(identityId);
    // A received call's report names its caller, whatever the verdict.
    const who = isReceived(rec) ? { caller: callerFacts(rec, this.attribution) } : {};
    if (plan === undefined) return { set: null, why: `no pod with identity ${identityId} is known to this agent (gone, or not reconciled yet): denied (fail closed)`, ...who };
    if (plan.set === null) return { set: null, why: `the pod's policies do not compile: ${plan.error ?? 'unknown error'}`, ...who };
    if (who.caller === undefined) return { set: plan.set };
    if (plan.set.inbound === undefined) return { set: null, why: 'a received call held for inbound rules the pod no longer has: denied (fail closed)', ...who };
    return { set: plan.set.inbound, ...who };
  }

  private judge(rec: DataRecord, held: boolean): 'resumed' | 'neutralized' | 'killed' {
    const judge = this.judgeFor(rec);
    if (held && holdEscaped(heldThreadState(rec.hdr.pid, rec.hdr.tid))) return this.escaped(rec, 'before it was judged');
    const bytes = this.held(rec, held);
    const data = bytes.data;
    const key = `${rec.hdr.pid}:${rec.conn}`;
    this.log('debug', 'held write', { pid: rec.hdr.pid, source: rec.source, conn: rec.conn.toString(16), child: rec.child, why: rec.why, kind: rec.callKind, len: rec.len, head: data.subarray(0, 1200).toString('latin1') });
    if (bytes.unread > 0 && (rec.callKind !== 0 || rec.why !== 0)) {
      this.forgetStream(key);
      return this.enforce(rec, held, bytes, [unparsable(`a write of ${rec.len} bytes is longer than the ${data.length} the agent reads back`, rec)], undefined);
    }
    // A line stream's every write is read line by line, the rest of a line started earlier included (its conn holds too).
    if (this.opaque.has(key) || (rec.why !== 0 && rec.why !== HoldWhy.CONN)) {
      const opaque = this.opaqueJudged(key, rec, data, judge);
      if (opaque !== null) return this.enforce(rec, held, bytes, opaque, judge.caller);
    }
    const a = this.streams.push(key, data);
    // Calls completed in this write are judged whether or not another message starts in it.
    const judged = judgeCalls(judge, a.calls);
    if (a.problem !== undefined && (rec.callKind !== 0 || rec.why !== 0)) {
      // The kernel saw a call here, or was not certain of these bytes, and the agent cannot read them reliably: fail closed.
      judged.push(unparsable(a.problem, rec));
    }
    if (a.incomplete) {
      if (this.pending.size >= 65536) this.pending.clear();
      this.pending.add(key);
      judged.push(...this.judgeUnfinished(key, rec.conn, a, judge, data));
    } else {
      this.pending.delete(key);
      this.setConnHold(rec.conn, false);
      return this.enforce(rec, held, bytes, this.quietBody(key, judged), judge.caller, a);
    }
    return this.enforce(rec, held, bytes, judged, judge.caller, a);
  }

  /**
   * Connections whose first bytes cannot start a message (opaque.ts), and
   * line streams (HoldWhy.LINES): their writes are judged line by line as
   * JSON-RPC only. Null: not opaque, judge the bytes as a message stream.
   */
  private readonly opaque = new Set<string>();
  /** Connections with a message in progress in `streams` (their next bytes continue it). */
  private readonly pending = new Set<string>();

  /** Opaque connections and line streams: the start of a line not ended yet (its message goes on in the next writes). */
  private readonly partial = new Map<string, Buffer>();

  private forgetStream(key: string): void {
    this.streams.forget(key);
    this.partial.delete(key);
  }

  private opaqueJudged(key: string, rec: DataRecord, data: Buffer, judge: Judge): Judged[] | null {
    if (!this.opaque.has(key)) {
      // A line stream (a stdio server's stdin, a Unix socket of the pod) is read as its readers do: line by line.
      if (this.pending.has(key) || this.streams.isFramed(key) || (rec.why !== HoldWhy.LINES && mayStartMessage(data))) return null;
      if (this.opaque.size >= 65536) this.opaque.clear();
      this.opaque.add(key);
    }
    // The line started in earlier writes, then this write: readers see them as one.
    const prior = this.partial.get(key);
    const all = prior ? Buffer.concat([prior, data]) : data;
    this.forgetStream(key);
    const out: Judged[] = [];
    // Whole lines end at the last line end; a message started after it goes on in the next writes.
    const cut = all.lastIndexOf(0x0a) + 1;
    for (const line of jsonLines(all.subarray(0, cut))) {
      const c = classifyBody(line);
      if (c.parsed) out.push(...judgeCalls(judge, c.calls));
      if (c.problem !== undefined && c.parsed) out.push(unparsable(c.problem, rec));
    }
    const rest = all.subarray(cut);
    if (jsonLines(rest).length > 0) {
      if (rest.length > MAX_READ) {
        this.pending.delete(key);
        this.setConnHold(rec.conn, false);
        return [...out, unparsable(`a line longer than ${MAX_READ} bytes`, rec)];
      }
      // Followed from here, its connection held until it ends (otherwise its end would pass unread).
      if (this.partial.size >= 65536) this.partial.clear();
      this.partial.set(key, Buffer.from(rest));
      const a = this.streams.push(key, rest);
      out.push(...judgeCalls(judge, a.calls));
      if (a.problem !== undefined) out.push(unparsable(a.problem, rec));
      if (a.incomplete) {
        if (this.pending.size >= 65536) this.pending.clear();
        this.pending.add(key);
        out.push(...this.judgeUnfinished(key, rec.conn, a, judge, rest));
        return out;
      }
    }
    this.forgetStream(key);
    this.pending.delete(key);
    this.setConnHold(rec.conn, false);
    return out;
  }

  /** The held thread ran on before it was released: someone else resumed it (a sibling's SIGCONT, a tracer). */
  private escaped(rec: DataRecord, when: string): 'killed' {
    this.forgetStream(`${rec.hdr.pid}:${rec.conn}`);
    const j: Judged = { call: { kind: 'mcp', tool: '(held call)', arguments: {} }, v: { verdict: 'deny', policy: '', rule: HOLD_ESCAPED_RULE, ruleId: 0, reason: `HoldEscaped: the held process was resumed by another process ${when}; killed` } };
    const now = new Date();
    this.reports.push(() => { this.sink.verdict(callVerdict(rec, j.call, j.v, this.attribution, now, false)); });
    this.log('warn', 'a held process was resumed by someone else: killed', { pid: rec.hdr.pid, tid: rec.hdr.tid, when });
    return this.kill(rec.hdr.pid);
  }

  /**
   * A message continues in a later write. What can be judged now is: a
   * request's route (its line and headers are complete: the body cannot
   * change it), and a tool denied by its name alone. When that denies, or
   * the body cannot be JSON-RPC, the message is settled here and the
   * connection's state dropped (what follows is the rest of a judged
   * request); otherwise the connection's next writes are held until the
   * message is complete.
   */
  private judgeUnfinished(key: string, conn: bigint, a: Analysis, judge: Judge, data: Buffer): Judged[] {
    const head = a.pendingHead;
    if (head) {
      const route = judgeCalls(judge, [{ kind: 'http', method: head.method, target: head.target, host: head.headers.get('host') ?? '' }]);
      // Whatever the Content-Type says, a body may carry JSON-RPC (servers need not check it): only a body-less request is settled by its route.
      if (!bodyMayCarryCalls(head) || route.some((j) => j.v.verdict === 'deny')) return this.judgedEarly(key, conn, route);
    }
    const named = head ? this.judgeMcpName(key, head, judge, data) : [];
    if (named.length > 0) {
      // The body follows: it is held and judged too, and neutralised to the same name (then not reported again).
      this.setConnHold(conn, true);
      return named;
    }
    const peek = a.partialText !== undefined ? peekIncomplete(a.partialText) : {};
    if (peek.method === 'tools/call' && peek.name !== undefined) {
      const byName = judgeCalls(judge, [{ kind: 'mcp', tool: peek.name, arguments: {} }]);
      // Denied whatever the arguments (a Deny rule or no Allow for the name): block now, in this write.
      if (byName.some((j) => j.v.verdict === 'deny' && !j.v.rule.includes('.arguments'))) return this.judgedEarly(key, conn, byName);
    }
    this.setConnHold(conn, true);
    return [];
  }

  /** Requests whose tool was denied by its Mcp-Name header before the body came (key -> tool). */
  private readonly deniedByHeader = new Map<string, string>();

  /**
   * An MCP 2026-07-28 request head whose body is still to come names its
   * tool in Mcp-Name. A tool denied by its name alone is refused here: the
   * header is rewritten to the marker now, and the body, held in turn, is
   * rewritten to the same marker, so that the server answers "tool not
   * found", not a header/body mismatch. (A tool denied by its arguments is
   * known only with the body, once this head has gone: a server that
   * compares them then answers HeaderMismatch; the call does not run.)
   */
  private judgeMcpName(key: string, head: PendingHead, judge: Judge, data: Buffer): Judged[] {
    if (head.headers.get('mcp-method') !== 'tools/call') return [];
    const raw = head.headers.get('mcp-name');
    const name = raw === undefined ? undefined : decodeMcpHeaderValue(raw);
    if (!name?.ok || name.value === '') return [];
    const call: Call = { kind: 'mcp', tool: name.value, arguments: {} };
    const [j] = judgeCalls(judge, [call]);
    if (j?.v.verdict !== 'deny' || j.v.rule.includes('.arguments')) return [];
    // The start of the body may be in this write too: its name is rewritten with the header.
    const header = mcpNameHeaderPatch(data, name.value, deniedName(Buffer.byteLength(name.value)));
    const patches = inPlacePatches(data, call) ?? (header === null ? null : [header]);
    if (patches === null) return [];
    if (this.deniedByHeader.size >= 4096) this.deniedByHeader.clear();
    this.deniedByHeader.set(key, name.value);
    return [{ ...j, patches }];
  }

  /** The body of a request refused by its header: its denial of the same tool is not reported twice. */
  private quietBody(key: string, judged: Judged[]): Judged[] {
    const tool = this.deniedByHeader.get(key);
    if (tool === undefined) return judged;
    this.deniedByHeader.delete(key);
    return judged.map((j) => (j.call.kind === 'mcp' && j.call.tool === tool && j.v.verdict === 'deny' ? { ...j, quiet: true } : j));
  }

  /** A message judged before its end: forget its bytes, do not hold the rest of it. */
  private judgedEarly(key: string, conn: bigint, judged: Judged[]): Judged[] {
    this.forgetStream(key);
    this.pending.delete(key);
    this.setConnHold(conn, false);
    return judged;
  }

  private enforce(rec: DataRecord, held: boolean, bytes: HeldBytes, judged: readonly Judged[], caller?: CallerFacts, framed: Pick<Analysis, 'h2' | 'ws'> = {}): 'resumed' | 'neutralized' | 'killed' {
    const data = bytes.data;
    const now = new Date();
    for (const j of judged) {
      if (j.v.verdict === 'allow' || j.quiet === true) continue;
      this.reports.push(() => {
        this.sink.verdict(callVerdict(rec, j.call, j.v, this.attribution, now, this.opts.showArguments ?? false, caller));
        if (j.v.verdict === 'audit') this.observer.audited();
      });
    }
    const denied = judged.filter((j) => j.v.verdict === 'deny');
    if (!held || denied.length === 0) return 'resumed';
    if (denied.some((j) => j.v.action === 'Kill')) return this.kill(rec.hdr.pid);
    const { h2, ws } = framed;
    const patches: Patch[] = h2 ? h2Patches(data, denied, h2)
      : ws ? wsPatches(data, denied, ws)
      : denied.every((j) => j.patches !== undefined) ? denied.flatMap((j) => j.patches ?? [])
      : denied.length === 1 && denied[0]?.v.rule !== UNPARSABLE_RULE ? neutralizePatches(data, denied[0]?.call ?? null) : breakFramingPatches(data);
    if (patches.length === 0 || bytes.unread > 0) return this.kill(rec.hdr.pid); // nothing (sure) to rewrite: the call must not run
    patchHeld(rec.hdr.pid, bytes, patches);
    if (holdEscaped(heldThreadState(rec.hdr.pid, rec.hdr.tid))) return this.escaped(rec, 'while it was judged');
    return 'neutralized';
  }

  private failClosed(rec: DataRecord): 'neutralized' | 'killed' {
    try {
      const bytes = this.held(rec, true);
      const patches = breakFramingPatches(bytes.data);
      if (patches.length === 0 || bytes.unread > 0) return this.kill(rec.hdr.pid);
      patchHeld(rec.hdr.pid, bytes, patches);
      return 'neutralized';
    } catch {
      return this.kill(rec.hdr.pid);
    }
  }

  private kill(pid: number): 'killed' {
    try {
      process.kill(pid, 'SIGKILL');
    } catch (e: unknown) {
      this.log('warn', 'kill failed', { pid, error: errorMessage(e) });
    }
    return 'killed';
  }

  private release(rec: DataRecord, outcome: 'resumed' | 'neutralized' | 'killed', startNs: bigint): void {
    const others = outcome === 'killed' ? 0 : this.othersHeld(rec.hdr.pid, rec.hdr.ktimeNs);
    if (others > 0) {
      // Another thread of this process was held too and is not judged yet: its judgement resumes the process.
      this.log('debug', 'hold judged; the process stays stopped for its other holds', { pid: rec.hdr.pid, others });
    } else if (outcome !== 'killed') {
      try {
        process.kill(rec.hdr.pid, 'SIGCONT');
      } catch (e: unknown) {
        this.log('warn', 'resume failed (process gone?)', { pid: rec.hdr.pid, error: errorMessage(e) });
      }
    }
    const seconds = Number(process.hrtime.bigint() - rec.hdr.ktimeNs) / 1e9;
    this.reports.push(() => {
      this.forget(rec.hdr.pid, rec.hdr.ktimeNs);
      this.observer.held(seconds, outcome, Number(startNs - rec.hdr.ktimeNs) / 1e9, rec.hdr.pid);
    });
  }

  /**
   * Holds of process `pid` still to be judged besides the one just judged
   * (the kernel counts them in its entry); counts this one off. The last one
   * deletes the entry before the process is resumed, so that its next hold
   * starts a new count.
   */
  private othersHeld(pid: number, ktimeNs: bigint): number {
    const m = this.maps.holds;
    if (!m) return 0;
    const key = u32Key(pid);
    const v = m.get(key);
    if (v === null) return 0;
    const h = decodeHold(key, v);
    if (h.count > 1) {
      m.set(key, encodeHoldCount(v, h.count - 1));
      return h.count - 1;
    }
    if (h.ktimeNs === ktimeNs || h.count === 1) m.delete(key);
    return 0;
  }

  /** Delete this hold's kernel entry, not a newer one the resumed process may already have. */
  forget(pid: number, ktimeNs: bigint): void {
    const m = this.maps.holds;
    if (!m) return;
    const key = u32Key(pid);
    const v = m.get(key);
    if (v !== null && decodeHold(key, v).ktimeNs === ktimeNs) m.delete(key);
  }

  /**
   * Connections whose hold flag this agent set. Clearing a flag that is not
   * set costs a syscall on every judged call; flags a previous agent left are
   * cleared once, on the first call of their connection.
   */
  private readonly flagged = new Set<bigint>();
  private readonly checked = new Set<bigint>();

  private setConnHold(conn: bigint, on: boolean): void {
    const m = this.maps.connHold;
    if (!m) return;
    if (on) {
      m.set(u64Key(conn), u32Key(1));
      this.flagged.add(conn);
      return;
    }
    if (!this.flagged.delete(conn) && this.checked.has(conn)) return;
    this.remember(conn);
    m.delete(u64Key(conn));
  }

  private remember(conn: bigint): void {
    if (this.checked.size >= 65536) this.checked.clear(); // bounded; a cleared set only costs one delete per connection
    this.checked.add(conn);
  }
}

/**
 * HTTP/2: each denied request refused on its own stream, the connection's
 * other streams going on: a call in a body neutralised in place, a route by
 * the request's :method field (h2StreamRefusePatch). When one cannot be
 * (unreadable bytes, a header block split across writes), the connection
 * is ended at this write's first frame; no patch (a write that does not
 * begin at a frame): the caller kills.
 */
function h2Patches(data: Buffer, denied: readonly Judged[], h2: NonNullable<Analysis['h2']>): Patch[] {
  const out: Patch[] = [];
  for (const j of denied) {
    const route = h2.routeAt?.get(j.call);
    const p = j.v.rule === UNPARSABLE_RULE ? null : route !== undefined ? [h2StreamRefusePatch(route)] : j.call.kind !== 'http' ? inPlacePatches(data, j.call) : null;
    if (!p) return h2.frameStart ? h2RefusePatches() : [];
    out.push(...p);
  }
  return out;
}
