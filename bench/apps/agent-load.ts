/**
 * Child of bench/verifier.ts: what the node agent does at start before it
 * talks to the API server (probe the kernel, load and attach every program:
 * NodeKernel.open), or with `baseline` the same process without loading
 * (probe only). Prints one JSON line: time to all hooks attached, hooks.
 */
import { NodeKernel, removeNodeKernel } from '../../node-agent/src/agent/kernel.js';
import { runProbe } from '../../node-agent/src/probe/probe.js';

const [mode = 'load', pinRoot = '/sys/fs/bpf/ziriz-bench-load', stateFile = '/tmp/ziriz-bench-load-tc.json'] = process.argv.slice(2);
const log = (): void => undefined;
const t0 = process.hrtime.bigint();
const probe = runProbe();
if (mode === 'baseline') {
  process.stdout.write(`${JSON.stringify({ mode, ms: Number(process.hrtime.bigint() - t0) / 1e6 })}\n`);
} else {
  const kernel = NodeKernel.open({ pinRoot, stateFile, probe, log });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  process.stdout.write(`${JSON.stringify({ mode, ms, attached: kernel.attached, degraded: kernel.degraded().map((d) => d.hook) })}\n`);
  kernel.close();
  removeNodeKernel({ pinRoot, stateFile, log });
}
