/**
 * stdio MCP servers on the real kernel (issue 15, item 4, in part): an agent
 * in the protected cgroup starts the official SDK's stdio server as its
 * child (StdioClientTransport; Node gives the child a Unix socket pair as
 * stdin/stdout, so the agent's writes to it are socket writes the libc
 * probes see) and calls tools. Asserted on the server's record of what ran.
 * Pipes (Python's subprocess, Go's exec) are not judged yet: stated in the
 * threat model.
 */
import { expect } from 'chai';
import { join } from 'node:path';
import { needRoot } from '../support/gate.js';
import { REPO } from '../support/kustomize.js';
import { ToolRig } from '../support/tool-rig.js';
import { toolPolicy } from '../support/tool-policy.js';

interface Outcome { tool: string; ok: boolean; text?: string; error?: string }

describe('kernel: a stdio MCP server started by a protected agent (official SDK, Node socket pair)', function () {
  this.timeout(120_000);
  const rig = new ToolRig();

  before(async function () {
    needRoot(this);
    await rig.start([toolPolicy()], { tls: true });
  });
  after(async () => { await rig.stop(); });

  it('denied calls to the child never run and are reported; allowed ones run', async () => {
    const vBefore = rig.verdicts.length;
    const ranBefore = rig.ranTools().length;
    const p = rig.spawnProgramProtected([process.execPath, join(REPO, 'dist/test/apps/stdio-agent.js'), join(REPO, 'dist/hack/apps/customer-mcp-stdio.js'),
      'get_customer={"id":1}', 'delete_customer={"id":9}', 'get_all_customers={"filter":"none"}', 'get_all_customers={"filter":"vip"}'], { SIDE_EFFECTS: rig.sideEffects });
    const fin = await rig.procs.wait(p, 60_000);
    expect(fin.stdout, fin.stderr.slice(-1500)).to.include('done');
    const out = fin.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Outcome);
    expect(out.map((o) => o.ok)).to.deep.equal([true, false, false, true]);
    expect(out[1]?.error ?? out[1]?.text ?? '').to.match(/ZIRIZ_DENIED___/);
    expect(rig.ranTools().slice(ranBefore)).to.deep.equal(['get_customer', 'get_all_customers']);
    const blocked = rig.verdicts.slice(vBefore).filter((v) => v.reason === 'ToolCallBlocked').map((v) => v.target.replace(/ to .*$/, ''));
    expect(blocked).to.deep.equal(['tools/call delete_customer', 'tools/call get_all_customers']);
  });
});
