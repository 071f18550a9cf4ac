/**
 * Benchmarks that run the node agent's code in their own process (the
 * tool-call judge, the ring-buffer consumer) measure it under the agent's
 * runtime: the same V8 flags and malloc environment as the DaemonSet
 * (node-agent/src/runtime.ts). Without them this process re-runs itself
 * with them and exits with the child's status.
 */
import { spawnSync } from 'node:child_process';
import { AGENT_ENV, AGENT_NODE_FLAGS } from '../node-agent/src/runtime.js';

function underAgentRuntime(): boolean {
  return AGENT_NODE_FLAGS.every((f) => process.execArgv.includes(f))
    && Object.entries(AGENT_ENV).every(([k, v]) => process.env[k] === v);
}

/** Call first thing in a benchmark's main module. */
export function runAsAgent(): void {
  if (underAgentRuntime()) return;
  const r = spawnSync(process.execPath, [...AGENT_NODE_FLAGS, ...process.argv.slice(1)], {
    env: { ...process.env, ...AGENT_ENV }, stdio: 'inherit',
  });
  if (r.error) throw r.error;
  process.exit(r.status ?? 1);
}
