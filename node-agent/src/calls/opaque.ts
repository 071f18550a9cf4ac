/**
 * Connections that cannot carry a call. The kernel holds every write on a
 * covered stream connection it is not certain of, so the agent also sees
 * the bytes of protocols that are not HTTP at all (a database, Redis, TLS of
 * a library ziriz does not probe). A connection whose first bytes no HTTP
 * server and no JSON-RPC reader accepts as the start of a message is
 * opaque: an HTTP server refuses the whole connection, so nothing later on
 * it can be a call to one. Newline-delimited JSON-RPC readers skip a bad line
 * and read the next: on an opaque connection every line that starts like
 * JSON is still judged (see jsonLines). Pure.
 */

/** Token characters of an HTTP method (RFC 9110 tchar). */
const TCHAR = /^[!#$%&'*+.^_`|~0-9A-Za-z-]$/;

function skipSpace(b: Buffer): number {
  let i = 0;
  // UTF-8 BOM, UTF-16 BOMs: JSON readers strip them.
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) i = 3;
  else if ((b[0] === 0xff && b[1] === 0xfe) || (b[0] === 0xfe && b[1] === 0xff)) return -1;
  while (i < b.length && (b[i] === 0x20 || b[i] === 0x09 || b[i] === 0x0d || b[i] === 0x0a)) i++;
  return i;
}

/**
 * Could `first` (the first bytes seen of a connection) start an HTTP
 * request or a JSON text? Conservative: anything that might is treated as a
 * message start (judged); only bytes that cannot are opaque.
 */
export function mayStartMessage(first: Buffer): boolean {
  const i = skipSpace(first);
  if (i < 0) return true;                 // UTF-16 text: may be JSON
  if (i >= first.length) return true;     // only whitespace so far
  const c = first[i] ?? 0;
  if (c === 0x7b || c === 0x5b) return true;   // { [
  if (c === 0x00) return true;                 // UTF-16/32 without a BOM: may be JSON
  if (!TCHAR.test(String.fromCharCode(c))) return false;
  // A method token, then a space: a request line may follow; a token that runs into anything else cannot.
  let j = i;
  while (j < first.length && TCHAR.test(String.fromCharCode(first[j] ?? 0))) j++;
  if (j >= first.length) return true;          // the token goes on in the next write
  if (first[j] !== 0x20 && first[j] !== 0x09) return false;
  // A whole first line: it must read as a request line to any server ("METHOD target HTTP/x.y").
  const nl = first.indexOf(0x0a, j);
  if (nl < 0) return true;
  const line = first.subarray(i, nl).toString('latin1').replace(/\r$/, '');
  return REQUEST_LINE.test(line);
}

/** A request line as the most lenient server reads it (any token method, any target, HTTP/x.y; whitespace runs). */
const REQUEST_LINE = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+[ \t]+\S+[ \t]+HTTP\/\d\.\d[ \t]*$/i;

/** The lines of `data` that start (after whitespace) like JSON: what a line-delimited JSON-RPC reader would parse. */
export function jsonLines(data: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let start = 0;
  for (let i = 0; i <= data.length; i++) {
    if (i < data.length && data[i] !== 0x0a) continue;
    const line = data.subarray(start, i);
    const k = skipSpace(line);
    if (k >= 0 && k < line.length && (line[k] === 0x7b || line[k] === 0x5b)) out.push(line);
    start = i + 1;
  }
  return out;
}
