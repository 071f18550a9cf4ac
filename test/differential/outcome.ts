/**
 * One stream's outcome: what each real server executed (its ledger lines
 * during the exchange), what the agent judged, and how they compare. A risk:
 * some server executed a denied call and the agent did not deny it (the
 * agent's verdict in user space, or, in the kernel property, the call went
 * through). A false positive: every server executed only allowed calls and
 * the agent denied. Classes of risks are kept with one example each.
 */
import type { CompiledPolicySet } from '../../core/policy/compiled.js';
import type { AgentJudgement } from './agent-judge.js';
import { deniedExecution, describeEntry, type LedgerEntry } from './ledger.js';
import type { ServerName } from './real-servers.js';
import { classesOf, describePayload, type StreamSpec } from './spec.js';

export interface Outcome {
  readonly spec: StreamSpec;
  readonly chunks: readonly Buffer[];
  readonly agent: AgentJudgement | null;
  readonly executed: Readonly<Record<ServerName, readonly LedgerEntry[]>>;
  /** What each server answered (its status line first) and how the exchange ended. */
  readonly exchanges: Readonly<Partial<Record<ServerName, { readonly answer: string; readonly ended: string }>>>;
  /** Kernel property: the agent's verdicts and hold outcomes during the stream. */
  readonly kernel?: readonly string[];
}

/** Servers that executed a call the policy denies, with what they ran. */
export function deniedBy(set: CompiledPolicySet, o: Outcome): string[] {
  return Object.entries(o.executed).flatMap(([server, entries]) =>
    entries.filter((e) => deniedExecution(set, e)).map((e) => `${server} ran ${describeEntry(e)}`));
}

/** A denied call executed and the agent allowed it (kernel property: executed at all, the call went through). */
export function isRisk(set: CompiledPolicySet, o: Outcome): boolean {
  return deniedBy(set, o).length > 0 && (o.agent === null || o.agent.verdict === 'allow');
}

export function isFalsePositive(set: CompiledPolicySet, o: Outcome): boolean {
  const runs = Object.values(o.executed);
  return o.agent !== null && o.agent.verdict !== 'allow' && runs.every((r) => r.length > 0) && deniedBy(set, o).length === 0;
}

/** The bytes as a readable string: repeats of a 1-4 byte unit shortened to ⟨unit×count⟩, write boundaries shown as ‖. */
export function showStream(chunks: readonly Buffer[], max = 700): string {
  const text = chunks.map((c) => c.toString('latin1')).join('‖');
  const short = text.replace(/(.{1,4}?)\1{15,}/gs, (run, unit: string) => `⟨${JSON.stringify(unit).slice(1, -1)}×${run.length / unit.length}⟩`);
  const json = JSON.stringify(short);
  return json.length > max ? `${json.slice(0, max)}…` : json;
}

export interface ClassReport {
  readonly cls: string;
  readonly count: number;
  readonly example: Outcome;
}

/** Risks grouped by their (minimised) class set, most frequent first. */
export class Findings {
  private readonly byClass = new Map<string, { count: number; example: Outcome }>();

  add(o: Outcome): void {
    const cls = classesOf(o.spec).join(' + ') || '(no mutation)';
    const seen = this.byClass.get(cls);
    if (seen) seen.count++;
    else this.byClass.set(cls, { count: 1, example: o });
  }

  get size(): number {
    return this.byClass.size;
  }

  list(): ClassReport[] {
    return [...this.byClass.entries()].map(([cls, v]) => ({ cls, ...v })).sort((a, b) => b.count - a.count || (a.cls < b.cls ? -1 : 1));
  }

  /** One paragraph per class: its servers' side effects, the agent's view, an example stream. */
  describe(set: CompiledPolicySet): string {
    return this.list().map((r) => [
      `  class ${r.cls}  (${r.count} stream${r.count === 1 ? '' : 's'}; payload ${describePayload(r.example.spec.payload)})`,
      `    executed: ${deniedBy(set, r.example).join('; ')}`,
      r.example.agent ? `    agent: ${r.example.agent.verdict} [${r.example.agent.seen.join('; ')}]` : `    kernel: ${(r.example.kernel ?? []).length > 0 ? (r.example.kernel ?? []).join('; ') : 'no verdict, no hold'}`,
      `    stream: ${showStream(r.example.chunks)}`,
    ].join('\n')).join('\n');
  }
}
