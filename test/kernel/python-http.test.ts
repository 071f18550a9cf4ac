/**
 * Python agents over HTTP on the real kernel: the official MCP Python SDK
 * client (Streamable HTTP on httpx2, TLS by Python's ssl module, i.e. the
 * system's libssl, mapped when the program imports ssl: after its exec) in
 * the protected cgroup, calling
 *   - the Node customer-mcp server over HTTPS (HTTP/1.1), and
 *   - the Go SDK server over HTTPS with HTTP/2 (httpx2 http2=True, the h2
 *     package; ALPN h2), its frames decoded by the agent (calls/h2.ts).
 * Asserted on each server's record of what ran, and on the verdicts.
 * Loopback only.
 */
import { expect } from 'chai';
import { join } from 'node:path';
import { pythonWithMcp } from '../differential/toolchains.js';
import { needRoot } from '../support/gate.js';
import { goBuild } from '../support/go-build.js';
import { REPO } from '../support/kustomize.js';
import { ToolRig } from '../support/tool-rig.js';
import { toolPolicy } from '../support/tool-policy.js';
import { covers } from '../support/coverage.js';

const CLIENT = join(REPO, 'test/apps/py_mcp_http.py');
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

describe('kernel: Python agents over HTTP (official MCP Python SDK, httpx2 on libssl)', function () {
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
});
