/**
 * Tool-level enforcement on the real kernel, with the node agent's own code
 * (kernel programs, per-process probes, holds, neutralisation) and no proxy:
 * an agent client (official MCP SDK, Streamable HTTP over HTTPS) in a
 * protected cgroup calls a customer-mcp server. Allowed calls run; blocked
 * calls get an error from the server and never run (the server's side-effect
 * log proves it). Loopback only.
 */
import { expect } from 'chai';
import { needRoot } from '../support/gate.js';
import { join } from 'node:path';
import { REPO } from '../support/kustomize.js';
import { waitForLine } from '../support/lines.js';
import { AgentClient, ToolRig } from '../support/tool-rig.js';
import { toolPolicy as policy, toolText } from '../support/tool-policy.js';
import { covers } from '../support/coverage.js';

describe('kernel: MCP, A2A and HTTP calls judged in TLS plaintext and stopped before they run', function () {
  this.timeout(120_000);
  const rig = new ToolRig();
  let agent: AgentClient;

  before(async function () {
    needRoot(this);
    await rig.start([policy({})]);
    agent = await rig.client();
  });

  after(async () => {
    await rig.stop();
  });

  it('attached probes to the agent process before it ran (held at exec)', () => {
    expect(rig.probes.linkCount).to.be.greaterThan(0);
  });

  it('lets an allowed tool run and return its result', async () => {
    const r = await agent.send({ op: 'mcp', tool: 'get_customer', args: { id: 1 } });
    expect(toolText(r)).to.include('"name":"Ada"');
    expect(rig.ranTools()).to.include('get_customer');
  });

  it("blocks the seed's get_all_customers {filter: \"none\"}: the server answers an error and the tool never runs", async () => {
    covers('Node (its OpenSSL)', 'HTTP/1.1', 'official TS SDK client');
    const before = rig.ranTools().length;
    const r = await agent.send({ op: 'mcp', tool: 'get_all_customers', args: { filter: 'none' } });
    expect(toolText(r)).to.match(/error|isError/i);
    expect(rig.ranTools().slice(before)).to.deep.equal([]);
    const v = rig.verdicts.find((x) => x.reason === 'ToolCallBlocked');
    expect(v?.target).to.include('tools/call get_all_customers');
    expect(v?.why).to.include('filter');
    expect(v?.policy).to.equal('payments/agents');
    expect(v?.detail?.argumentsDigest).to.match(/^sha256:/);
    expect(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? String(x) : x))).to.not.include('"none"'); // argument values are not reported
  });

  it('allows the same tool under its argument constraint', async () => {
    const r = await agent.send({ op: 'mcp', tool: 'get_all_customers', args: { filter: 'active' } });
    expect(toolText(r)).to.include('Ada');
    expect(rig.ranTools()).to.include('get_all_customers');
  });

  it('blocks a tool no rule allows', async () => {
    const before = rig.ranTools().length;
    const r = await agent.send({ op: 'mcp', tool: 'delete_customer', args: { id: 2 } });
    expect(toolText(r)).to.match(/error|isError/i);
    expect(rig.ranTools().slice(before)).to.deep.equal([]);
  });

  it("blocks the seed's REST call with limit=100000 and lets limit=10 through", async () => {
    const before = rig.ranTools().length;
    const big = await agent.send({ op: 'http', method: 'POST', path: '/api/v2/customers?limit=100000' });
    expect((big.result as { status: number }).status).to.equal(404);
    expect(rig.ranTools().slice(before)).to.deep.equal([]);
    const small = await agent.send({ op: 'http', method: 'GET', path: '/api/v2/customers?limit=10' });
    expect((small.result as { status: number }).status).to.equal(200);
    expect(rig.ranTools()).to.include('rest');
    expect(rig.verdicts.some((v) => v.reason === 'HTTPRequestBlocked' && v.target.includes('limit=100000'))).to.equal(true);
  });

  it('blocks an A2A message/send the policy does not allow, and allows tasks/get', async () => {
    const before = rig.ranTools().length;
    const sent = await agent.send({ op: 'a2a', method: 'message/send' });
    expect((sent.result as { body: string }).body).to.include('Method not found');
    expect(rig.ranTools().slice(before)).to.deep.equal([]);
    const got = await agent.send({ op: 'a2a', method: 'tasks/get' });
    expect((got.result as { body: string }).body).to.include('completed');
    expect(rig.verdicts.some((v) => v.reason === 'A2ACallBlocked')).to.equal(true);
  });

  it('probes the program a protected process execs into, not only its first one (as runc init becomes the container command)', async () => {
    // sh joins the "pod" cgroup, execs sh (held, probed), which execs node: same pid and start time, new program.
    const inner = `exec "${process.execPath}" "${join(REPO, 'dist/hack/apps/agent-client.js')}"`;
    const child = rig.procs.start('sh', ['-c', `echo $$ > ${rig.cgroupPath}/cgroup.procs && exec /bin/sh -c '${inner}'`], {
      env: { ...process.env, SERVER_URL: `https://127.0.0.1:${rig.serverPort}`, NODE_EXTRA_CA_CERTS: rig.certFile },
    });
    await waitForLine(child, 'ready', 20_000);
    const twice = new AgentClient(child);
    const before = rig.ranTools().length;
    const r = await twice.send({ op: 'mcp', tool: 'delete_customer', args: { id: 9 } });
    expect(toolText(r)).to.match(/error|isError/i);
    expect(rig.ranTools().slice(before)).to.deep.equal([]);
    child.kill('SIGKILL');
  });

  it('makes no false blocks in a run of mixed allowed calls', async () => {
    const blockedBefore = rig.verdicts.length;
    for (let i = 0; i < 10; i++) {
      expect(toolText(await agent.send({ op: 'mcp', tool: 'get_customer', args: { id: 1 } }))).to.include('Ada');
      expect(toolText(await agent.send({ op: 'mcp', tool: 'get_all_customers', args: { filter: 'inactive' } }))).to.include('Grace');
      expect(((await agent.send({ op: 'http', method: 'GET', path: `/api/v2/customers?limit=${i + 1}` })).result as { status: number }).status).to.equal(200);
    }
    expect(rig.verdicts.length).to.equal(blockedBefore);
  });

  it('resumes every held process quickly (hold times recorded)', () => {
    expect(rig.holdsSeen.length).to.be.greaterThan(0);
    expect(rig.holdsSeen.every((h) => h.outcome === 'resumed' || h.outcome === 'neutralized')).to.equal(true);
  });
});
