/**
 * A request body's bytes to the texts servers read from it:
 *
 *   Content-Encoding   undone like body-parser (express.json) does: gzip,
 *                      x-gzip, deflate (zlib or raw), br, zstd, identity;
 *                      several codings undone last first; bounded output.
 *   charset            every reading a mainstream server makes: the
 *                      declared charset (body-parser via iconv, BOM
 *                      stripped), Python's json.loads(bytes) (encoding
 *                      detected from a BOM or the NUL pattern, as in
 *                      json.detect_encoding), and the raw UTF-8 reading of
 *                      servers that ignore the charset (Go, the MCP SDK's
 *                      TextDecoder; a BOM kept is a JSON syntax error).
 *
 * The caller judges a body only when all readings that are JSON agree.
 * Pure; errors are `problem` strings that name what was not understood.
 */
import { isAscii } from 'node:buffer';
import { brotliDecompressSync, gunzipSync, inflateRawSync, inflateSync, zstdDecompressSync, type ZlibOptions } from 'node:zlib';

/** Decoded body size at most (beyond: a compression bomb, or nothing the agent judges). */
export const MAX_DECODED_BYTES = 16 * 1024 * 1024;

export interface Reading {
  /** Who reads the body this way, for messages. */
  readonly label: string;
  readonly text: string;
}

export type Decoded = { readonly ok: true; readonly readings: readonly Reading[] } | { readonly ok: false; readonly problem: string };

class DecodeProblem extends Error {}

const LIMIT: ZlibOptions = { maxOutputLength: MAX_DECODED_BYTES };

function inflateEither(b: Buffer): Buffer {
  try {
    return inflateSync(b, LIMIT);
  } catch (e: unknown) {
    if (isTooLarge(e)) throw e;
    return inflateRawSync(b, LIMIT); // "deflate" sent as a raw stream (no zlib header)
  }
}

const CODINGS: Readonly<Record<string, (b: Buffer) => Buffer>> = {
  gzip: (b) => gunzipSync(b, LIMIT),
  'x-gzip': (b) => gunzipSync(b, LIMIT),
  deflate: inflateEither,
  br: (b) => brotliDecompressSync(b, { maxOutputLength: MAX_DECODED_BYTES }),
  zstd: (b) => zstdDecompressSync(b, { maxOutputLength: MAX_DECODED_BYTES }),
};

function isTooLarge(e: unknown): boolean {
  return e instanceof RangeError || (e instanceof Error && (e as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE');
}

/** Undo the codings of a Content-Encoding header (listed in the order applied). */
export function contentDecode(body: Buffer, header: string | undefined): Buffer {
  const codings = (header ?? '').split(',').map((s) => s.trim().toLowerCase()).filter((s) => s !== '' && s !== 'identity');
  let out = body;
  for (const coding of codings.reverse()) {
    const undo = Object.prototype.hasOwnProperty.call(CODINGS, coding) ? CODINGS[coding] : undefined;
    if (undo === undefined) throw new DecodeProblem(`unsupported Content-Encoding ${JSON.stringify(coding)}`);
    try {
      out = undo(out);
    } catch (e: unknown) {
      if (isTooLarge(e)) throw new DecodeProblem(`Content-Encoding ${coding}: the body decodes to more than 16 MiB`);
      throw new DecodeProblem(`Content-Encoding ${coding}: the body does not decode (${e instanceof Error ? e.message : String(e)})`);
    }
  }
  return out;
}

/** The charset parameter of a Content-Type (lower-case), undefined when none; a problem when given twice. */
export function charsetOf(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  const found = new Set<string>();
  for (const param of contentType.split(';').slice(1)) {
    const eq = param.indexOf('=');
    if (eq < 0 || param.slice(0, eq).trim().toLowerCase() !== 'charset') continue;
    found.add(param.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1').toLowerCase());
  }
  if (found.size > 1) throw new DecodeProblem(`Content-Type names ${found.size} charsets (${[...found].join(', ')})`);
  return [...found][0];
}

const stripBom = (s: string): string => (s.startsWith('\uFEFF') ? s.slice(1) : s);

function utf16(b: Buffer, bigEndian: boolean): string | undefined {
  if (b.length % 2 !== 0) return undefined;
  const le = bigEndian ? Buffer.from(b).swap16() : b;
  return le.toString('utf16le'); // lone surrogates kept (Python's surrogatepass)
}

function utf32(b: Buffer, bigEndian: boolean): string | undefined {
  if (b.length % 4 !== 0) return undefined;
  const parts: string[] = [];
  for (let i = 0; i < b.length; i += 4 * 4096) {
    const cps: number[] = [];
    for (let j = i; j < Math.min(b.length, i + 4 * 4096); j += 4) {
      const cp = bigEndian ? b.readUInt32BE(j) : b.readUInt32LE(j);
      if (cp > 0x10ffff) return undefined;
      cps.push(cp);
    }
    parts.push(String.fromCodePoint(...cps));
  }
  return parts.join('');
}

function strictUtf8(b: Buffer): string | undefined {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(b);
  } catch {
    return undefined;
  }
}

/** The BOM or, without one, the byte order the NUL pattern of ASCII text gives. */
function utf16Order(b: Buffer): boolean {
  if (b[0] === 0xfe && b[1] === 0xff) return true;
  if (b[0] === 0xff && b[1] === 0xfe) return false;
  return b[0] === 0 && b[1] !== 0;
}

function utf32Order(b: Buffer): boolean {
  if (b[0] === 0 && b[1] === 0 && b[2] === 0xfe && b[3] === 0xff) return true;
  if (b[0] === 0xff && b[1] === 0xfe && b[2] === 0 && b[3] === 0) return false;
  return b[0] === 0 && b[1] === 0;
}

const CHARSETS: Readonly<Record<string, (b: Buffer) => string | undefined>> = {
  'utf-8': (b) => b.toString('utf8'),
  'utf-16le': (b) => utf16(b, false),
  'utf-16be': (b) => utf16(b, true),
  'utf-16': (b) => utf16(b, utf16Order(b)),
  'utf-32le': (b) => utf32(b, false),
  'utf-32be': (b) => utf32(b, true),
  'utf-32': (b) => utf32(b, utf32Order(b)),
  latin1: (b) => b.toString('latin1'),
};

const ALIASES: Readonly<Record<string, string>> = {
  utf8: 'utf-8', 'unicode-1-1-utf-8': 'utf-8',
  utf16le: 'utf-16le', 'ucs-2': 'utf-16le', ucs2: 'utf-16le', utf16be: 'utf-16be', utf16: 'utf-16',
  utf32le: 'utf-32le', utf32be: 'utf-32be', utf32: 'utf-32',
  'iso-8859-1': 'latin1', iso88591: 'latin1', 'iso_8859-1': 'latin1', 'latin-1': 'latin1', l1: 'latin1', cp819: 'latin1',
  // 7-bit: the same bytes as latin1 below 0x80; a byte above differs from the UTF-8 reading, so it is caught there.
  'us-ascii': 'latin1', ascii: 'latin1',
};

/** Python's json.detect_encoding, then its decode (strict UTF-8; surrogates passed). */
function pythonReading(b: Buffer): string | undefined {
  const [b0, b1, b2, b3] = [b[0], b[1], b[2], b[3]];
  if ((b0 === 0 && b1 === 0 && b2 === 0xfe && b3 === 0xff) || (b0 === 0xff && b1 === 0xfe && b2 === 0 && b3 === 0)) return utf32(b.subarray(4), b0 === 0);
  if ((b0 === 0xfe && b1 === 0xff) || (b0 === 0xff && b1 === 0xfe)) return utf16(b.subarray(2), b0 === 0xfe);
  if (b0 === 0xef && b1 === 0xbb && b2 === 0xbf) return strictUtf8(b.subarray(3));
  if (b.length >= 4) {
    if (b0 === 0) return b1 !== 0 ? utf16(b, true) : utf32(b, true);
    if (b1 === 0) return b2 !== 0 || b3 !== 0 ? utf16(b, false) : utf32(b, false);
  } else if (b.length === 2) {
    if (b0 === 0) return utf16(b, true);
    if (b1 === 0) return utf16(b, false);
  }
  return strictUtf8(b);
}

/** The distinct texts servers read from (decoded) bytes with this charset (undefined: none declared). */
export function readingsOf(bytes: Buffer, charset: string | undefined): Reading[] {
  const name = charset === undefined ? 'utf-8' : (ALIASES[charset] ?? charset);
  const decode = Object.prototype.hasOwnProperty.call(CHARSETS, name) ? CHARSETS[name] : undefined;
  if (decode === undefined) throw new DecodeProblem(`unsupported charset ${JSON.stringify(charset)} in Content-Type`);
  // The common case: ASCII without NULs reads the same in UTF-8, latin1 and Python's detection.
  if ((name === 'utf-8' || name === 'latin1') && isAscii(bytes) && !bytes.subarray(0, 4).includes(0)) {
    return [{ label: charset === undefined ? 'UTF-8 (no charset given)' : `charset ${charset}`, text: bytes.toString('latin1') }];
  }
  const declared = decode(bytes);
  const all: { label: string; text: string | undefined }[] = [
    { label: charset === undefined ? 'UTF-8 (no charset given)' : `charset ${charset}`, text: declared === undefined ? undefined : stripBom(declared) },
    { label: "Python's json.loads (encoding detected from the bytes)", text: pythonReading(bytes) },
    { label: 'UTF-8 (servers that ignore the charset)', text: bytes.toString('utf8') },
  ];
  const out: Reading[] = [];
  for (const r of all) if (r.text !== undefined && !out.some((o) => o.text === r.text)) out.push({ label: r.label, text: r.text });
  if (out.length === 0) throw new DecodeProblem(`the body is not valid ${charset ?? 'UTF-8'}`);
  return out;
}

/** The readings of a body given its headers (none: a body seen without them). */
export function decodeBody(body: Buffer, headers?: ReadonlyMap<string, string>): Decoded {
  try {
    const bytes = contentDecode(body, headers?.get('content-encoding'));
    return { ok: true, readings: readingsOf(bytes, charsetOf(headers?.get('content-type'))) };
  } catch (e: unknown) {
    if (e instanceof DecodeProblem) return { ok: false, problem: e.message };
    throw e;
  }
}
