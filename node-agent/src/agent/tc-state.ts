/**
 * TC attachments outlive the agent (filters stay in the kernel, so enforcement
 * does not lapse while it restarts). Their bookkeeping is kept in a small file
 * on a tmpfs (/run/ziriz by default, like the filters it lasts until reboot),
 * so a restarted agent knows which ones are its own and whether it created
 * the clsact qdisc.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { TcState } from '../bpf/tc.js';

export interface TcRecord extends TcState {
  readonly ifname: string;
  readonly podUid: string;
}

export function loadTcState(file: string): TcRecord[] {
  try {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    return Array.isArray(parsed) ? (parsed as TcRecord[]).filter((r) => typeof r.ifindex === 'number') : [];
  } catch {
    return [];
  }
}

export function saveTcState(file: string, records: readonly TcRecord[]): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.tmp`;
  writeFileSync(tmp, JSON.stringify(records));
  renameSync(tmp, file);
}
