/**
 * `ziriz policy test`: judge requests against policies the way the node
 * agent will, one line per verdict; with expectations, exit 1 when any
 * verdict differs (in the spirit of `kyverno test` and `cilium policy trace`).
 */
import { compile } from '../policy/compile.js';
import type { CompiledPolicySet } from '../policy/compiled.js';
import { evaluate } from '../policy/evaluate.js';
import type { PolicyVerdict } from '../policy/evaluate.js';
import type { AgentPolicy } from '../policy/model.js';
import { policyRef } from '../policy/model.js';
import { selectPolicies } from '../policy/select.js';
import { CliInputError } from './errors.js';
import type { ReadText } from './load.js';
import { loadPolicies, readOrFail } from './load.js';
import type { TestCase } from './requests.js';
import { describeRequest, parseCases } from './requests.js';

export interface Io {
  readonly out: (line: string) => void;
  readonly err: (line: string) => void;
  readonly read: ReadText;
}

export interface TestOptions {
  readonly files: readonly string[];
  readonly requests: readonly string[];
  /** --request values are calls received by the selected pods (judged by inbound rules). */
  readonly inbound?: boolean;
  readonly requestFiles: readonly string[];
  readonly json: boolean;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The policies a request is judged by: those selecting `identity` when it has labels, else all. */
function policiesFor(all: readonly AgentPolicy[], request: unknown): AgentPolicy[] {
  const identity = isObject(request) && isObject(request.identity) ? request.identity : undefined;
  const labels = identity !== undefined && isObject(identity.labels) ? identity.labels : undefined;
  if (labels === undefined) return [...all];
  const stringLabels = Object.fromEntries(Object.entries(labels).filter((e): e is [string, string] => typeof e[1] === 'string'));
  const ns = typeof identity?.namespace === 'string' ? identity.namespace : undefined;
  return ns === undefined
    ? all.filter((p) => selectPolicies([p], { namespace: p.namespace, labels: stringLabels }).length > 0)
    : selectPolicies(all, { namespace: ns, labels: stringLabels });
}

function loadCases(opts: TestOptions, read: ReadText): TestCase[] {
  const cases: TestCase[] = [];
  opts.requests.forEach((text, i) => {
    let request: unknown;
    try {
      request = JSON.parse(text);
    } catch (err) {
      throw new CliInputError(`--request #${i + 1}`, 'not valid JSON', { cause: err });
    }
    cases.push(...parseCases(`--request #${i + 1}`, JSON.stringify([opts.inbound === true ? { request, inbound: true } : request])));
  });
  for (const file of opts.requestFiles) cases.push(...parseCases(file, readOrFail(file, read)));
  return cases;
}

function line(c: TestCase, v: PolicyVerdict): string {
  const status = c.expect === undefined ? '-   ' : c.expect === v.verdict ? 'ok  ' : 'FAIL';
  const verdict = v.verdict.toUpperCase().padEnd(5);
  const rule = v.policy === '' && v.rule === '' ? '-' : `${v.policy === '' ? '-' : v.policy} ${v.rule === '' ? '-' : v.rule}`;
  const miss = c.expect !== undefined && c.expect !== v.verdict ? ` (expected ${c.expect.toUpperCase()})` : '';
  return `${status} ${verdict} ${c.inbound === true ? 'inbound ' : ''}${c.name ?? describeRequest(c.request)} | ${rule} | ${v.reason}${miss}`;
}

/** A case by the set's outbound rules, or its inbound rules (none: nothing covers the call). */
function judge(s: CompiledPolicySet, c: TestCase): PolicyVerdict {
  if (c.inbound !== true) return evaluate(s, c.request);
  if (s.inbound === undefined) return { verdict: 'allow', policy: '', rule: '', ruleId: 0, reason: 'no inbound rules cover this' };
  return evaluate(s.inbound, c.request);
}

/** Returns the exit code: 0 all as expected, 1 some verdict unexpected. */
export function policyTest(opts: TestOptions, io: Io): number {
  const policies = loadPolicies(opts.files, io.read);
  if (policies.length === 0) throw new CliInputError(opts.files.join(', '), 'no AgentPolicy found');
  const cases = loadCases(opts, io.read);
  if (cases.length === 0) throw new CliInputError('requests', 'no requests given (use --request or --requests)');
  const sets = new Map<string, CompiledPolicySet>();
  let unexpected = 0;
  for (const c of cases) {
    const chosen = policiesFor(policies, c.request);
    const key = chosen.map(policyRef).join(',');
    let s = sets.get(key);
    if (s === undefined) {
      s = compile(chosen);
      sets.set(key, s);
    }
    const v = judge(s, c);
    if (c.expect !== undefined && c.expect !== v.verdict) unexpected++;
    io.out(opts.json ? JSON.stringify({ name: c.name ?? describeRequest(c.request), expect: c.expect, ...v }) : line(c, v));
  }
  const expected = cases.filter((c) => c.expect !== undefined).length;
  if (!opts.json) {
    io.out(expected === 0 ? `${cases.length} requests judged` : `${cases.length} requests: ${expected - unexpected} as expected, ${unexpected} unexpected`);
  }
  return unexpected === 0 ? 0 : 1;
}
