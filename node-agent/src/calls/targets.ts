/**
 * Where a process's TLS and socket-send functions are, as paths the agent can
 * open: the executable (Node.js exports OpenSSL's SSL_write) and the TLS/libc
 * libraries it maps, or can map later (dlopen), inside its container's root
 * (/proc/PID/root/...). Pure parsing of /proc/PID/maps plus directory checks.
 */
import { existsSync, readFileSync, readlinkSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { GoProgram } from './go-symbols.js';

export interface ProbeTarget {
  /** Path the agent opens (through /proc/PID/root). */
  readonly binary: string;
  /** The function (for Go, its name in the program; the probe is at `offset`). */
  readonly symbol: string;
  readonly program: string;
  readonly retprobe?: boolean;
  /** File offset of the probed instruction (Go: an entry or one return instruction), instead of the symbol. */
  readonly offset?: number;
}

/** Which side of a process's calls is judged: what it sends (outbound rules), what it receives (inbound rules). */
export interface ProbeWants {
  readonly outbound: boolean;
  readonly inbound: boolean;
}

interface ProbedFunction {
  readonly symbol: string;
  readonly program: string;
  readonly side: 'outbound' | 'inbound';
  readonly retprobe?: boolean;
  /** Only with plaintext probes on (true) or off (false); absent: either way. */
  readonly plaintext?: boolean;
}

/**
 * Functions probed, by library kind. Outbound: entry probes (the call is
 * judged before it is sent). Inbound: SSL_read returns (the plaintext just
 * arrived, the server has not seen it), SSL_free, and the socket reads that
 * name the caller.
 */
export const PROBED_FUNCTIONS: Readonly<Record<'openssl' | 'gnutls' | 'libc', readonly ProbedFunction[]>> = {
  openssl: [
    { symbol: 'SSL_write', program: 'ziriz_ssl_write', side: 'outbound' },
    { symbol: 'SSL_write_ex', program: 'ziriz_ssl_write_ex', side: 'outbound' },
    // The connection's judged state goes with its SSL* (the next connection may get the same address).
    { symbol: 'SSL_free', program: 'ziriz_ssl_free', side: 'outbound' },
    { symbol: 'SSL_read', program: 'ziriz_recv_ssl_read', side: 'inbound' },
    { symbol: 'SSL_read', program: 'ziriz_recv_ssl_read_ret', side: 'inbound', retprobe: true },
    { symbol: 'SSL_read_ex', program: 'ziriz_recv_ssl_read_ex', side: 'inbound' },
    { symbol: 'SSL_read_ex', program: 'ziriz_recv_ssl_read_ex_ret', side: 'inbound', retprobe: true },
    { symbol: 'SSL_free', program: 'ziriz_recv_ssl_free', side: 'inbound' },
  ],
  gnutls: [
    { symbol: 'gnutls_record_send', program: 'ziriz_gnutls_send', side: 'outbound' },
    { symbol: 'gnutls_deinit', program: 'ziriz_gnutls_deinit', side: 'outbound' },
  ],
  libc: [
    { symbol: 'write', program: 'ziriz_libc_write', side: 'outbound', plaintext: true },
    { symbol: 'send', program: 'ziriz_libc_write', side: 'outbound', plaintext: true },
    { symbol: 'sendto', program: 'ziriz_libc_write', side: 'outbound', plaintext: true },
    { symbol: 'writev', program: 'ziriz_libc_writev', side: 'outbound', plaintext: true },
    // A closed fd's judged state goes with it, on both sides (the next socket may get the same fd).
    { symbol: 'close', program: 'ziriz_libc_close', side: 'outbound', plaintext: true },
    { symbol: 'close', program: 'ziriz_recv_close', side: 'inbound', plaintext: true },
    // Socket reads name the caller of a TLS server; with plaintext probes on they also judge what a plaintext server reads.
    ...['read', 'recv', 'recvfrom'].flatMap((symbol): ProbedFunction[] => [
      { symbol, program: 'ziriz_recv_sock_read', side: 'inbound', plaintext: false },
      { symbol, program: 'ziriz_recv_plain_read', side: 'inbound', plaintext: true },
      { symbol, program: 'ziriz_recv_plain_read_ret', side: 'inbound', plaintext: true, retprobe: true },
    ]),
    { symbol: 'recvmsg', program: 'ziriz_recv_sock_read', side: 'inbound' },
    { symbol: 'readv', program: 'ziriz_recv_sock_read', side: 'inbound' },
  ],
};
export type LibKind = keyof typeof PROBED_FUNCTIONS;

interface GoProbed {
  readonly fn: string;
  readonly program: string;
  readonly side: 'outbound' | 'inbound';
  /** entry, or every return instruction (Go stacks break under uretprobes). */
  readonly at: 'entry' | 'returns';
  readonly plaintext?: boolean;
}

/**
 * Go programs (crypto/tls and the runtime's socket I/O, found by
 * ziriz-gosym): the same sides as OpenSSL and libc, at file offsets.
 */
export const GO_PROBED: readonly GoProbed[] = [
  { fn: 'crypto/tls.(*Conn).Write', program: 'ziriz_ssl_go_write', side: 'outbound', at: 'entry' },
  { fn: 'crypto/tls.(*Conn).Close', program: 'ziriz_ssl_go_close', side: 'outbound', at: 'entry' },
  { fn: 'internal/poll.(*FD).Write', program: 'ziriz_libc_go_fd_write', side: 'outbound', at: 'entry', plaintext: true },
  { fn: 'internal/poll.(*FD).Close', program: 'ziriz_libc_go_fd_close', side: 'outbound', at: 'entry', plaintext: true },
  { fn: 'crypto/tls.(*Conn).Read', program: 'ziriz_recv_go_tls_read', side: 'inbound', at: 'entry' },
  { fn: 'crypto/tls.(*Conn).Read', program: 'ziriz_recv_go_tls_read_ret', side: 'inbound', at: 'returns' },
  { fn: 'crypto/tls.(*Conn).Close', program: 'ziriz_recv_go_tls_close', side: 'inbound', at: 'entry' },
  // Socket reads name the caller of a TLS server; with plaintext probes on they also judge what a plaintext server reads.
  { fn: 'internal/poll.(*FD).Read', program: 'ziriz_recv_go_fd_peer', side: 'inbound', at: 'entry', plaintext: false },
  { fn: 'internal/poll.(*FD).Read', program: 'ziriz_recv_go_fd_read', side: 'inbound', at: 'entry', plaintext: true },
  { fn: 'internal/poll.(*FD).Read', program: 'ziriz_recv_go_fd_read_ret', side: 'inbound', at: 'returns', plaintext: true },
  { fn: 'internal/poll.(*FD).Close', program: 'ziriz_recv_go_fd_close', side: 'inbound', at: 'entry', plaintext: true },
];

/** The probes of a Go program at `binary` for the sides wanted. */
export function goTargets(binary: string, prog: GoProgram, want: ProbeWants, plaintext: boolean): ProbeTarget[] {
  const out: ProbeTarget[] = [];
  for (const p of GO_PROBED) {
    if (!want[p.side] || (p.plaintext !== undefined && p.plaintext !== plaintext)) continue;
    const fn = prog.functions.get(p.fn);
    if (!fn) continue; // not linked in (a program without TLS)
    for (const offset of p.at === 'entry' ? [fn.entry] : fn.returns) out.push({ binary, symbol: p.fn, program: p.program, offset });
  }
  return out;
}

const LIB_DIRS = ['/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/lib/aarch64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/lib64', '/usr/lib64', '/lib', '/usr/lib'];
const LIB_NAMES: Readonly<Record<LibKind, readonly string[]>> = {
  openssl: ['libssl.so.3', 'libssl.so.1.1'],
  gnutls: ['libgnutls.so.30'],
  // glibc; musl (Alpine): the dynamic loader is the C library itself
  libc: ['libc.so.6', 'ld-musl-x86_64.so.1', 'ld-musl-aarch64.so.1'],
};

export function libKind(path: string): LibKind | null {
  const b = basename(path);
  if (b.startsWith("libssl.so")) return 'openssl';
  if (b.startsWith("libgnutls.so")) return 'gnutls';
  if (b.startsWith("libc.so") || /^libc-2\.\d+\.so$/.test(b)) return 'libc';
  // musl: Alpine maps /lib/ld-musl-<arch>.so.1 (libc.musl-<arch>.so.1 links to it); Debian's musl is .../libc.so
  if (/^ld-musl-[a-z0-9_]+\.so\.1$/.test(b) || /^libc\.musl-[a-z0-9_]+\.so\.1$/.test(b)) return 'libc';
  return null;
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** File-backed mappings of /proc/PID/maps (paths as the process sees them). */
export function mappedFiles(maps: string): string[] {
  const out = new Set<string>();
  for (const line of maps.split('\n')) {
    const path = line.split(/\s+/).slice(5).join(' ');
    if (path.startsWith('/') && !path.endsWith(' (deleted)')) out.add(path);
  }
  return [...out];
}

/**
 * Every probe target of process `pid` for the sides wanted, deduplicated by
 * (binary, program). `plaintext`: also the libc probes that judge plaintext
 * (sends of a client, reads of a server).
 */
export function probeTargets(
  pid: number,
  want: ProbeWants = { outbound: true, inbound: false },
  plaintext = true,
  goProgram: (path: string) => GoProgram | null = () => null,
): ProbeTarget[] {
  const root = `/proc/${pid}/root`;
  const targets = new Map<string, ProbeTarget>();
  const add = (inner: string, kind: LibKind): void => {
    for (const f of PROBED_FUNCTIONS[kind]) {
      if (!want[f.side] || (f.plaintext !== undefined && f.plaintext !== plaintext)) continue;
      const binary = `${root}${inner}`;
      targets.set(`${binary}#${f.symbol}#${f.program}`, { binary, symbol: f.symbol, program: f.program, ...(f.retprobe ? { retprobe: true } : {}) });
    }
  };
  let exe: string;
  try {
    exe = readlinkSync(`/proc/${pid}/exe`);
  } catch {
    return [];
  }
  // The executable may embed OpenSSL (Node.js, statically linked clients): try its symbols. Not
  // when it is no file the agent can open there (a memfd like runc init's, a deleted file).
  if (isFile(`${root}${exe}`)) {
    add(exe, 'openssl');
    // A Go program: its own crypto/tls and socket I/O.
    const go = goProgram(`${root}${exe}`);
    if (go) for (const t of goTargets(`${root}${exe}`, go, want, plaintext)) targets.set(`${t.binary}#${t.offset}#${t.program}`, t);
  }
  let maps: string;
  try {
    maps = readFileSync(`/proc/${pid}/maps`, 'utf8');
  } catch {
    maps = '';
  }
  const seenKinds = new Set<LibKind>();
  for (const f of mappedFiles(maps)) {
    const kind = libKind(f);
    if (kind) {
      add(f, kind);
      seenKinds.add(kind);
    }
  }
  // Not mapped yet (dlopen later, or exec held before the loader ran): the container's standard copies.
  for (const [kind, names] of Object.entries(LIB_NAMES) as [LibKind, readonly string[]][]) {
    if (seenKinds.has(kind)) continue;
    for (const dir of LIB_DIRS) {
      const hit = names.find((n) => existsSync(`${root}${dir}/${n}`));
      if (hit) {
        add(`${dir}/${hit}`, kind);
        break;
      }
    }
  }
  return [...targets.values()];
}
