/**
 * Child processes started by a test: tracked, awaited with a deadline, and
 * killed by their pid on cleanup (only the ones this test started).
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

export interface Finished {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export class Processes {
  private readonly children = new Set<ChildProcess>();

  start(cmd: string, args: readonly string[], opts: SpawnOptions = {}): ChildProcess {
    const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], ...opts });
    this.children.add(child);
    child.once('exit', () => this.children.delete(child));
    return child;
  }

  /** Collect output and wait for exit, killing the process at the deadline. */
  async wait(child: ChildProcess, timeoutMs: number): Promise<Finished> {
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    if (child.exitCode !== null || child.signalCode !== null) {
      return { code: child.exitCode, signal: child.signalCode, stdout, stderr };
    }
    return new Promise((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        // 'exit' can come before the pipes are drained: wait for 'close' (all output read), bounded in
        // case a process the child started keeps the pipes open.
        const done = (): void => { clearTimeout(drain); resolve({ code, signal, stdout, stderr }); };
        const drain = setTimeout(done, 2_000);
        if (child.stdout?.readableEnded !== false && child.stderr?.readableEnded !== false) done();
        else child.once('close', done);
      });
    });
  }

  /** Run to completion with a deadline. */
  async run(cmd: string, args: readonly string[], timeoutMs = 20_000, opts: SpawnOptions = {}): Promise<Finished> {
    return this.wait(this.start(cmd, args, opts), timeoutMs);
  }

  /** Kill every process still running that this tracker started. */
  killAll(): void {
    for (const c of this.children) {
      if (c.pid !== undefined && c.exitCode === null) c.kill('SIGKILL');
    }
    this.children.clear();
  }
}

/** Wait until `pred` holds, polling; false at the deadline (bounded). */
export async function waitFor(pred: () => boolean, timeoutMs: number, stepMs = 10): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (pred()) return true;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  return pred();
}

/** Make `n` getppid(2) syscalls from this process (process.ppid is a live getter): a tracepoint trigger. */
export function getppidSyscalls(n: number): number {
  let sum = 0;
  for (let i = 0; i < n; i++) sum += process.ppid;
  return sum;
}
