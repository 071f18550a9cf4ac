/**
 * The three real servers of the differential harness, unprotected, on
 * loopback: Node (express + the MCP TypeScript SDK), Go (net/http +
 * encoding/json) and Python (uvicorn h11 + the MCP Python SDK), each with its
 * own ledger. Started and killed by pid (Processes); their output tails are
 * kept for diagnostics.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO } from '../support/kustomize.js';
import { waitForLine } from '../support/lines.js';
import { Processes } from '../support/processes.js';
import { Ledger } from './ledger.js';
import { goServer, pythonWithMcp, PYTHON_SERVER } from './toolchains.js';

export const SERVER_NAMES = ['node', 'go', 'python'] as const;
export type ServerName = (typeof SERVER_NAMES)[number];

export interface RealServer {
  readonly name: ServerName;
  readonly port: number;
  readonly ledger: Ledger;
  readonly child: ChildProcess;
  /** The last 4 KiB of its stdout and stderr. */
  output(): string;
}

function keepTail(child: ChildProcess): () => string {
  let tail = '';
  const add = (d: Buffer): void => { tail = (tail + d.toString()).slice(-4096); };
  child.stdout?.on('data', add);
  child.stderr?.on('data', add);
  return () => tail;
}

export class RealServers {
  readonly procs = new Processes();
  readonly list: RealServer[] = [];
  private dir = '';

  async start(): Promise<void> {
    this.dir = mkdtempSync(join(tmpdir(), 'ziriz-differential-'));
    const [go, python] = await Promise.all([goServer(this.procs), pythonWithMcp(this.procs)]);
    const commands: Readonly<Record<ServerName, readonly string[]>> = {
      node: [process.execPath, join(REPO, 'dist/test/differential/servers/express-mcp.js')],
      go: [go],
      python: [python, PYTHON_SERVER],
    };
    const started = await Promise.all(SERVER_NAMES.map(async (name) => {
      const file = join(this.dir, `${name}.jsonl`);
      writeFileSync(file, '');
      const [cmd, ...args] = commands[name];
      const child = this.procs.start(cmd ?? '', args, { env: { ...process.env, LEDGER: file, PYTHONUNBUFFERED: '1' } });
      const output = keepTail(child);
      let line: string;
      try {
        line = await waitForLine(child, 'listening', 60_000);
      } catch (e: unknown) {
        throw new Error(`the ${name} server did not start: ${e instanceof Error ? e.message : String(e)}; output: ${output()}`, { cause: e });
      }
      return { name, port: Number(line.split(' ')[1]), ledger: new Ledger(file), child, output };
    }));
    this.list.push(...started);
  }

  get(name: ServerName): RealServer {
    const s = this.list.find((x) => x.name === name);
    if (!s) throw new Error(`server ${name} not started`);
    return s;
  }

  stop(): void {
    this.procs.killAll();
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
  }
}
