/**
 * The verifier's budget, measured: every program of the node agent's objects
 * loaded alone, with the verifier's statistics. The kernel refuses a program
 * whose verification processes more than 1,000,000 instructions, and how many
 * a program takes differs between kernel builds; ziriz keeps each program
 * under a fifth of that on every kernel it is tested on (test/kernel/
 * verifier-budget.test.ts, hack/bench verifier, the VM kernel matrix).
 */
import { errorMessage } from '../../../core/errors/ziriz-error.js';
import { BpfError } from './errors.js';
import { BpfObject, type VerifierStats } from './object.js';
import { bpfObject } from './paths.js';
import { NODE_PROGRAMS } from './programs.js';

/** BPF_COMPLEXITY_LIMIT_INSNS of every kernel since 5.2. */
export const VERIFIER_LIMIT = 1_000_000;
/** What ziriz allows itself: a fifth of the limit, the margin for other kernel builds. */
export const VERIFIER_BUDGET = VERIFIER_LIMIT / 5;

export interface ProgramLoad {
  readonly object: string;
  readonly program: string;
  /** Loaded by this kernel. */
  readonly ok: boolean;
  readonly error?: string;
  readonly stats?: VerifierStats;
  /** Wall time of open + load of this program alone (verification dominates). */
  readonly loadMs: number;
}

/** The objects the node agent loads, each once, in its load order. */
export function agentObjects(): string[] {
  return [...new Set(NODE_PROGRAMS.map((p) => p.object))];
}

/** Every program of `object`, by name (from the ELF file; nothing is loaded). */
export function programsOf(object: string): string[] {
  const o = BpfObject.open(bpfObject(object));
  try {
    return o.programInfos().map((p) => p.name);
  } finally {
    o.close();
  }
}

/**
 * Load each program of each object alone (its maps pinned under `pinRoot`),
 * with the verifier's statistics; a program that does not load is a row with
 * its error, never an exception.
 */
export function measurePrograms(pinRoot: string, objects: readonly string[] = agentObjects()): ProgramLoad[] {
  const rows: ProgramLoad[] = [];
  for (const object of objects) {
    for (const program of programsOf(object)) {
      const t0 = process.hrtime.bigint();
      let o: BpfObject | undefined;
      try {
        o = BpfObject.load(bpfObject(object), { pinRoot, programs: [program], verifierStats: true });
        const stats = o.verifierStats().find((s) => s.program === program);
        rows.push({ object, program, ok: true, loadMs: ms(t0), ...(stats ? { stats } : {}) });
      } catch (e: unknown) {
        const why = refusalReason(object, program, pinRoot);
        rows.push({ object, program, ok: false, error: why ? `${errorMessage(e)}: ${why}` : errorMessage(e), loadMs: ms(t0) });
      } finally {
        o?.close();
      }
    }
  }
  return rows;
}

/**
 * The verifier's words for a program it refused: loaded once more without
 * the statistics buffer (with it, libbpf hands the log to the buffer, and at
 * the statistics level the kernel writes no error text), so libbpf prints it.
 */
function refusalReason(object: string, program: string, pinRoot: string): string | null {
  try {
    BpfObject.load(bpfObject(object), { pinRoot, programs: [program] }).close();
    return null;
  } catch (e: unknown) {
    return e instanceof BpfError ? verifierReason(e.libbpfLog) : null;
  }
}

/** Pure: the verifier's own words for a refusal (the line before its statistics), if its log has them. */
export function verifierReason(log: string): string | null {
  const lines = log.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('libbpf:') && !l.startsWith('--'));
  const stats = lines.findIndex((l) => /^processed \d+ insns/.test(l));
  const candidates = stats > 0 ? lines.slice(0, stats) : lines;
  const named = candidates.find((l) => /unknown func|not allowed|too large|doesn't match|should have been|invalid (?:mem|access|argument type|bpf_context)/i.test(l));
  return named ?? (stats > 0 ? (candidates[candidates.length - 1] ?? null) : null);
}

function ms(t0: bigint): number {
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** Pure: one line per program, aligned, for logs and benchmarks. */
export function formatProgramLoads(rows: readonly ProgramLoad[]): string[] {
  return rows.map((r) => {
    const name = `${r.object}/${r.program}`.padEnd(48);
    if (!r.ok) return `${name} FAILED  ${r.error ?? ''}`.slice(0, 400);
    const s = r.stats;
    const insns = s ? `${s.insns}`.padStart(7) : '      ?';
    const pct = s ? `${((100 * s.insns) / VERIFIER_LIMIT).toFixed(1)}%`.padStart(6) : '';
    const states = s?.peakStates !== null && s?.peakStates !== undefined ? ` peak_states ${s.peakStates}` : '';
    const verify = s?.verifyUs !== null && s?.verifyUs !== undefined ? ` verify ${(s.verifyUs / 1000).toFixed(1)} ms` : '';
    return `${name} ${insns} insns ${pct} of the limit${states}${verify} load ${r.loadMs.toFixed(0)} ms`;
  });
}
