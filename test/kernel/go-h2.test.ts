/**
 * HTTP/2 from a Go agent on the real kernel: Go's HTTP client speaks h2 over
 * TLS to any server that offers it (the official Go MCP SDK server does), so
 * a Go agent's tool calls are HTTP/2 frames with HPACK-coded headers. The
 * agent decodes them (node-agent/src/calls/h2.ts, hpack.ts) and judges each
 * stream: a denied tool call is neutralised in its DATA frame (that stream
 * gets an error, the connection's other calls go on); a denied route ends
 * the connection at that write. Asserted on the Go server's record of what
 * ran. Loopback only.
 */
import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needRoot } from '../support/gate.js';
import { goBuild } from '../support/go-build.js';
import { REPO } from '../support/kustomize.js';
import { Processes } from '../support/processes.js';
import { ToolRig } from '../support/tool-rig.js';
import { rawToolRequest, toolPolicy as policy } from '../support/tool-policy.js';
import { covers } from '../support/coverage.js';

interface Outcome {
  tool: string;
  ok: boolean;
  text?: string;
  error?: string;
}

describe('kernel: a Go agent over HTTP/2 (Go SDK client to the Go SDK server, TLS)', function () {
  this.timeout(300_000);
  const procs = new Processes();
  const rig = new ToolRig();
  let bin = '';
  before(async function () {
    needRoot(this);
    bin = await goBuild(procs, join(REPO, 'test/apps/go-mcp'));
    // The Streamable HTTP transport's routes: POST calls, GET the event stream, DELETE the session (an h2 route
    // denial refuses the request on its stream; Go's transport retries such a request on a new connection).
    const routes = { http: { routes: [{ effect: 'Allow', methods: ['GET', 'POST', 'DELETE'], paths: ['/mcp'] }] } };
    await rig.start([policy(routes)], { tls: true, server: { program: (f) => [bin, 'server', '127.0.0.1:0', f.cert, f.key, f.sideEffects] } });
  });
  after(async () => {
    await rig.stop();
    procs.killAll();
  });

  it('one h2 connection: allowed calls run, denied ones never run and are answered as errors, the calls after them go on', async () => {
    covers('Go (crypto/tls, own syscalls)', 'HTTP/2', 'Go SDK client and server');
    const p = rig.spawnProgramProtected([bin, 'client', `https://127.0.0.1:${rig.serverPort}/mcp`, rig.certFile,
      'get_customer={"id":1}', 'delete_customer={"id":9}', 'get_all_customers={"filter":"none"}', 'get_all_customers={"filter":"vip"}', 'get_customer={"id":2}']);
    const fin = await rig.procs.wait(p, 60_000);
    expect(fin.stdout, `exit ${String(fin.code)} ${fin.stderr.slice(-1500)} ran ${rig.ranTools().join(',')}`).to.include('done');
    const out = fin.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Outcome);
    expect(rig.ranTools()).to.deep.equal(['get_customer', 'get_all_customers', 'get_customer']);
    expect(out.map((o) => o.ok)).to.deep.equal([true, false, false, true, true]);
    expect(out[1]?.text ?? '').to.not.include('deleted');
    const blocked = rig.verdicts.filter((v) => v.reason === 'ToolCallBlocked').map((v) => v.target.replace(/ to .*$/, ''));
    expect(blocked).to.include.members(['tools/call delete_customer', 'tools/call get_all_customers']);
  });
});

describe('kernel: HTTP/2 from Node\'s http2 module and from curl --http2 (OpenSSL) to the Go SDK server', function () {
  this.timeout(300_000);
  const procs = new Processes();
  const rig = new ToolRig();
  let bin = '';
  let dir = '';
  before(async function () {
    needRoot(this);
    dir = mkdtempSync(join(tmpdir(), 'ziriz-h2-'));
    bin = await goBuild(procs, join(REPO, 'test/apps/go-mcp'));
    const routes = { http: { routes: [{ effect: 'Allow', methods: ['GET', 'POST', 'DELETE'], paths: ['/mcp'] }] } };
    await rig.start([policy(routes)], {
      tls: true, serverEnv: { GO_MCP_STATELESS: '1' },
      server: { program: (f) => [bin, 'server', '127.0.0.1:0', f.cert, f.key, f.sideEffects] },
    });
  });
  after(async () => {
    await rig.stop();
    procs.killAll();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('Node http2, one session: denied streams never run, the allowed streams before and after them do', async () => {
    covers('Node (its OpenSSL)', 'HTTP/2', 'Node http2 client');
    const ran = rig.ranTools().length;
    const p = rig.spawnProgramProtected([process.execPath, join(REPO, 'dist/test/apps/h2-client.js'), `https://127.0.0.1:${rig.serverPort}/mcp`, rig.certFile,
      'get_customer={"id":1}', 'delete_customer={"id":9}', 'get_all_customers={"filter":"none"}', 'get_customer={"id":2}']);
    const fin = await rig.procs.wait(p, 60_000);
    expect(fin.stdout, fin.stderr.slice(-1500)).to.include('done');
    const out = fin.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Outcome & { status: number });
    expect(out.map((o) => o.ok), JSON.stringify(out)).to.deep.equal([true, false, false, true]);
    expect(rig.ranTools().slice(ran)).to.deep.equal(['get_customer', 'get_customer']);
  });

  it('curl --http2: the denied call never runs, the allowed one does', async () => {
    covers('C programs on the system OpenSSL (curl)', 'HTTP/2', 'curl --http2');
    const send = async (tool: string, id: number): Promise<string> => {
      const body = rawToolRequest(tool, id).split('\r\n\r\n')[1] ?? '';
      const file = join(dir, `${tool}.json`);
      writeFileSync(file, body);
      const p = rig.spawnProgramProtected(['curl', '--http2', '-sS', '--max-time', '20', '--cacert', rig.certFile, '-H', 'content-type: application/json',
        '-H', 'accept: application/json, text/event-stream', '--data-binary', `@${file}`, '-w', '\nhttp=%{http_version}', `https://127.0.0.1:${rig.serverPort}/mcp`]);
      const fin = await rig.procs.wait(p, 30_000);
      return `${fin.stdout}${fin.stderr}`;
    };
    const ran = rig.ranTools().length;
    const allowed = await send('get_customer', 1);
    expect(allowed).to.include('Ada').and.include('http=2');
    const denied = await send('delete_customer', 9);
    expect(denied).to.not.include('deleted');
    expect(rig.ranTools().slice(ran)).to.deep.equal(['get_customer']);
    expect(rig.verdicts.some((v) => v.reason === 'ToolCallBlocked' && v.target.startsWith('tools/call delete_customer'))).to.equal(true);
  });
});
