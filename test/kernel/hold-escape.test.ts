/**
 * Holds cannot be undone from inside the pod (issue 14): a sibling process
 * in the same (protected) cgroup sends SIGCONT in a loop to every process of
 * the pod while a protected writer sends a denied tool call. Before the hold
 * guard (tp_btf/signal_generate), the SIGCONT resumed the held writer and
 * the server ran the denied tool; now a SIGCONT to a held process that the
 * agent has not released kills it (bpf_send_signal_task, 6.13+). That kill
 * is queued through irq_work, so a woken writer can run a little first: with
 * the kill alone, 1-2 of 20 denied calls still ran on 6.18. The guard also
 * marks the process escaped before any woken thread runs (lib/escape.h): a
 * TLS writer dies at its next call probe (its ciphertext write), a plaintext
 * writer's connection is dropped at cgroup egress. Both transports: no
 * denied call runs (the server's ledger), the guard fired, none got an
 * answer. A program held at exec (before its probes are on) that a sibling
 * resumes is killed the same way before it runs. See docs/threat-model.md,
 * "Holds".
 */
import { expect } from 'chai';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { needRoot } from '../support/gate.js';
import { SYSTEM_PYTHON } from '../support/python.js';
import { REPO } from '../support/kustomize.js';
import { ToolRig } from '../support/tool-rig.js';
import { toolPolicy as policy } from '../support/tool-policy.js';

const WRITER = join(REPO, 'dist/test/apps/raw-writer.js');

function request(tool: string, id = 7): string {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: tool, arguments: { id } } });
  const head = `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`;
  return Buffer.from(head + body).toString('base64');
}

/** Bounded wait for a line on a child's stdout. */
function lineFrom(child: ChildProcess, text: string, timeoutMs: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => { reject(new Error(`no '${text}' from pid ${child.pid ?? '?'} within ${timeoutMs} ms`)); }, timeoutMs);
    child.stdout?.on('data', (d: Buffer) => { if (d.toString().includes(text)) { clearTimeout(t); resolve(); } });
  });
}

/**
 * A sibling in the pod's cgroup sending SIGCONT in a loop (bounded: 240 s,
 * ended by the rig's stop at the latest): to the pids listed in `targets`
 * when given, else to every other process of the pod.
 */
async function sigcontLoop(rig: ToolRig, targets?: string): Promise<ChildProcess> {
  const cg = rig.cgroupPath;
  const list = targets ?? `${cg}/cgroup.procs`;
  const loop = 'import os, time, signal\nme = os.getpid()\n'
    + `def pids():\n    try: return open("${list}").read().split()\n    except OSError: return []\n`
    + 'print("ready", flush=True)\nend = time.time() + 240\nwhile time.time() < end:\n'
    + '    for p in pids():\n'
    + '        if int(p) != me:\n            try: os.kill(int(p), signal.SIGCONT)\n            except OSError: pass\n';
  const sibling = rig.procs.start('sh', ['-c', `echo $$ > ${cg}/cgroup.procs && exec ${SYSTEM_PYTHON} -c '${loop}'`]);
  await lineFrom(sibling, 'ready', 60_000);
  return sibling;
}

for (const tls of [false, true]) {
  describe(`kernel: a held call cannot be resumed by a sibling in the pod (SIGCONT, ${tls ? 'TLS' : 'plaintext'})`, function () {
    this.timeout(600_000);
    const rig = new ToolRig();
    const transport = tls ? ['tls'] : [];

    before(async function () {
      needRoot(this);
      await rig.start([policy()], { tls });
    });

    after(async () => {
      await rig.stop();
    });

    it('call holds: a sibling looping SIGCONT at a running writer never gets a denied call run; the escaped writer is killed', async () => {
      const targets = join(tmpdir(), `ziriz-escape-targets-${process.pid}`);
      const sibling = await sigcontLoop(rig, targets);
      const c0 = rig.counters();
      const outcomes: string[] = [];
      try {
        for (let i = 0; i < 20; i++) {
          const w = rig.spawnProtected(WRITER, [String(rig.serverPort), JSON.stringify([request('delete_customer')]), 'writes', ...transport], { RAW_WRITER_WAIT: '1' });
          // Past its exec hold and running: now the sibling aims at it, and it sends.
          await lineFrom(w, 'ready', 60_000);
          writeFileSync(targets, `${w.pid ?? ''}\n`);
          const done = rig.procs.wait(w, 20_000);
          w.stdin?.write('go\n');
          const fin = await done;
          rmSync(targets, { force: true });
          outcomes.push(fin.signal ?? fin.stdout.split('\n')[0] ?? '');
        }
      } finally {
        rmSync(targets, { force: true });
        sibling.kill('SIGKILL');
      }
      const ran = rig.ranTools().filter((t) => t === 'delete_customer').length;
      const c1 = rig.counters();
      const delta = (k: string): number => Number((c1[k] ?? 0n) - (c0[k] ?? 0n));
      console.log(`      20 denied calls under a SIGCONT loop: ${delta('call_held')} holds, ${delta('hold_escape')} SIGCONTs to held processes caught, ${delta('escape_stopped')} escaped writers killed at a call probe, ${delta('escape_dropped')} escaped packets dropped; ${ran} denied calls ran (server ledger); outcomes: ${outcomes.join(', ')}`);
      // The guard fired, no writer was ever answered by the tool, and the server ran none of them.
      expect(delta('hold_escape'), `outcomes: ${outcomes.join(', ')}`).to.be.greaterThan(0);
      expect(outcomes.filter((o) => o === 'SIGKILL').length).to.be.greaterThan(0);
      expect(outcomes.filter((o) => o === 'end' || o.startsWith('error'))).to.deep.equal([]);
      expect(ran, `outcomes: ${outcomes.join(', ')}`).to.equal(0);
      // The sibling is gone: an allowed call runs again on a new connection (the guard only acts on held processes).
      const ok = rig.spawnProtected(WRITER, [String(rig.serverPort), JSON.stringify([request('get_customer', 1)]), 'writes', ...transport]);
      const fin = await rig.procs.wait(ok, 20_000);
      expect(fin.stdout).to.include('Ada');
      expect(rig.ranTools()).to.include('get_customer');
    });

    if (!tls) {
      it('exec holds: a program that a sibling resumes before its probes are on is killed before it runs', async () => {
        const sibling = await sigcontLoop(rig);
        const outcomes: string[] = [];
        const c0 = rig.counters();
        try {
          for (let i = 0; i < 5; i++) {
            const w = rig.spawnProtected(WRITER, [String(rig.serverPort), JSON.stringify([request('delete_customer')]), 'writes']);
            const fin = await rig.procs.wait(w, 20_000);
            outcomes.push(fin.signal ?? fin.stdout.split('\n')[0] ?? '');
          }
        } finally {
          sibling.kill('SIGKILL');
        }
        const escapes = Number((rig.counters().hold_escape ?? 0n) - (c0.hold_escape ?? 0n));
        console.log(`      5 programs started under a SIGCONT loop: ${escapes} SIGCONTs to held processes caught; outcomes: ${outcomes.join(', ')}`);
        expect(escapes).to.be.greaterThan(0);
        expect(outcomes).to.deep.equal(['SIGKILL', 'SIGKILL', 'SIGKILL', 'SIGKILL', 'SIGKILL']);
        expect(rig.ranTools().filter((t) => t === 'delete_customer')).to.deep.equal([]);
      });
    }
  });
}
