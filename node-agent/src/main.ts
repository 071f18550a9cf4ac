#!/usr/bin/env node
/**
 * ziriz-node-agent command line.
 *   probe            print what this kernel offers (JSON)
 *   run              the node agent (configuration: environment, see agent/config.ts)
 *   teardown         remove every ziriz program, link, TC filter and pin from this node
 */
import { setPriority } from 'node:os';
import { errorMessage } from '../../core/errors/ziriz-error.js';
import { KubeClient } from '../../core/kube/lean/client.js';
import { jsonLogger, type LogFn } from '../../core/log/json-log.js';
import { startAgent } from './agent/agent.js';
import { parseAgentConfig } from './agent/config.js';
import { removeNodeKernel } from './agent/kernel.js';
import { realtimeWhileWaiting } from './kernel/realtime.js';
import { runProbe } from './probe/probe.js';
import { usableHooks } from './probe/report.js';

const USAGE = `usage: ziriz-node-agent <command>
  probe     report the kernel features ziriz uses, as JSON
  run       run the node agent (NODE_NAME, KUBECONFIG or in-cluster config, ZIRIZ_* settings)
  teardown  remove ziriz's programs, links, TC filters and pins from this node`;

async function run(): Promise<void> {
  const log = jsonLogger('node-agent');
  const cfg = parseAgentConfig(process.env);
  prioritise(cfg.nice, log);
  waitRealtime(cfg.rtPriority, log);
  const agent = await startAgent(cfg, KubeClient.fromEnv(process.env, { userAgent: `ziriz-node-agent/${cfg.node}` }), log);
  const stop = (signal: string): void => {
    log('info', 'stopping; programs stay attached', { signal });
    void agent.stop().then(() => process.exit(0), (e: unknown) => {
      log('error', 'unclean stop', { error: errorMessage(e) });
      process.exit(1);
    });
  };
  process.once('SIGTERM', () => { stop('SIGTERM'); });
  process.once('SIGINT', () => { stop('SIGINT'); });
}

/** Set this thread's nice value (threads started later inherit it); without CAP_SYS_NICE, say so and go on. */
function prioritise(nice: number, log: LogFn): void {
  try {
    setPriority(nice);
  } catch (e: unknown) {
    log('warn', 'nice value not set (CAP_SYS_NICE missing?): protection and hold latency depend on the CPU scheduler alone', { nice, error: errorMessage(e) });
  }
}

/** Wait for kernel events at real-time priority (held calls); refused: say so and go on at the nice value. */
function waitRealtime(priority: number, log: LogFn): void {
  if (priority === 0) return;
  try {
    realtimeWhileWaiting(priority);
    log('info', 'waiting for kernel events at real-time priority', { priority });
  } catch (e: unknown) {
    log('warn', 'real-time priority refused (CAP_SYS_NICE missing, or real-time group scheduling without a budget for this cgroup): held calls wait for the CPU scheduler', { priority, error: errorMessage(e) });
  }
}

function teardown(): void {
  const cfg = parseAgentConfig({ NODE_NAME: 'teardown', ...process.env });
  removeNodeKernel({ pinRoot: cfg.pinRoot, stateFile: cfg.stateFile, log: jsonLogger('node-agent') });
}

function main(argv: readonly string[]): number {
  const [cmd] = argv;
  switch (cmd) {
    case 'run':
      run().catch((e: unknown) => {
        process.stderr.write(`ziriz-node-agent: ${errorMessage(e)}\n`);
        process.exit(1);
      });
      return 0;
    case 'teardown':
      teardown();
      return 0;
    case 'probe': {
      const report = runProbe();
      process.stdout.write(`${JSON.stringify({ ...report, hooks: usableHooks(report) }, null, 2)}\n`);
      return 0;
    }
    case undefined:
    case '-h':
    case '--help':
      process.stdout.write(`${USAGE}\n`);
      return cmd === undefined ? 2 : 0;
    default:
      process.stderr.write(`unknown command: ${cmd}\n${USAGE}\n`);
      return 2;
  }
}

try {
  process.exitCode = main(process.argv.slice(2));
} catch (e: unknown) {
  process.stderr.write(`ziriz-node-agent: ${errorMessage(e)}\n`);
  process.exitCode = 1;
}
