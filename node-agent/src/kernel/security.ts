/** LSM and lockdown state, from securityfs. */
import { readFileSync } from 'node:fs';

/** Active LSMs in order, e.g. ["lockdown","capability","landlock","bpf"]; null if unreadable. */
export function activeLsms(path = '/sys/kernel/security/lsm'): string[] | null {
  try {
    return readFileSync(path, 'utf8').trim().split(',').filter((s) => s.length > 0);
  } catch {
    return null;
  }
}

/** Parse "none [integrity] confidentiality" to the selected mode. */
export function parseLockdown(text: string): string | null {
  const m = /\[([a-z]+)\]/.exec(text);
  return m?.[1] ?? null;
}

export function lockdownMode(path = '/sys/kernel/security/lockdown'): string | null {
  try {
    return parseLockdown(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}
