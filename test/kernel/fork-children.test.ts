/**
 * Processes a protected process forks without exec (Python multiprocessing,
 * gunicorn and uWSGI workers, any fork() server) on the real kernel: the
 * per-process probes are pid-filtered, so a child has none of its parent's.
 * It is held at its first return to user space (the clone's exit in the
 * child) until the agent has probed it, like a new program at exec. A
 * forked child's denied call never runs (the server's ledger), its allowed
 * call does. Loopback only; the client is built with gcc here.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needRoot } from '../support/gate.js';
import { REPO } from '../support/kustomize.js';
import { ToolRig } from '../support/tool-rig.js';
import { rawToolRequest, toolPolicy as policy } from '../support/tool-policy.js';
import { covers } from '../support/coverage.js';


describe('kernel: children forked without exec by a protected process are probed before they run', function () {
  this.timeout(180_000);
  const rig = new ToolRig();
  let dir = '';

  before(async function () {
    needRoot(this);
    dir = mkdtempSync(join(tmpdir(), 'ziriz-fork-'));
    execFileSync('gcc', ['-O2', '-o', join(dir, 'writer'), join(REPO, 'test/apps/musl-writer.c')]);
    for (const [tool, id] of [['get_customer', 1], ['delete_customer', 9]] as const) writeFileSync(join(dir, `${tool}.http`), rawToolRequest(tool, id));
    await rig.start([policy()], { tls: false });
  });

  after(async () => {
    await rig.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const send = async (tool: string): Promise<string> => {
    const p = rig.spawnProgramProtected([join(dir, 'writer'), String(rig.serverPort), join(dir, `${tool}.http`), 'fork']);
    const fin = await rig.procs.wait(p, 30_000);
    return `${fin.stdout}${fin.stderr}`;
  };

  it("a forked child's denied call never runs, its allowed call does, and it was held and probed first", async () => {
    covers('forked children', 'HTTP/1.1', 'fork without exec, 6.13+');
    const before = rig.ranTools().length;
    const execHolds = rig.execHolds;
    expect(await send('get_customer')).to.include('Ada');
    const denied = await send('delete_customer');
    expect(rig.ranTools().slice(before)).to.deep.equal(['get_customer']);
    expect(denied).to.not.include('deleted');
    // Each run: the program held at exec, and its child held at fork.
    expect(rig.execHolds - execHolds).to.be.greaterThanOrEqual(4);
  });
});
