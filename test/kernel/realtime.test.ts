/**
 * Real-time waiting (node-agent/native/src/realtime.cc) on the real scheduler:
 * the event-loop thread is SCHED_FIFO while it handles a wake-up's I/O
 * callbacks, SCHED_OTHER with its nice value in timers, never passes it on to
 * a child, stops cleanly, and is refused with a typed error without
 * CAP_SYS_NICE. Sockets on loopback only.
 */
import { expect } from 'chai';
import { execFileSync, spawn } from 'node:child_process';
import { createServer, connect, type AddressInfo, type Server } from 'node:net';
import { getPriority, setPriority } from 'node:os';
import { join } from 'node:path';
import { BpfError } from '../../node-agent/src/bpf/errors.js';
import { statFields } from '../../node-agent/src/kernel/proc-state.js';
import { realtimeStatus, realtimeWhileWaiting, stopRealtime } from '../../node-agent/src/kernel/realtime.js';
import { needRoot } from '../support/gate.js';
import { REPO } from '../support/kustomize.js';

const SCHED_OTHER = 0;
const SCHED_FIFO = 1;

/** A thread's scheduling policy and real-time priority (/proc/PID/task/TID/stat fields 40 and 41). */
function sched(pid: number, tid = pid): { policy: number; rtPriority: number } {
  const fields = statFields(pid, tid) ?? []; // fields from 3 on
  return { rtPriority: Number(fields[40 - 3]), policy: Number(fields[41 - 3]) };
}

/** The main thread's policy inside a socket 'data' callback (the poll phase of a wake-up). */
async function policyInIoCallback(server: Server): Promise<{ policy: number; rtPriority: number }> {
  const port = (server.address() as AddressInfo).port;
  return new Promise((resolve, reject) => {
    const c = connect(port, '127.0.0.1');
    c.once('error', reject);
    c.once('data', () => {
      resolve(sched(process.pid));
      c.destroy();
    });
  });
}

function policyInTimer(): Promise<{ policy: number; rtPriority: number; nice: number }> {
  return new Promise((resolve) => setTimeout(() => { resolve({ ...sched(process.pid), nice: getPriority() }); }, 5));
}

describe('kernel: real-time waiting for kernel events (SCHED_FIFO between prepare and check)', function () {
  this.timeout(20_000);
  let server: Server | undefined;
  const nice0 = getPriority();

  before(async function () {
    needRoot(this);
    server = createServer((s) => { s.end('x'); });
    await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  });

  after(() => {
    stopRealtime();
    setPriority(nice0);
    server?.close();
  });

  it('refuses a priority outside 1..99 with a typed error', () => {
    expect(() => { realtimeWhileWaiting(0); }).to.throw(BpfError).with.property('errnoName', 'EINVAL');
    expect(() => { realtimeWhileWaiting(100); }).to.throw(BpfError).with.property('op', 'sched');
    expect(realtimeStatus().active).to.equal(false);
  });

  it('runs I/O callbacks real-time and timers at the thread nice value', async () => {
    if (!server) throw new Error('no server');
    setPriority(-3);
    expect((await policyInIoCallback(server)).policy, 'before').to.equal(SCHED_OTHER);
    realtimeWhileWaiting(7);
    const waits0 = realtimeStatus().waits;
    expect(await policyInIoCallback(server)).to.deep.equal({ policy: SCHED_FIFO, rtPriority: 7 });
    expect(await policyInTimer()).to.deep.equal({ policy: SCHED_OTHER, rtPriority: 0, nice: -3 });
    expect(realtimeStatus()).to.include({ active: true, priority: 7, errno: 0 });
    expect(realtimeStatus().waits).to.be.greaterThan(waits0);
  });

  it('never passes real-time priority on to a child process', async () => {
    if (!server) throw new Error('no server');
    realtimeWhileWaiting(7);
    const port = (server.address() as AddressInfo).port;
    // Spawned from an I/O callback, i.e. while this thread is SCHED_FIFO.
    const child = await new Promise<ReturnType<typeof spawn>>((resolve, reject) => {
      const c = connect(port, '127.0.0.1');
      c.once('error', reject);
      c.once('data', () => {
        expect(sched(process.pid).policy).to.equal(SCHED_FIFO);
        resolve(spawn('sleep', ['5'], { stdio: 'ignore' }));
        c.destroy();
      });
    });
    try {
      expect(sched(child.pid ?? 0).policy).to.equal(SCHED_OTHER);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('stops: I/O callbacks run at normal priority again', async () => {
    if (!server) throw new Error('no server');
    realtimeWhileWaiting(7);
    stopRealtime();
    expect(realtimeStatus().active).to.equal(false);
    expect((await policyInIoCallback(server)).policy).to.equal(SCHED_OTHER);
  });

  it('is refused with EPERM without CAP_SYS_NICE, leaving the thread as it was', () => {
    const script = `
      import('${join(REPO, 'dist/node-agent/src/kernel/realtime.js')}').then((m) => {
        try { m.realtimeWhileWaiting(1); console.log(JSON.stringify({ ok: true })); }
        catch (e) { console.log(JSON.stringify({ ok: false, name: e.constructor.name, errnoName: e.errnoName, status: m.realtimeStatus() })); }
      });`;
    const out = execFileSync('capsh', ['--drop=cap_sys_nice', '--', '-c', `exec "${process.execPath}" -e "$0"`, script], { encoding: 'utf8' });
    const r = JSON.parse(out.trim()) as { ok: boolean; name?: string; errnoName?: string; status?: { active: boolean; errno: number } };
    expect(r).to.deep.include({ ok: false, name: 'BpfError', errnoName: 'EPERM' });
    expect(r.status).to.deep.include({ active: false, errno: 1 });
  });
});
