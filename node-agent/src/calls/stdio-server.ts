/**
 * The stdio server a protected process wrote a call to (the kernel names it
 * by tgid: the process that had the pipe or socket as its stdin when it
 * executed, bpf/lib/fd.h), named for Events from its command line.
 */
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';

const MAX_WORDS = 3;
const MAX_LENGTH = 96;

/** "node customer-mcp-stdio.js (pid 123)": the first words of argv, paths shortened to their last part (pure). */
export function describeStdioServer(pid: number, argv: readonly string[]): string {
  const words = argv.slice(0, MAX_WORDS).map((w) => (w.includes('/') && !w.endsWith('/') ? basename(w) : w)).join(' ');
  const cut = words.length > MAX_LENGTH ? `${words.slice(0, MAX_LENGTH - 1)}…` : words;
  return cut === '' ? `pid ${String(pid)}` : `${cut} (pid ${String(pid)})`;
}

/** The stdio server's name from /proc/PID/cmdline; "pid N" when it has gone (or is a kernel thread). */
export function stdioServerName(pid: number, proc = '/proc'): string {
  try {
    return describeStdioServer(pid, readFileSync(`${proc}/${String(pid)}/cmdline`, 'latin1').split('\0').filter((w) => w !== ''));
  } catch {
    return describeStdioServer(pid, []);
  }
}
