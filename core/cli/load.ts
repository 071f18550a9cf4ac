/**
 * Reading policies and requests from files: multi-document YAML (or JSON,
 * which is YAML). Documents of other kinds are skipped, so a whole manifest
 * can be given; `kind: List` items are read too.
 */
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { parseAgentPolicy } from '../policy/parse.js';
import type { AgentPolicy } from '../policy/model.js';
import { KIND } from '../policy/model.js';
import { PolicyInvalidError } from '../policy/errors.js';
import { CliInputError } from './errors.js';

export type ReadText = (file: string) => string;

export const readText: ReadText = (file) => readFileSync(file === '-' ? 0 : file, 'utf8');

export function yamlDocuments(file: string, text: string): unknown[] {
  const docs = parseAllDocuments(text);
  const out: unknown[] = [];
  for (const d of docs) {
    const first = d.errors[0];
    if (first !== undefined) throw new CliInputError(file, `not valid YAML: ${first.message}`);
    const value: unknown = d.toJS({ maxAliasCount: 100 });
    if (value !== null && value !== undefined) out.push(value);
  }
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function flatten(docs: unknown[]): unknown[] {
  return docs.flatMap((d) => (isObject(d) && d.kind === 'List' && Array.isArray(d.items) ? (d.items as unknown[]) : [d]));
}

/** Every AgentPolicy in the files, validated (PolicyInvalidError names the file). */
export function loadPolicies(files: readonly string[], read: ReadText = readText): AgentPolicy[] {
  const out: AgentPolicy[] = [];
  for (const file of files) {
    for (const d of flatten(yamlDocuments(file, readOrFail(file, read)))) {
      if (!isObject(d) || d.kind !== KIND) continue;
      try {
        out.push(parseAgentPolicy(d));
      } catch (err) {
        if (err instanceof PolicyInvalidError) throw new CliInputError(file, err.message, { cause: err });
        throw err;
      }
    }
  }
  return out;
}

export function readOrFail(file: string, read: ReadText): string {
  try {
    return read(file);
  } catch (err) {
    throw new CliInputError(file, `cannot read: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, { cause: err });
  }
}
