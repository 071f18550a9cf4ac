/**
 * The ring buffer, as the agent consumes it: decode, attribute, report. A
 * record that does not decode is counted, never thrown out of the loop.
 * Exec records of cgroups the agent has not resolved yet trigger a reconcile
 * (a new container or pod: the kernel already protects it by UID).
 */
import { BLINDNESS_WHY } from '../calls/visibility.js';
import { errorMessage } from '../../../core/errors/ziriz-error.js';
import type { LogFn } from '../../../core/log/json-log.js';
import type { BpfMap } from '../bpf/map.js';
import { RecordDecodeError, decodeRecord, type ExecRecord } from '../bpf/records.js';
import { RingBufferReader } from '../bpf/ringbuf.js';
import { Op } from '../../../core/abi/enums.js';
import type { HoldManager } from '../calls/holds.js';
import { heldThreadState, holdEscaped } from '../calls/hold-state.js';
import type { ProbeManager } from '../calls/probes.js';
import type { Attribution } from './attribution.js';
import type { ReportSink } from './sink.js';
import { egressVerdict, lsmVerdict } from './verdicts.js';

export interface EventStats {
  records: number;
  decodeErrors: number;
  verdicts: number;
  kills: number;
  execHolds: number;
  /** programs held at exec that someone else resumed before their probes were on: killed */
  execEscapes: number;
}

export interface CallPaths {
  readonly holds: HoldManager;
  readonly probes: ProbeManager;
}

export class EventsPath {
  readonly stats: EventStats = { records: 0, decodeErrors: 0, verdicts: 0, kills: 0, execHolds: 0, execEscapes: 0 };
  private readonly reader: RingBufferReader;
  /** Held records (calls, execs) on a ring of their own, when the kernel has it (bpf/lib/common.h). */
  private readonly holdReader: RingBufferReader | undefined;

  constructor(
    ring: BpfMap,
    private readonly attribution: Attribution,
    private readonly sink: ReportSink,
    private readonly onUnknownExec: () => void,
    private readonly log: LogFn,
    private readonly calls?: CallPaths,
    holdRing?: BpfMap,
  ) {
    const read = (r: BpfMap): RingBufferReader => new RingBufferReader(r, (buf, s, e) => { this.record(buf, s, e); }, {
      onSinkError: (e) => { this.log('error', 'record handler failed', { error: errorMessage(e) }); },
    });
    this.reader = read(ring);
    this.holdReader = holdRing ? read(holdRing) : undefined;
  }

  start(): void {
    this.holdReader?.start();
    this.reader.start();
  }

  /** Both rings' counters, added up. */
  ringStats(): ReturnType<RingBufferReader['stats']> {
    const a = this.reader.stats();
    const b = this.holdReader?.stats();
    if (!b) return a;
    return { records: a.records + b.records, bytes: a.bytes + b.bytes, batches: a.batches + b.batches, wakeups: a.wakeups + b.wakeups, sinkErrors: a.sinkErrors + b.sinkErrors };
  }

  private record(buf: Buffer, start: number, end: number): void {
    this.stats.records++;
    let rec;
    try {
      rec = decodeRecord(buf, start, end);
    } catch (e: unknown) {
      this.stats.decodeErrors++;
      if (!(e instanceof RecordDecodeError)) throw e;
      return;
    }
    if (rec.kind === 'egress') {
      const v = egressVerdict(rec, this.attribution, new Date(), (pid) => {
        const why = this.calls?.probes.blindness(pid);
        return why ? BLINDNESS_WHY[why] : undefined;
      });
      if (!v) return;
      this.stats.verdicts++;
      if (v.verdict === 'deny' && v.action === 'Kill' && rec.hdr.pid > 1) this.kill(rec.hdr.pid);
      this.sink.verdict(v);
    } else if (rec.kind === 'lsm') {
      const v = lsmVerdict(rec, this.attribution, new Date());
      if (v) {
        this.stats.verdicts++;
        this.sink.verdict(v);
      }
    } else if (rec.kind === 'data' && (rec.hdr.op === Op.CALL_HOLD || rec.hdr.op === Op.CALL_SEEN)) {
      this.calls?.holds.handle(rec);
    } else if (rec.kind === 'exec') {
      if (rec.held) this.execHold(rec);
      if (this.attribution.container(rec.hdr.cgroupId) === undefined) this.onUnknownExec();
    }
  }

  /** A new program of a probed pod, stopped at exec, unless the leftover sweep let it go already. */
  private execHold(rec: ExecRecord): void {
    const holds = this.calls?.holds;
    if (holds?.wasSettled(rec.hdr.pid, rec.hdr.ktimeNs)) return;
    this.resumeExecHold(rec.hdr.pid, () => holds?.forget(rec.hdr.pid, rec.hdr.ktimeNs));
  }

  /**
   * A program held at exec: attach its probes, then let it run. `release`
   * drops its ziriz_holds entry just before the agent's own SIGCONT (the
   * hold guard kills a held process that anyone else resumes). A program
   * that ran on before its probes were on (resumed by someone else, on a
   * kernel where the guard cannot kill it first) is killed, not released.
   */
  resumeExecHold(pid: number, release: () => void = () => undefined): void {
    this.stats.execHolds++;
    try {
      this.calls?.probes.ensure(pid);
    } catch (e: unknown) {
      this.log('error', 'probes for a held exec failed', { pid, error: errorMessage(e) });
    }
    if (holdEscaped(heldThreadState(pid, pid))) {
      this.log('error', 'HoldEscaped: a program held at exec was resumed by another process before its probes were on; killed', { pid });
      this.stats.execEscapes++;
      this.kill(pid);
      release();
      return;
    }
    release();
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      // exited meanwhile
    }
  }

  /** action Kill: the offending process (host pid: the agent runs with hostPID). */
  private kill(pid: number): void {
    try {
      process.kill(pid, 'SIGKILL');
      this.stats.kills++;
    } catch (e: unknown) {
      this.log('warn', 'kill failed', { pid, error: errorMessage(e) });
    }
  }

  drain(): void {
    this.holdReader?.drain();
    this.reader.drain();
  }

  close(): void {
    this.holdReader?.close();
    this.reader.close();
  }
}
