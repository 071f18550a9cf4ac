/**
 * How many complete HTTP/1.1 responses a client has read: heads, then bodies
 * by Content-Length or chunked framing (an interim 1xx counts for nothing; a
 * body that runs to the close is never complete). Lets a client stop reading
 * when a server keeps the connection open after its last answer.
 */
function chunkedEnd(buf: Buffer, from: number): number {
  let pos = from;
  for (;;) {
    const lineEnd = buf.indexOf('\r\n', pos);
    if (lineEnd < 0) return -1;
    const size = parseInt(buf.subarray(pos, lineEnd).toString('latin1').split(';')[0] ?? '', 16);
    if (!Number.isFinite(size)) return -1;
    if (size === 0) {
      const end = buf.indexOf('\r\n\r\n', lineEnd);
      return end < 0 ? -1 : end + 4;
    }
    pos = lineEnd + 2 + size + 2;
    if (pos > buf.length) return -1;
  }
}

export function completeResponses(buf: Buffer): number {
  let pos = 0;
  let n = 0;
  for (;;) {
    const headEnd = buf.indexOf('\r\n\r\n', pos);
    if (headEnd < 0) return n;
    const head = buf.subarray(pos, headEnd).toString('latin1').toLowerCase();
    const status = Number(/^http\/1\.[01] (\d{3})/.exec(head)?.[1] ?? 'NaN');
    if (!Number.isInteger(status)) return n;
    const bodyStart = headEnd + 4;
    let end: number;
    if (status < 200 || status === 204 || status === 304) end = bodyStart;
    else if (/\r\ntransfer-encoding:[^\r]*chunked/.test(head)) end = chunkedEnd(buf, bodyStart);
    else {
      const len = /\r\ncontent-length:\s*(\d+)/.exec(head)?.[1];
      if (len === undefined) return n; // delimited by the close
      end = bodyStart + Number(len) <= buf.length ? bodyStart + Number(len) : -1;
    }
    if (end < 0) return n;
    if (status >= 200) n++;
    pos = end;
  }
}
