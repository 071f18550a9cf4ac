/**
 * A watch stream's body, decoded: newline-delimited JSON objects
 * `{"type":"ADDED","object":{...}}` arriving in chunks that split lines (and
 * UTF-8 characters) anywhere. A line that is not a watch event is a
 * KubeDecodeError, thrown to the reader of the stream, never out of it.
 */
import { StringDecoder } from 'node:string_decoder';
import { KubeDecodeError } from './errors.js';
import { WATCH_EVENT_TYPES, type KubeObject, type WatchEvent, type WatchEventType } from './types.js';

/** Longest line accepted (a single object); longer means the stream is not what we think. */
export const MAX_WATCH_LINE = 16 * 1024 * 1024;

const TYPES: ReadonlySet<string> = new Set(WATCH_EVENT_TYPES);

/** One line of a watch stream as an event, or KubeDecodeError. */
export function decodeWatchEvent<T extends KubeObject>(line: string, op = 'watch'): WatchEvent<T> {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch (e: unknown) {
    throw new KubeDecodeError(op, 'watch line is not JSON', line, e);
  }
  if (typeof v !== 'object' || v === null) throw new KubeDecodeError(op, 'watch line is not an object', line);
  const { type, object } = v as { type?: unknown; object?: unknown };
  if (typeof type !== 'string' || !TYPES.has(type)) throw new KubeDecodeError(op, `unknown watch event type ${String(type)}`, line);
  if (typeof object !== 'object' || object === null || Array.isArray(object)) throw new KubeDecodeError(op, `${type} event without an object`, line);
  return { type: type as WatchEventType, object } as WatchEvent<T>;
}

/** Splits chunks into whole lines; keeps the unfinished tail for the next chunk. */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  /** The unfinished line, in pieces (joined once, when its newline comes). */
  private tail: string[] = [];
  private tailLength = 0;

  constructor(private readonly op = 'watch', private readonly maxLine = MAX_WATCH_LINE) {}

  /** The complete, non-blank lines this chunk finishes. */
  push(chunk: Buffer | string): string[] {
    const text = typeof chunk === 'string' ? chunk : this.decoder.write(chunk);
    const parts = text.split('\n');
    const last = parts.pop() ?? '';
    const lines: string[] = [];
    if (parts.length > 0) {
      lines.push(this.tail.join('') + (parts[0] ?? ''), ...parts.slice(1));
      this.tail = [];
      this.tailLength = 0;
    }
    if (last !== '') {
      this.tail.push(last);
      this.tailLength += last.length;
      if (this.tailLength > this.maxLine) throw new KubeDecodeError(this.op, `watch line longer than ${this.maxLine} characters`, this.tail[0] ?? '');
    }
    return lines.filter((l) => l.trim() !== '');
  }

  /** What is left at the end of the stream (an unterminated last line), or ''. */
  end(): string {
    const rest = (this.tail.join('') + this.decoder.end()).trim();
    this.tail = [];
    this.tailLength = 0;
    return rest;
  }
}

/** Chunks in, events out: LineSplitter + decodeWatchEvent, one line at a time (a bad line throws after the good ones before it). */
export class WatchDecoder<T extends KubeObject> {
  private readonly lines: LineSplitter;

  constructor(private readonly op = 'watch', maxLine = MAX_WATCH_LINE) {
    this.lines = new LineSplitter(op, maxLine);
  }

  *push(chunk: Buffer | string): Generator<WatchEvent<T>> {
    for (const l of this.lines.push(chunk)) yield decodeWatchEvent<T>(l, this.op);
  }

  /** The last line when the stream ended without a newline after it. */
  *end(): Generator<WatchEvent<T>> {
    const rest = this.lines.end();
    if (rest !== '') yield decodeWatchEvent<T>(rest, this.op);
  }
}
