/**
 * Processes of the local cluster: each one started detached in its own process
 * group with its output in a log file, tracked by pid and start time (so a
 * stop never signals a recycled pid), stopped with SIGTERM then SIGKILL.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { ClusterProcessExitedError } from './errors.js';

/** What identifies a started process, also across harness invocations (hack/cluster/down). */
export interface ProcessRecord {
  readonly name: string;
  readonly pid: number;
  /** Field 22 of /proc/PID/stat: tells a live process from a recycled pid. */
  readonly startTicks: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly log: string;
}

export interface StartOptions {
  readonly log: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

function startTicksOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z') return undefined;
    return fields[19];
  } catch {
    return undefined;
  }
}

/** True while the recorded process (not a later one with the same pid) runs. */
export function isRunning(rec: ProcessRecord): boolean {
  return startTicksOf(rec.pid) === rec.startTicks;
}

/** The last `lines` lines of a log file ('' when it does not exist). */
export function tailFile(path: string, lines = 40): string {
  if (!existsSync(path)) return '';
  const text = readFileSync(path, 'utf8');
  return text.split('\n').slice(-lines - 1).join('\n');
}

export function startProcess(name: string, command: string, args: readonly string[], opts: StartOptions): ProcessRecord {
  const fd = openSync(opts.log, 'a');
  try {
    const child = spawn(command, args, {
      detached: true,
      stdio: ['ignore', fd, fd],
      env: opts.env ?? process.env,
      cwd: opts.cwd ?? '/',
    });
    child.unref();
    const pid = child.pid;
    const startTicks = pid === undefined ? undefined : startTicksOf(pid);
    if (pid === undefined || startTicks === undefined) {
      throw new ClusterProcessExitedError(name, null, null, tailFile(opts.log));
    }
    return { name, pid, startTicks, command, args, log: opts.log };
  } finally {
    closeSync(fd);
  }
}

/** Throw ClusterProcessExitedError (with the log tail) when the process is gone. */
export function assertRunning(rec: ProcessRecord): void {
  if (!isRunning(rec)) throw new ClusterProcessExitedError(rec.name, null, null, tailFile(rec.log));
}

async function waitGone(rec: ProcessRecord, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!isRunning(rec)) return true;
    await sleep(50);
  }
  return !isRunning(rec);
}

/** SIGTERM, wait up to graceMs, then SIGKILL; resolves once the process is gone. */
export async function stopProcess(rec: ProcessRecord, graceMs = 10_000): Promise<void> {
  if (!isRunning(rec)) return;
  try { process.kill(rec.pid, 'SIGTERM'); } catch { return; }
  if (await waitGone(rec, graceMs)) return;
  try { process.kill(rec.pid, 'SIGKILL'); } catch { return; }
  await waitGone(rec, 5_000);
}

/** Synchronous last resort for process exit handlers: SIGKILL if still the same process. */
export function killNow(rec: ProcessRecord): void {
  if (!isRunning(rec)) return;
  try { process.kill(rec.pid, 'SIGKILL'); } catch { /* already gone */ }
}
