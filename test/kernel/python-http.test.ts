/**
 * Python agents over HTTP on the real kernel: the official MCP Python SDK
 * client (Streamable HTTP on httpx2, TLS by Python's ssl module, i.e. the
 * system's libssl, mapped when the program imports ssl: after its exec) in
 * the protected cgroup, calling
 *   - the Node customer-mcp server over HTTPS (HTTP/1.1), and
 *   - the Go SDK server over HTTPS with HTTP/2 (httpx2 http2=True, the h2
 *     package; ALPN h2), its frames decoded by the agent (calls/h2.ts);
 * and the official Python SDK server (uvicorn, TLS by libssl) as a protected
 * pod with inbound rules, in its own cgroup and network namespace, judged at
 * its SSL_read returns. Asserted on each server's record of what ran, and on
 * the verdicts. Loopback, and addresses inside the namespaces this test creates.
 */
import { expect } from 'chai';
import { join } from 'node:path';
import { pythonWithMcp } from '../differential/toolchains.js';
import { needRoot } from '../support/gate.js';
import { TestNetns, vethPair } from '../support/netns.js';
import { goBuild } from '../support/go-build.js';
import { REPO } from '../support/kustomize.js';
import { ToolRig, type AgentClient } from '../support/tool-rig.js';
import { inboundPolicyFor, toolPolicy, toolText } from '../support/tool-policy.js';
import { covers } from '../support/coverage.js';

const CLIENT = join(REPO, 'test/apps/py_mcp_http.py');
const SERVER = join(REPO, 'test/apps/py_mcp_server.py');
const CALLS = ['get_customer={"id":1}', 'delete_customer={"id":9}', 'get_all_customers={"filter":"none"}', 'get_all_customers={"filter":"vip"}'];

interface Outcome { tool: string; ok: boolean; text?: string; error?: string }

/** Run the Python SDK client in the rig's protected cgroup: its outcomes and the HTTP version it spoke. */
async function pythonCalls(rig: ToolRig, python: string, version: 'h1' | 'h2'): Promise<{ out: Outcome[]; http: string }> {
  const p = rig.spawnProgramProtected([python, CLIENT, `https://127.0.0.1:${rig.serverPort}/mcp`, rig.certFile, version, ...CALLS]);
  const fin = await rig.procs.wait(p, 90_000);
  const done = /^done (.*)$/m.exec(fin.stdout);
  if (!done) throw new Error(`the Python SDK client did not finish (exit ${String(fin.code)}): ${fin.stderr.slice(-1500)}`);
  return { out: fin.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Outcome), http: done[1] ?? '' };
}

function expectJudged(rig: ToolRig, r: { out: Outcome[] }, ranBefore: number, vBefore: number): void {
  expect(r.out.map((o) => [o.tool, o.ok]), JSON.stringify(r.out)).to.deep.equal([['get_customer', true], ['delete_customer', false], ['get_all_customers', false], ['get_all_customers', true]]);
  expect(r.out[0]?.text).to.include('Ada');
  expect(rig.ranTools().slice(ranBefore)).to.deep.equal(['get_customer', 'get_all_customers']);
  const blocked = rig.verdicts.slice(vBefore).filter((v) => v.reason === 'ToolCallBlocked');
  expect(blocked.map((v) => v.target.replace(/ to .*$/, ''))).to.include.members(['tools/call delete_customer', 'tools/call get_all_customers']);
  expect(blocked.every((v) => v.verdict === 'deny')).to.equal(true);
}

describe('kernel: Python over HTTP (official MCP Python SDK: httpx2 client, uvicorn server; TLS by libssl)', function () {
  this.timeout(300_000);
  let python = '';

  describe('HTTP/1.1 to the Node server', () => {
    const rig = new ToolRig();
    before(async function () {
      needRoot(this);
      python = await pythonWithMcp(rig.procs);
      await rig.start([toolPolicy()], { tls: true });
    });
    after(async () => { await rig.stop(); });

    it('denied calls never run, allowed ones do; judged at SSL_write of the libssl Python loaded after exec', async () => {
      covers('Python (OpenSSL)', 'HTTP/1.1', 'Python SDK client (httpx2)');
      const ranBefore = rig.ranTools().length;
      const vBefore = rig.verdicts.length;
      const r = await pythonCalls(rig, python, 'h1');
      expect(r.http).to.equal('HTTP/1.1');
      expectJudged(rig, r, ranBefore, vBefore);
      expect(rig.verdicts.slice(vBefore).map((v) => v.detail?.probe)).to.include('SSL_write');
    });
  });

  describe('HTTP/2 to the Go SDK server', () => {
    const rig = new ToolRig();
    before(async function () {
      needRoot(this);
      const bin = await goBuild(rig.procs, join(REPO, 'test/apps/go-mcp'));
      python = await pythonWithMcp(rig.procs);
      const routes = { http: { routes: [{ effect: 'Allow', methods: ['GET', 'POST', 'DELETE'], paths: ['/mcp'] }] } };
      await rig.start([toolPolicy(routes)], { tls: true, server: { program: (f) => [bin, 'server', '127.0.0.1:0', f.cert, f.key, f.sideEffects] } });
    });
    after(async () => { await rig.stop(); });

    it('one h2 connection: denied calls never run, allowed ones do, the calls after a denied one go on', async () => {
      covers('Python (OpenSSL)', 'HTTP/2', 'Python SDK client (httpx2 http2) to the Go SDK server');
      const ranBefore = rig.ranTools().length;
      const vBefore = rig.verdicts.length;
      const r = await pythonCalls(rig, python, 'h2');
      expect(r.http).to.equal('HTTP/2');
      expectJudged(rig, r, ranBefore, vBefore);
    });
  });

  describe('server side: the Python SDK server (uvicorn, libssl) with inbound rules', () => {
    const rig = new ToolRig();
    const spaces: TestNetns[] = [];
    let office: AgentClient;
    let agent: AgentClient;
    const heldOnServer = (): number => rig.holdsSeen.filter((h) => h.pid === rig.serverPid).length;

    before(async function () {
      needRoot(this);
      python = await pythonWithMcp(rig.procs);
      const ns = (n: string): TestNetns => {
        const x = TestNetns.create(n);
        spaces.push(x);
        return x;
      };
      const srv = ns('zpys');
      const a = ns('zpyo');
      const b = ns('zpya');
      vethPair({ ns: srv, name: 'zpys-a', addrs: ['10.251.26.1/24'] }, { ns: a, name: 'za', addrs: ['10.251.26.2/24'] });
      vethPair({ ns: srv, name: 'zpys-b', addrs: ['10.251.27.1/24'] }, { ns: b, name: 'zb', addrs: ['10.251.27.2/24'] });
      const ips = ['10.251.26.1', '10.251.27.1'];
      await rig.start([inboundPolicyFor('10.251.26.0/24'), toolPolicy({ mcp: { tools: [{ name: 'get_customer' }, { name: 'delete_customer' }] } })], {
        tls: true,
        agentPodIPs: ['10.251.27.2'],
        server: { protect: true, netns: srv, podIPs: ips, certIps: ips, program: (f) => [python, SERVER, f.host, f.cert, f.key, f.sideEffects] },
      });
      office = await rig.client(true, {}, { protect: false, netns: a, serverIp: '10.251.26.1' });
      agent = await rig.client(true, {}, { protect: true, netns: b, serverIp: '10.251.27.1' });
    });

    after(async () => {
      await rig.stop();
      for (const x of spaces) x.remove();
    });

    it('an unprotected caller: get_customer runs, delete_customer never does; the verdict names the caller and SSL_read', async () => {
      covers('Python (OpenSSL)', 'server side', 'Python SDK server (uvicorn), TLS');
      expect(toolText(await office.send({ op: 'mcp', tool: 'get_customer', args: { id: 1 } }))).to.include('Ada');
      const before = rig.ranTools().length;
      const held = heldOnServer();
      expect(toolText(await office.send({ op: 'mcp', tool: 'delete_customer', args: { id: 2 } }))).to.match(/error|isError/i);
      expect(rig.ranTools().slice(before)).to.deep.equal([]);
      expect(heldOnServer()).to.be.greaterThan(held);
      const v = rig.verdicts.find((x) => x.reason === 'ToolCallBlocked' && x.target.includes('delete_customer'));
      expect(v?.target).to.include('from 10.251.26.2');
      expect(v?.rule).to.equal('spec.inbound.mcp.tools[2].callers');
      expect(v?.detail?.probe).to.equal('SSL_read');
      expect(rig.ranTools()).to.include('get_customer');
    });

    it("leaves a protected agent's calls to its own policy: delete_customer allowed there runs, not held again on the server", async () => {
      const held = heldOnServer();
      const before = rig.ranTools().length;
      expect(toolText(await agent.send({ op: 'mcp', tool: 'delete_customer', args: { id: 4 } }))).to.include('deleted');
      expect(rig.ranTools().slice(before)).to.deep.equal(['delete_customer']);
      expect(heldOnServer()).to.equal(held);
    });
  });
});
