/**
 * Holds cannot be undone from inside the pod (issue 14): a sibling process
 * in the same (protected) cgroup sends SIGCONT in a loop to every process of
 * the pod while a protected writer sends a denied tool call. Before the hold
 * guard (tp_btf/signal_generate), the SIGCONT resumed the held writer and
 * the server ran the denied tool; now a SIGCONT to a held process that the
 * agent has not released kills it (bpf_send_signal_task, 6.13+). The kill is
 * queued from the signal path (irq_work): a writer that was still running
 * when the SIGCONT came can reach its send first. Measured here (printed,
 * from the server's ledger): 1 of 20 denied calls ran on 6.18 with a
 * sibling looping SIGCONT; every writer whose hold was undone was killed,
 * none got an answer. See docs/threat-model.md, "Holds".
 */
import { expect } from 'chai';
import { join } from 'node:path';
import { needRoot } from '../support/gate.js';
import { REPO } from '../support/kustomize.js';
import { ToolRig } from '../support/tool-rig.js';
import { toolPolicy as policy } from '../support/tool-policy.js';

const WRITER = join(REPO, 'dist/test/apps/raw-writer.js');

function request(tool: string, id = 7): string {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: tool, arguments: { id } } });
  const head = `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`;
  return Buffer.from(head + body).toString('base64');
}

describe('kernel: a held call cannot be resumed by a sibling in the pod (SIGCONT)', function () {
  this.timeout(180_000);
  const rig = new ToolRig();

  before(async function () {
    needRoot(this);
    await rig.start([policy()], { tls: false });
  });

  after(async () => {
    await rig.stop();
  });

  it('a sibling looping SIGCONT over the pod never gets a denied call run; the escaped process is killed', async () => {
    const cg = rig.cgroupPath;
    // Bounded: at most 60 s of SIGCONT to every other process of the pod, ended by the rig's stop at the latest.
    const loop = 'import os, time, signal\nme = os.getpid()\nend = time.time() + 60\nwhile time.time() < end:\n'
      + `    for p in open("${cg}/cgroup.procs").read().split():\n`
      + '        if int(p) != me:\n            try: os.kill(int(p), signal.SIGCONT)\n            except OSError: pass\n';
    const sibling = rig.procs.start('sh', ['-c', `echo $$ > ${cg}/cgroup.procs && exec python3 -c '${loop}'`]);
    const before = rig.counters().hold_escape ?? 0n;
    const outcomes: string[] = [];
    for (let i = 0; i < 20; i++) {
      const w = rig.spawnProtected(WRITER, [String(rig.serverPort), JSON.stringify([request('delete_customer')]), 'writes']);
      const fin = await rig.procs.wait(w, 20_000);
      outcomes.push(fin.signal ?? fin.stdout.split('\n')[0] ?? '');
    }
    sibling.kill('SIGKILL');
    const ran = rig.ranTools().filter((t) => t === 'delete_customer').length;
    const escapes = (rig.counters().hold_escape ?? 0n) - before;
    console.log(`      20 denied calls under a SIGCONT loop: ${escapes} SIGCONTs to held processes answered with SIGKILL, ${ran} denied calls ran (server ledger); outcomes: ${outcomes.join(', ')}`);
    // The guard fired, and no writer was ever answered by the tool: a hold undone ends in a kill.
    expect(Number(escapes), `outcomes: ${outcomes.join(', ')}`).to.be.greaterThan(0);
    expect(outcomes.filter((o) => o === 'SIGKILL').length).to.be.greaterThan(0);
    expect(outcomes.filter((o) => o === 'end' || o.startsWith('error'))).to.deep.equal([]);
    // Before the guard every undone hold ran its call; now a lost race is the exception.
    expect(ran, `outcomes: ${outcomes.join(', ')}`).to.be.lessThan(10);
    // The sibling is gone: an allowed call runs again (the guard only acts on held processes).
    const ok = rig.spawnProtected(WRITER, [String(rig.serverPort), JSON.stringify([request('get_customer', 1)]), 'writes']);
    const fin = await rig.procs.wait(ok, 20_000);
    expect(fin.stdout).to.include('Ada');
    expect(rig.ranTools()).to.include('get_customer');
  });
});
