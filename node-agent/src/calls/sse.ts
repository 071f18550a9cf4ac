/**
 * Server-Sent Events (text/event-stream), as MCP Streamable HTTP and A2A
 * streaming send JSON-RPC messages: each event's `data:` lines, joined by
 * newlines, carry one message. Parsing follows the WHATWG event-stream rules
 * (a leading BOM skipped; CRLF, LF or CR line ends; `:` comments; one
 * optional space after the colon; an event ends at a blank line). Pure.
 *
 * ziriz meets SSE when a protected pod *serves* a stream (an agent that is
 * also an MCP server or an A2A agent): its writes are responses, and only a
 * JSON-RPC request inside them (a method the policy covers) could be a call.
 */
export interface SseEvent {
  readonly event: string;
  readonly data: string;
  readonly id?: string;
}

export interface SseParse {
  readonly events: readonly SseEvent[];
  /** Text after the last complete event (an event still being written). */
  readonly rest: string;
}

const FIELD_RE = /^(event|data|id|retry)(:|$)/;
const MAX_EVENTS = 1024;

/** Does this text start like an event stream (a field line or a comment)? */
export function looksLikeSse(text: string): boolean {
  const first = /^\uFEFF?([^\r\n]*)/.exec(text)?.[1] ?? '';
  return first.startsWith(':') || FIELD_RE.test(first);
}

/** Complete events of `text`, in order (at most MAX_EVENTS), and what is left. */
export function parseSse(text: string): SseParse {
  const events: SseEvent[] = [];
  let event = '';
  let data: string[] = [];
  let id: string | undefined;
  // A stream may start with a UTF-8 BOM, which is skipped (WHATWG).
  let pos = text.startsWith('\uFEFF') ? 1 : 0;
  let consumed = 0;
  const lineEnd = /\r\n|\n|\r/g;
  while (events.length < MAX_EVENTS) {
    lineEnd.lastIndex = pos;
    const m = lineEnd.exec(text);
    if (!m) break;
    // A lone CR at the very end may be the first half of a CRLF still to come.
    if (m[0] === '\r' && m.index === text.length - 1) break;
    const line = text.slice(pos, m.index);
    pos = m.index + m[0].length;
    if (line === '') {
      if (data.length > 0) events.push({ event: event === '' ? 'message' : event, data: data.join('\n'), ...(id !== undefined ? { id } : {}) });
      event = '';
      data = [];
      id = undefined;
      consumed = pos;
      continue;
    }
    if (line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
    else if (field === 'id' && !value.includes('\0')) id = value;
    // retry and unknown fields: nothing to keep
  }
  return { events, rest: text.slice(consumed) };
}
