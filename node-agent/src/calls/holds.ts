/**
 * Judging what the probes held. A held process is stopped (SIGSTOP from the
 * probe) with its plaintext in its memory; this decides, in one synchronous
 * pass on the event loop: allow (resume), block (rewrite the call in place so
 * the server answers with an error, then resume), or kill (action Kill).
 * Audited calls (Audit-only coverage) are never stopped; they are judged and
 * reported. Every exit path resumes or kills: a hold never outlives this
 * function, and a failure to judge blocks (fail closed).
 */
import { Op } from '../../../core/abi/enums.js';
import { errorMessage } from '../../../core/errors/ziriz-error.js';
import type { LogFn } from '../../../core/log/json-log.js';
import type { CompiledPolicySet } from '../../../core/policy/compiled.js';
import { evaluate, type PolicyVerdict } from '../../../core/policy/evaluate.js';
import type { Attribution } from '../agent/attribution.js';
import type { ReportSink } from '../agent/sink.js';
import type { BpfMap } from '../bpf/map.js';
import { u64Key } from '../bpf/map.js';
import type { DataRecord } from '../bpf/records.js';
import { policyRequest, type Call } from './classify.js';
import { peekIncomplete } from './jsonrpc.js';
import { breakFramingPatches, neutralizePatches, type Patch } from './neutralize.js';
import { patchMem, readMem } from './proc-mem.js';
import { ConnStreams, type Analysis } from './streams.js';
import { callVerdict } from './verdict.js';

export interface HoldMaps {
  readonly connHold?: BpfMap;
  readonly holds?: BpfMap;
}

export interface HoldObserver {
  /** `seconds`: probe firing to resume/kill; `waitSeconds`: probe firing to the agent starting to judge. */
  held(seconds: number, outcome: 'resumed' | 'neutralized' | 'killed', waitSeconds: number): void;
  audited(): void;
  failed(): void;
}

export interface HoldOptions {
  /** Full plaintext read back from memory at most (bytes). */
  readonly maxRead?: number;
  readonly showArguments?: boolean;
}

interface Judged { readonly call: Call; readonly v: PolicyVerdict }

const MAX_READ = 1 << 20;

function u32Key(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
}

function judgeCalls(set: CompiledPolicySet | null, calls: readonly Call[], planError: string | undefined): Judged[] {
  return calls.map((call) => ({
    call,
    v: set === null
      ? { verdict: 'deny', policy: '', rule: 'request', ruleId: 0, reason: `the pod's policies do not compile: ${planError ?? 'unknown error'}` }
      : evaluate(set, policyRequest(call)),
  }));
}

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
  private pending: (() => void)[] = [];

  /** A CALL_HOLD (process stopped) or CALL_SEEN (audit only) record. */
  handle(rec: DataRecord): void {
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
      for (const report of this.pending.splice(0)) report();
    }
  }

  private data(rec: DataRecord, held: boolean): Buffer {
    if (!held || rec.len <= rec.data.length) return rec.data;
    return readMem(rec.hdr.pid, rec.buf, Math.min(rec.len, this.opts.maxRead ?? MAX_READ));
  }

  private judge(rec: DataRecord, held: boolean): 'resumed' | 'neutralized' | 'killed' {
    const plan = this.attribution.plan(rec.hdr.identityId);
    const data = this.data(rec, held);
    const key = `${rec.hdr.pid}:${rec.conn}`;
    const a = this.streams.push(key, data);
    if (a.incomplete) return this.incomplete(rec, held, data, a, plan?.set ?? null, plan?.error);
    this.setConnHold(rec.conn, false);
    const judged = judgeCalls(plan?.set ?? null, a.calls, plan?.error);
    if (a.problem !== undefined && rec.callKind !== 0) {
      // The kernel saw a call here and the agent cannot read it reliably: fail closed.
      judged.push({ call: { kind: 'mcp', tool: '(unreadable)', arguments: {} }, v: { verdict: 'deny', policy: '', rule: 'request', ruleId: 0, reason: a.problem } });
    }
    return this.enforce(rec, held, data, judged);
  }

  /** The message continues in a later write: judge what can be judged now, else hold the connection's next writes. */
  private incomplete(rec: DataRecord, held: boolean, data: Buffer, a: Analysis, set: CompiledPolicySet | null, err: string | undefined): 'resumed' | 'neutralized' | 'killed' {
    const head = a.pendingHead;
    if (head && !(head.headers.get('content-type') ?? '').includes('json')) {
      // A request whose body cannot be JSON-RPC: its route decides now.
      const call: Call = { kind: 'http', method: head.method, target: head.target, host: head.headers.get('host') ?? '' };
      return this.enforce(rec, held, data, judgeCalls(set, [call], err));
    }
    const peek = a.partialText !== undefined ? peekIncomplete(a.partialText) : {};
    if (peek.method === 'tools/call' && peek.name !== undefined) {
      const byName = judgeCalls(set, [{ kind: 'mcp', tool: peek.name, arguments: {} }], err)[0];
      // Denied whatever the arguments (a Deny rule or no Allow for the name): block now, in this write.
      if (byName?.v.verdict === 'deny' && !byName.v.rule.includes('.arguments')) return this.enforce(rec, held, data, [byName]);
    }
    this.setConnHold(rec.conn, true);
    return 'resumed';
  }

  private enforce(rec: DataRecord, held: boolean, data: Buffer, judged: readonly Judged[]): 'resumed' | 'neutralized' | 'killed' {
    const now = new Date();
    for (const j of judged) {
      if (j.v.verdict === 'allow') continue;
      this.pending.push(() => {
        this.sink.verdict(callVerdict(rec, j.call, j.v, this.attribution, now, this.opts.showArguments ?? false));
        if (j.v.verdict === 'audit') this.observer.audited();
      });
    }
    const denied = judged.filter((j) => j.v.verdict === 'deny');
    if (!held || denied.length === 0) return 'resumed';
    if (denied.some((j) => j.v.action === 'Kill')) return this.kill(rec.hdr.pid);
    const patches: Patch[] = denied.length === 1 ? neutralizePatches(data, denied[0]?.call ?? null) : breakFramingPatches(data);
    patchMem(rec.hdr.pid, rec.buf, patches);
    return 'neutralized';
  }

  private failClosed(rec: DataRecord): 'neutralized' | 'killed' {
    try {
      patchMem(rec.hdr.pid, rec.buf, breakFramingPatches(rec.data));
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
    if (outcome !== 'killed') {
      try {
        process.kill(rec.hdr.pid, 'SIGCONT');
      } catch (e: unknown) {
        this.log('warn', 'resume failed (process gone?)', { pid: rec.hdr.pid, error: errorMessage(e) });
      }
    }
    const seconds = Number(process.hrtime.bigint() - rec.hdr.ktimeNs) / 1e9;
    this.pending.push(() => {
      this.maps.holds?.delete(u32Key(rec.hdr.pid));
      this.observer.held(seconds, outcome, Number(startNs - rec.hdr.ktimeNs) / 1e9);
    });
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
