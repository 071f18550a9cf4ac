/**
 * The ring-buffer consumer on the real kernel: a tracepoint generator floods
 * the ring from another process; records reach JS in bounded batches, the
 * event loop keeps running between batches, and every record is accounted
 * for: delivered + counted as lost == produced.
 */
import { expect } from 'chai';
import { Counter, Op } from '../../core/abi/enums.js';
import { u32Key } from '../../node-agent/src/bpf/map.js';
import { BpfObject, u32 } from '../../node-agent/src/bpf/object.js';
import { bpfObject } from '../../node-agent/src/bpf/paths.js';
import { RingBufferReader } from '../../node-agent/src/bpf/ringbuf.js';
import { decodeHeader } from '../../node-agent/src/bpf/records.js';
import { tempPinRoot, type PinRoot } from '../support/bpffs.js';
import { needRoot } from '../support/gate.js';
import { waitForLine } from '../support/lines.js';
import { Processes } from '../support/processes.js';

const GENERATOR = `
console.log('ready');
process.stdin.once('data', () => { for (let i = 0; i < Number(process.argv[1]); i++) void process.ppid; process.exit(0); });`;

describe('kernel: ring buffer consumer on the event loop', function () {
  this.timeout(60_000);
  const procs = new Processes();
  let pins: PinRoot | undefined;

  beforeEach(function () {
    needRoot(this);
    pins = tempPinRoot();
  });

  afterEach(() => {
    procs.killAll();
    pins?.remove();
  });

  it('delivers a flood in bounded batches, lets the event loop turn between batches, and loses nothing unaccounted', async () => {
    const ITERATIONS = 100_000;
    const BATCH = 16;
    const child = procs.start(process.execPath, ['-e', GENERATOR, String(ITERATIONS)]);
    await waitForLine(child, 'ready');
    const obj = BpfObject.load(bpfObject('bench_generator'), {
      pinRoot: pins!.dir,
      globals: { ziriz_bench_tgid: u32(child.pid!), ziriz_bench_batch: u32(BATCH) },
      mapMaxEntries: { ziriz_events: 16 << 20 },
    });
    const MAX_BATCH = 2048;
    let delivered = 0;
    let badOps = 0;
    // Loop turns, counted in the check phase: a batch handed over in every
    // turn still lets this run once between two batches.
    let turns = 0;
    let spinning = true;
    const spin = (): void => {
      turns++;
      if (spinning) setImmediate(spin);
    };
    setImmediate(spin);
    const turnsAtBatch: number[] = [];
    const sizes: number[] = [];
    const reader = new RingBufferReader(
      obj.map('ziriz_events'),
      (buf, s) => {
        if (decodeHeader(buf, s).op !== Op.BENCH) badOps++;
        delivered++;
      },
      {
        maxBatchRecords: MAX_BATCH,
        onBatch: (n) => {
          turnsAtBatch.push(turns);
          sizes.push(n);
        },
      },
    );
    const link = obj.attachTracepoint('ziriz_bench', 'syscalls', 'sys_enter_getppid');
    try {
      reader.start();
      child.stdin!.write('go\n');
      const fin = await procs.wait(child, 30_000);
      expect(fin.code, fin.stderr).to.equal(0);
    } finally {
      link.destroy();
      spinning = false;
    }
    const polled = turnsAtBatch.length;
    // Drain what is left (bounded: each call moves one batch or returns 0).
    for (let i = 0; i < 10_000 && reader.drain() > 0; i++);
    const counters = obj.map('ziriz_counters');
    const sent = counters.sumU64(u32Key(Counter.BENCH_SENT));
    const lost = counters.sumU64(u32Key(Counter.RINGBUF_FULL));
    const stats = reader.stats();
    reader.close();
    obj.close();

    expect(sent).to.equal(BigInt(ITERATIONS * BATCH));
    expect(BigInt(delivered) + lost).to.equal(sent);
    expect(badOps).to.equal(0);
    expect(stats.records).to.equal(delivered);
    expect(stats.sinkErrors).to.equal(0);
    expect(Math.max(...sizes)).to.be.at.most(MAX_BATCH);
    expect(polled).to.be.greaterThan(5);
    // Between any two batches delivered by the poller, the loop turned at least once.
    for (let i = 1; i < polled; i++) {
      expect(turnsAtBatch[i]!, `batch ${i}`).to.be.greaterThan(turnsAtBatch[i - 1]!);
    }
  });
});
