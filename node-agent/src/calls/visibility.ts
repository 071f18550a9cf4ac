/**
 * Which programs ziriz cannot see (their calls would pass unjudged): the
 * visibility gate refuses their TCP connects in pods whose calls are judged
 * (kernel map ziriz_blind, lib/sock_addr.h), unless the policies accept
 * egress-only protection (spec.visibility: EgressOnly). Decided per
 * executable when the agent probes a process:
 *   static  a statically linked executable that is neither a Go program
 *           ziriz reads nor exports OpenSSL: no libc or TLS library to probe
 *   go      a Go program whose functions ziriz-gosym could not find
 *   rustls  an executable that carries rustls (Rust's TLS, not probed)
 *   jvm     Java (JSSE is Java code) and .NET runtimes
 * Anything else uses a TLS library ziriz probes (OpenSSL, GnuTLS, loaded
 * now or later) or sends plaintext through libc, which ziriz probes too.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { libKind } from './targets.js';

export const BLINDNESS = { static: 1, go: 2, rustls: 3, jvm: 4 } as const;
export type Blindness = keyof typeof BLINDNESS;

export const BLINDNESS_WHY: Readonly<Record<Blindness, string>> = {
  static: 'a statically linked program ziriz has no probe for',
  go: 'a Go program whose TLS and socket functions ziriz could not find',
  rustls: 'a program with its own TLS stack (rustls), which ziriz does not probe',
  jvm: 'a Java or .NET runtime (its TLS is managed code), which ziriz does not probe',
};

const PT_INTERP = 3;
const SCAN_MAX = 512 * 1024 * 1024;
const CHUNK = 1 << 20;
const RUSTLS = Buffer.from('rustls');

/** Does the ELF file name a program interpreter (a dynamically linked executable)? null: not ELF. */
export function hasInterpreter(head: Buffer): boolean | null {
  if (head.length < 64 || head.readUInt32BE(0) !== 0x7f454c46) return null;
  const is64 = head[4] === 2;
  const le = head[5] === 1;
  const u16 = (o: number): number => (le ? head.readUInt16LE(o) : head.readUInt16BE(o));
  const u32 = (o: number): number => (le ? head.readUInt32LE(o) : head.readUInt32BE(o));
  const phoff = is64 ? Number(le ? head.readBigUInt64LE(32) : head.readBigUInt64BE(32)) : u32(28);
  const phentsize = u16(is64 ? 54 : 42);
  const phnum = u16(is64 ? 56 : 44);
  for (let i = 0; i < phnum; i++) {
    const at = phoff + i * phentsize;
    if (at + 4 > head.length) return null; // program headers past what was read: the caller reads more
    if (u32(at) === PT_INTERP) return true;
  }
  return false;
}

function readHead(fd: number, n: number): Buffer {
  const b = Buffer.alloc(n);
  return b.subarray(0, readSync(fd, b, 0, n, 0));
}

/** Does the file contain `needle` (read in chunks, up to SCAN_MAX bytes)? */
function contains(fd: number, size: number, needle: Buffer): boolean {
  const buf = Buffer.alloc(CHUNK + needle.length);
  let carry = 0;
  for (let pos = 0; pos < Math.min(size, SCAN_MAX); pos += CHUNK) {
    const n = readSync(fd, buf, carry, CHUNK, pos);
    if (n <= 0) break;
    if (buf.subarray(0, carry + n).includes(needle)) return true;
    buf.copy(buf, 0, carry + n - needle.length, carry + n);
    carry = needle.length;
  }
  return false;
}

export interface ExeFacts {
  /** The Go program ziriz-gosym read ('unreadable': it is Go, and could not be read; null: not Go). */
  readonly go: 'readable' | 'unreadable' | null;
  /** The executable itself exports OpenSSL's SSL_write (Node.js, static OpenSSL with symbols): probed. */
  readonly exportsSsl: boolean;
}

export class Visibility {
  private readonly cache = new Map<string, Blindness | null>();

  /** Why the program at `path` cannot be seen, or null when it can (or is no file ziriz can read). */
  blindness(path: string, facts: ExeFacts): Blindness | null {
    if (facts.go === 'readable') return null;
    if (facts.go === 'unreadable') return 'go';
    const name = basename(path);
    if (name === 'java' || name === 'dotnet' || path.includes('/jvm/')) return 'jvm';
    // A dynamic loader run as the program (`ld-musl-x86_64.so.1 prog`, `ld-linux-x86-64.so.2 prog`): no
    // PT_INTERP of its own, but it is the C library ziriz probes, and it maps the program's libraries.
    if (libKind(path) === 'libc' || /^ld-linux[-.a-z0-9_]*\.so(\.\d+)*$/.test(name)) return null;
    let key: string;
    let size: number;
    try {
      const st = statSync(path);
      key = `${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${facts.exportsSsl ? 1 : 0}`;
      size = st.size;
    } catch {
      return null;
    }
    const known = this.cache.get(key);
    if (known !== undefined) return known;
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch {
      return null;
    }
    let out: Blindness | null;
    try {
      const head = readHead(fd, 64 * 1024);
      const dynamic = hasInterpreter(head);
      if (dynamic === null) out = null; // not ELF (a script: its interpreter is what runs)
      else if (facts.exportsSsl) out = null; // its TLS is the OpenSSL it exports
      else if (!dynamic) out = 'static';
      else out = contains(fd, size, RUSTLS) ? 'rustls' : null;
    } finally {
      closeSync(fd);
    }
    if (this.cache.size >= 4096) this.cache.clear();
    this.cache.set(key, out);
    return out;
  }
}
