/**
 * A chunk-writer process inside the rig's protected cgroup (held at exec
 * until its probes are on): sends one stream at a time and returns what the
 * server answered. A writer the agent killed (action Kill, or nothing to
 * rewrite) or that stays stopped past the deadline is reported as such,
 * killed by its pid and started again for the next stream.
 */
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { REPO } from '../support/kustomize.js';
import { waitForLine } from '../support/lines.js';
import type { ToolRig } from '../support/tool-rig.js';
import type { Exchange } from './wire.js';

export type WriterAnswer = Exchange | { readonly answer: ''; readonly ended: 'writer killed' | 'writer stuck' };

const SCRIPT = join(REPO, 'dist/test/differential/chunk-writer.js');

export class ProtectedWriter {
  restarts = 0;
  private child: ChildProcess | null = null;
  private pending: { readonly n: number; readonly done: (a: WriterAnswer) => void } | null = null;
  private buffer = '';

  constructor(private readonly rig: ToolRig) {}

  private async ensure(): Promise<ChildProcess> {
    if (this.child?.exitCode === null && this.child.signalCode === null) return this.child;
    if (this.child) this.restarts++;
    const child = this.rig.spawnProtected(SCRIPT, []);
    this.child = child;
    await waitForLine(child, 'ready', 30_000);
    this.buffer = '';
    child.stdout?.on('data', (d: Buffer) => {
      this.buffer += d.toString();
      for (let nl = this.buffer.indexOf('\n'); nl >= 0; nl = this.buffer.indexOf('\n')) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        const a = JSON.parse(line) as Exchange & { n: number };
        if (this.pending?.n === a.n) this.pending.done(a);
      }
    });
    child.once('exit', () => { this.pending?.done({ answer: '', ended: 'writer killed' }); });
    return child;
  }

  async send(n: number, port: number, chunks: readonly Buffer[], requests: number, timeoutMs = 20_000): Promise<WriterAnswer> {
    const child = await this.ensure();
    const answer = new Promise<WriterAnswer>((resolve) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        done({ answer: '', ended: 'writer stuck' });
      }, timeoutMs);
      const done = (a: WriterAnswer): void => {
        clearTimeout(timer);
        this.pending = null;
        resolve(a);
      };
      this.pending = { n, done };
    });
    child.stdin?.write(`${JSON.stringify({ n, port, requests, chunks: chunks.map((c) => c.toString('base64')) })}\n`);
    return answer;
  }

  stop(): void {
    if (this.child?.exitCode === null) this.child.kill('SIGKILL');
  }
}
