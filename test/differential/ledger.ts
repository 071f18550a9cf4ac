/**
 * The side-effect ledger each real server appends to (JSON lines): one line
 * per tool or REST route it EXECUTED. An entry is judged by the same policy
 * as the agent's calls, in the canonical form of what the server did (the
 * tool it ran with its arguments; the route with the limit it used), so a
 * "denied execution" is a side effect the policy forbids.
 */
import { readFileSync } from 'node:fs';
import type { CompiledPolicySet } from '../../core/policy/compiled.js';
import { evaluate } from '../../core/policy/evaluate.js';

export type LedgerEntry =
  | { readonly server: string; readonly kind: 'tool'; readonly name: string; readonly arguments: Readonly<Record<string, unknown>> | null }
  | { readonly server: string; readonly kind: 'rest'; readonly method: string; readonly path: string; readonly query: string; readonly limit: number | null };

export function describeEntry(e: LedgerEntry): string {
  return e.kind === 'tool' ? `tools/call ${e.name} ${JSON.stringify(e.arguments)}` : `${e.method} ${e.path}?${e.query} (limit ${String(e.limit)})`;
}

/** Is what the server did denied by the policy? */
export function deniedExecution(set: CompiledPolicySet, e: LedgerEntry): boolean {
  const request = e.kind === 'tool'
    ? { kind: 'mcp', tool: e.name, arguments: e.arguments ?? {} }
    : { kind: 'http', method: e.method, path: `/api/v2/customers${e.limit === null ? '' : `?limit=${e.limit}`}` };
  return evaluate(set, request).verdict === 'deny';
}

/** A ledger file read incrementally: each take() returns the lines appended since the last one. */
export class Ledger {
  private seen = 0;

  constructor(readonly file: string) {}

  all(): LedgerEntry[] {
    return readFileSync(this.file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as LedgerEntry);
  }

  take(): LedgerEntry[] {
    const all = this.all();
    const fresh = all.slice(this.seen);
    this.seen = all.length;
    return fresh;
  }
}
