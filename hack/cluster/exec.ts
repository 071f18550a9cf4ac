/** Run a helper command (ctr, ip, mount, kubectl) with a time limit; typed failure. */
import { execFile } from 'node:child_process';
import { ClusterCommandError } from './errors.js';

export interface ExecResult { readonly stdout: string; readonly stderr: string }

export async function run(cmd: string, args: readonly string[], opts: { timeoutMs?: number; input?: string; env?: NodeJS.ProcessEnv } = {}): Promise<ExecResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(cmd, args, {
      timeout: opts.timeoutMs ?? 60_000,
      maxBuffer: 64 * 1024 * 1024,
      env: opts.env ?? process.env,
    }, (err, stdout, stderr) => {
      if (err) {
        reject(new ClusterCommandError(`${cmd} ${args.join(' ')}`, stderr || err.message, { cause: err }));
        return;
      }
      resolve({ stdout, stderr });
    });
    if (opts.input !== undefined) child.stdin?.end(opts.input);
    else child.stdin?.end();
  });
}

/** Like run, but resolves with undefined instead of throwing (cleanup paths). */
export async function tryRun(cmd: string, args: readonly string[], timeoutMs = 30_000): Promise<ExecResult | undefined> {
  try {
    return await run(cmd, args, { timeoutMs });
  } catch {
    return undefined;
  }
}
