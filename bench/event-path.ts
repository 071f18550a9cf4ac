/**
 * Benchmark: the kernel -> JS event path (issue 2).
 *
 * A generator process calls getppid(2) in a tight loop for a bounded time; the
 * bench_generator tracepoint program emits BATCH records per call into the
 * ring buffer. This process consumes them on its event loop, as the agent
 * does. Two runs in the same session on the same machine:
 *   raw     the sink only counts records (the addon + batch hand-over cost)
 *   decoded the sink fully decodes each record (what the agent pays)
 * Reported: records/s delivered, records lost to a full ring (counted in BPF),
 * unaccounted loss (produced - delivered - lost, must be 0), consumer CPU, and
 * the decoded/raw ratio. Run as root: `hack/bench event-path`.
 */
import { runAsAgent } from './agent-runtime.js';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Counter } from '../core/abi/enums.js';
import { u32Key } from '../node-agent/src/bpf/map.js';
import { BpfObject, u32 } from '../node-agent/src/bpf/object.js';
import { bpfObject } from '../node-agent/src/bpf/paths.js';
import { decodeRecord } from '../node-agent/src/bpf/records.js';
import { RingBufferReader } from '../node-agent/src/bpf/ringbuf.js';
import { ensureKernelMounts } from '../node-agent/src/kernel/mounts.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const BATCH = Number(process.env.BENCH_BATCH ?? 32);
const RING_BYTES = 64 << 20;

const GENERATOR = `
process.stdin.once('data', () => {
  const end = Date.now() + ${SECONDS * 1000};
  let n = 0;
  while (Date.now() < end) { for (let i = 0; i < 1000; i++) n += process.ppid; }
  process.exit(0);
});
console.log('ready');`;

interface RunResult {
  readonly mode: string;
  readonly seconds: number;
  readonly produced: bigint;
  readonly delivered: number;
  readonly lost: bigint;
  readonly unaccounted: bigint;
  readonly deliveredPerSec: number;
  readonly consumerCpuPct: number;
  readonly batches: number;
}

async function run(mode: 'raw' | 'decoded'): Promise<RunResult> {
  const pinRoot = mkdtempSync('/sys/fs/bpf/ziriz-bench-');
  const child = spawn(process.execPath, ['-e', GENERATOR], { stdio: ['pipe', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.once('data', () => { resolve(); });
      child.once('exit', () => { reject(new Error('generator exited early')); });
    });
    const obj = BpfObject.load(bpfObject('bench_generator'), {
      pinRoot,
      globals: { ziriz_bench_tgid: u32(child.pid ?? 0), ziriz_bench_batch: u32(BATCH) },
      mapMaxEntries: { ziriz_events: RING_BYTES },
    });
    let delivered = 0;
    let decodeErrors = 0;
    const sink =
      mode === 'raw'
        ? (): void => {
            delivered++;
          }
        : (buf: Buffer, s: number, e: number): void => {
            if (decodeRecord(buf, s, e).kind !== 'bench') decodeErrors++;
            delivered++;
          };
    const reader = new RingBufferReader(obj.map('ziriz_events'), sink, { maxBatchRecords: 8192 });
    const link = obj.attachTracepoint('ziriz_bench', 'syscalls', 'sys_enter_getppid');
    reader.start();
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    child.stdin.write('go\n');
    await new Promise<void>((resolve) => child.once('exit', () => { resolve(); }));
    link.destroy();
    for (let i = 0; i < 100_000 && reader.drain() > 0; i++);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const cpu = process.cpuUsage(cpu0);
    const counters = obj.map('ziriz_counters');
    const produced = counters.sumU64(u32Key(Counter.BENCH_SENT));
    const lost = counters.sumU64(u32Key(Counter.RINGBUF_FULL));
    const batches = reader.stats().batches;
    reader.close();
    obj.close();
    if (decodeErrors > 0) throw new Error(`${decodeErrors} records failed to decode`);
    return {
      mode,
      seconds,
      produced,
      delivered,
      lost,
      unaccounted: produced - lost - BigInt(delivered),
      deliveredPerSec: delivered / seconds,
      consumerCpuPct: ((cpu.user + cpu.system) / 1e6 / seconds) * 100,
      batches,
    };
  } finally {
    child.kill('SIGKILL');
    rmSync(pinRoot, { recursive: true, force: true });
  }
}

function fmt(r: RunResult): string {
  return `${r.mode.padEnd(8)} delivered ${Math.round(r.deliveredPerSec).toLocaleString('en-US').padStart(11)} rec/s  ` +
    `produced ${r.produced.toLocaleString('en-US')}  lost(counted) ${r.lost.toLocaleString('en-US')}  ` +
    `unaccounted ${r.unaccounted}  consumer CPU ${r.consumerCpuPct.toFixed(0)}%  batches ${r.batches}`;
}

async function main(): Promise<void> {
  runAsAgent();
  ensureKernelMounts();
  const raw = await run('raw');
  const decoded = await run('decoded');
  process.stdout.write(`event path, ${SECONDS}s per run, ${BATCH} records per tracepoint hit, 64-byte records\n`);
  process.stdout.write(`${fmt(raw)}\n${fmt(decoded)}\n`);
  process.stdout.write(`ratio decoded/raw: ${(decoded.deliveredPerSec / raw.deliveredPerSec).toFixed(2)}\n`);
  process.stdout.write(`${JSON.stringify({ raw, decoded }, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}\n`);
  if (raw.unaccounted !== 0n || decoded.unaccounted !== 0n) {
    process.stderr.write('FAIL: unaccounted loss\n');
    process.exitCode = 1;
  }
}

await main();
