/**
 * Tool-level enforcement, further paths on the real kernel: Audit mode
 * (reported, never held), Kill, plaintext HTTP (libc send probes), a GnuTLS
 * client (gnutls-cli), and a chunked body split across TLS writes. Loopback only.
 */
import { expect } from 'chai';
import { join } from 'node:path';
import { needRoot } from '../support/gate.js';
import { REPO } from '../support/kustomize.js';
import { waitFor } from '../support/processes.js';
import { ToolRig } from '../support/tool-rig.js';
import { covers } from '../support/coverage.js';

function policy(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    apiVersion: 'ziriz.io/v1alpha1', kind: 'AgentPolicy', metadata: { name: 'agents', namespace: 'payments' },
    spec: {
      selector: { matchLabels: { app: 'gpt-orchestrator' } },
      mode: 'Enforce',
      mcp: { tools: [{ name: 'get_customer', effect: 'Allow' }, { name: 'get_all_customers', effect: 'Allow', arguments: { filter: { notIn: ['none'] } } }] },
      http: { routes: [{ effect: 'Allow', methods: ['GET', 'POST'], paths: ['/api/v2/customers'], query: { limit: { max: 100 } } }, { effect: 'Allow', methods: ['POST'], paths: ['/mcp'] }] },
      ...over,
    },
  };
}

const DENIED_CALL = { op: 'mcp', tool: 'get_all_customers', args: { filter: 'none' } };

function blockedText(r: { ok: boolean; result?: unknown; error?: string }): boolean {
  return !r.ok || (r.result as { isError?: boolean }).isError === true;
}

describe('kernel: tool-level enforcement modes', function () {
  this.timeout(120_000);
  let rig: ToolRig | undefined;

  beforeEach(function () {
    needRoot(this);
  });

  afterEach(async () => {
    await rig?.stop();
    rig = undefined;
  });

  it('Audit: lets the call run, reports ToolCallAudited, never stops the process', async () => {
    rig = new ToolRig();
    await rig.start([policy({ mode: 'Audit' })]);
    const agent = await rig.client();
    const r = await agent.send(DENIED_CALL);
    expect(blockedText(r)).to.equal(false);
    expect(rig.ranTools()).to.include('get_all_customers');
    expect(await waitFor(() => rig!.verdicts.some((v) => v.reason === 'ToolCallAudited'), 5000)).to.equal(true);
    expect(rig.holdsSeen).to.deep.equal([]);
  });

  it('Kill: kills the calling process; the tool never runs', async () => {
    rig = new ToolRig();
    await rig.start([policy({ action: 'Kill' })]);
    const agent = await rig.client();
    const exited = new Promise<string | null>((r) => agent.child.once('exit', (_c, sig) => { r(sig); }));
    agent.child.stdin?.write(`${JSON.stringify(DENIED_CALL)}\n`);
    expect(await exited).to.equal('SIGKILL');
    expect(rig.ranTools()).to.not.include('get_all_customers');
    expect(rig.holdsSeen.some((h) => h.outcome === 'killed')).to.equal(true);
  });

  it('plaintext HTTP: judged at libc send, blocked before it leaves, allowed calls run', async () => {
    covers('plaintext through libc (glibc, musl)', 'HTTP/1.1', 'Node on glibc');
    rig = new ToolRig();
    await rig.start([policy()], { tls: false });
    const agent = await rig.client(false);
    expect(blockedText(await agent.send(DENIED_CALL))).to.equal(true);
    expect(rig.ranTools()).to.not.include('get_all_customers');
    const ok = await agent.send({ op: 'mcp', tool: 'get_customer', args: { id: 1 } });
    expect(blockedText(ok)).to.equal(false);
    const big = await agent.send({ op: 'http', method: 'GET', path: '/api/v2/customers?limit=100000' });
    expect((big.result as { status: number }).status).to.equal(404);
    // Node writes a request's head and body with one writev: held as one write.
    expect(rig.verdicts.some((v) => v.reason === 'ToolCallBlocked' && (v.detail?.probe === 'write' || v.detail?.probe === 'writev'))).to.equal(true);
  });

  it('a GnuTLS client (gnutls-cli) is judged at gnutls_record_send', async () => {
    covers('GnuTLS (gnutls-cli)', 'HTTP/1.1', '');
    rig = new ToolRig();
    await rig.start([policy()]);
    const cli = rig.procs.start('sh', ['-c', `echo $$ > ${rig.cgroupPath}/cgroup.procs && exec gnutls-cli --insecure --port ${rig.serverPort} 127.0.0.1`]);
    let out = '';
    cli.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    expect(await waitFor(() => out.includes('Handshake was completed'), 10_000)).to.equal(true);
    cli.stdin?.write('GET /api/v2/customers?limit=100000 HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
    expect(await waitFor(() => out.includes('HTTP/1.1 404'), 10_000)).to.equal(true);
    expect(rig.ranTools()).to.not.include('rest');
    expect(rig.verdicts.some((v) => v.reason === 'HTTPRequestBlocked' && v.detail?.probe === 'gnutls_record_send')).to.equal(true);
  });

  it('a chunked body split across TLS writes is judged as one message: blocked when denied, passed when allowed', async () => {
    rig = new ToolRig();
    await rig.start([policy()]);
    const script = join(REPO, 'dist/test/apps/chunked-client.js');
    const run = async (filter: string): Promise<string> => {
      const c = rig!.procs.start('sh', ['-c', `echo $$ > ${rig!.cgroupPath}/cgroup.procs && exec "$0" "$1" ${rig!.serverPort} ${filter}`, process.execPath, script], {
        env: { ...process.env, NODE_EXTRA_CA_CERTS: rig!.certFile },
      });
      const fin = await rig!.procs.wait(c, 20_000);
      return fin.stdout;
    };
    const denied = await run('none');
    expect(denied).to.match(/Parse error|error|400 Bad Request/i); // the server refuses the message: its body never parses
    expect(rig.ranTools()).to.not.include('get_all_customers');
    const allowed = await run('active');
    expect(allowed).to.include('Ada');
    expect(rig.ranTools()).to.include('get_all_customers');
  });
});
