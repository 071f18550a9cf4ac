/**
 * A ziriz component run as a real child process by the cluster tests: its
 * stdout and stderr appended to a log file (read back for failure reports),
 * stopped with SIGTERM and, after 15 s, SIGKILL.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { inCgroupArgv } from './memcg.js';
import { createWriteStream, readFileSync } from 'node:fs';

/** Start `node <args>` with `env`, its output appended to `logFile`. */
/** `cgroupProcs`: start the process inside that cgroup (it joins before Node.js starts, so every byte it uses is charged there). */
export function spawnLogged(args: readonly string[], env: NodeJS.ProcessEnv, logFile: string, cgroupProcs?: string): ChildProcess {
  const log = createWriteStream(logFile, { flags: 'a' });
  const child = cgroupProcs
    ? spawn('/bin/sh', inCgroupArgv(cgroupProcs, [process.execPath, ...args]), { env, stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  return child;
}

export class LoggedProcess {
  constructor(readonly child: ChildProcess, readonly logFile: string) {}

  log(): string {
    try {
      return readFileSync(this.logFile, 'utf8');
    } catch {
      return '';
    }
  }

  kill(): void {
    this.child.kill('SIGKILL');
  }

  signal(sig: NodeJS.Signals): void {
    this.child.kill(sig);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = new Promise<void>((r) => this.child.once('exit', () => { r(); }));
    this.child.kill('SIGTERM');
    const t = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(t);
  }
}
