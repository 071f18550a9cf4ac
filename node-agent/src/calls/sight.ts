/**
 * What ziriz sees of a process's calls, for the pod condition: the stacks
 * whose functions carry its probes (pure), or why it sees nothing.
 */
import type { Blindness } from './visibility.js';

/** A process as the condition lists it: its program's name, and what is probed in it or why nothing is. */
export type ProcessSight =
  | { readonly exe: string; readonly seen: readonly string[] }
  | { readonly exe: string; readonly blind: Blindness };

/** Probe program -> the stack it reads (closes and frees read nothing). */
const STACKS: readonly (readonly [RegExp, string])[] = [
  [/^ziriz_(ssl_write|recv_ssl_read)/, 'OpenSSL'],
  [/^ziriz_gnutls_send$/, 'GnuTLS'],
  [/^ziriz_(ssl_go_write|recv_go_tls_read)/, 'Go crypto/tls'],
  [/^ziriz_(libc_go_fd_write|recv_go_fd_read)/, 'plaintext (Go)'],
  [/^ziriz_(libc_write|recv_plain_read)/, 'plaintext (libc)'],
];

/** The stacks the attached probe programs read, in a fixed order, each once. */
export function stacksOf(programs: Iterable<string>): string[] {
  const have = [...programs];
  return STACKS.filter(([re]) => have.some((p) => re.test(p))).map(([, name]) => name).filter((n, i, all) => all.indexOf(n) === i);
}
