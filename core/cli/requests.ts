/**
 * Test cases for `ziriz policy test`: a request, an optional name and an
 * optional expected verdict. A requests file holds a list of cases (YAML or
 * JSON, possibly several documents, or `{ requests: [...] }`); a case is
 * either `{ name?, request, expect? }` or a bare request object.
 */
import type { VerdictName } from '../policy/evaluate.js';
import { CliInputError } from './errors.js';
import { yamlDocuments } from './load.js';

export interface TestCase {
  readonly name?: string;
  readonly request: unknown;
  readonly expect?: VerdictName;
  /** Judge by the policies' inbound rules (a call received by the selected pods; target = the caller). */
  readonly inbound?: boolean;
}

const VERDICTS: readonly string[] = ['allow', 'deny', 'audit'];

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function toCase(source: string, index: number, item: unknown): TestCase {
  if (!isObject(item) || !('request' in item)) return { request: item };
  const { name, request, expect, inbound } = item;
  if (name !== undefined && typeof name !== 'string') throw new CliInputError(source, `case ${index}: name must be a string`);
  if (inbound !== undefined && typeof inbound !== 'boolean') throw new CliInputError(source, `case ${index}: inbound must be true or false`);
  if (expect !== undefined && (typeof expect !== 'string' || !VERDICTS.includes(expect.toLowerCase()))) {
    throw new CliInputError(source, `case ${index}: expect must be one of allow, deny, audit`);
  }
  return {
    request,
    ...(name === undefined ? {} : { name }),
    ...(expect === undefined ? {} : { expect: expect.toLowerCase() as VerdictName }),
    ...(inbound === true ? { inbound } : {}),
  };
}

export function parseCases(source: string, text: string): TestCase[] {
  const docs = yamlDocuments(source, text);
  const items = docs.flatMap((d) => (Array.isArray(d) ? (d as unknown[]) : isObject(d) && Array.isArray(d.requests) ? (d.requests as unknown[]) : [d]));
  return items.map((item, i) => toCase(source, i, item));
}

/** A short label for a request in the output. */
export function describeRequest(request: unknown): string {
  if (!isObject(request)) return request === undefined ? 'undefined' : JSON.stringify(request);
  const t = isObject(request.target) ? request.target : {};
  const str = (v: unknown): string => (typeof v === 'string' || typeof v === 'number' ? String(v) : '?');
  switch (request.kind) {
    case 'mcp':
      return `mcp ${str(request.tool)} ${JSON.stringify(request.arguments ?? {})}`;
    case 'a2a':
      return `a2a ${str(request.method)}`;
    case 'http':
      return `http ${str(request.method)} ${str(request.path)}`;
    case 'egress':
      return `egress ${str(t.ip)}:${str(t.port)}${typeof t.protocol === 'string' ? `/${t.protocol}` : ''}`;
    case 'exec':
    case 'file':
      return `${request.kind} ${str(request.path)}`;
    default:
      return JSON.stringify(request).slice(0, 80);
  }
}
