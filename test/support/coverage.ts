/**
 * Markers for the coverage matrix of docs/threat-model.md ("Coverage as
 * tested"), which hack/coverage-matrix generates from them: a test that
 * asserts, on the server's record of what ran, that the calls of a runtime
 * over a transport are judged calls covers(...) in its body. A cell no test
 * claims reads "not tested". The call does nothing at run time; it is
 * source the generator reads (so a test deleted takes its cell with it).
 */
export const RUNTIMES = [
  'Node (its OpenSSL)',
  'Python (OpenSSL)',
  'Go (crypto/tls, own syscalls)',
  'C programs on the system OpenSSL (curl)',
  'plaintext through libc (glibc, musl)',
  'GnuTLS (gnutls-cli)',
  'forked children',
  'programs ziriz cannot see (static, rustls, JVM)',
] as const;
export type Runtime = (typeof RUNTIMES)[number];

export const TRANSPORTS = ['HTTP/1.1', 'HTTP/2', 'WebSocket', 'MCP 2026-07-28 headers', 'stdio child', 'Unix socket', 'server side'] as const;
export type Transport = (typeof TRANSPORTS)[number];

/** This test asserts that `runtime`'s calls over `transport` are judged; `how` says with what (a few words, no quotes). */
export function covers(runtime: Runtime, transport: Transport, how: string): readonly [Runtime, Transport, string] {
  return [runtime, transport, how];
}
