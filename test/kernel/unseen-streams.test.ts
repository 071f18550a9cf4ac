/**
 * Calls written into a stdio server's stdin where no write probe sees them
 * (bpf/tp_unseen_streams.bpf.c): by a program ziriz cannot see (a static
 * musl build: no libc to probe), or by a probed process through splice(2).
 * The stream is marked with the writer's pod, and what the server reads
 * from it is judged by that pod's rules at the return of read(2), before
 * the server parses it. Asserted on the real TS SDK stdio server's record
 * of what ran and on the Events; a probed writer (the dynamic musl build) is
 * the control: judged once, at its write.
 */
import { expect } from 'chai';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { need, needRoot } from '../support/gate.js';
import { REPO } from '../support/kustomize.js';
import { buildMuslWriters } from '../support/musl-writers.js';
import { SYSTEM_PYTHON } from '../support/python.js';
import { ToolRig } from '../support/tool-rig.js';
import { toolPolicy } from '../support/tool-policy.js';
import { covers } from '../support/coverage.js';

const NODE_SERVER = join(REPO, 'dist/hack/apps/customer-mcp-stdio.js');

/** initialize, initialized, then tools/call get_customer (id 2) and delete_customer (id 3), one per line. */
function session(): string {
  const msgs = [
    { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'unseen', version: '1' } } },
    { jsonrpc: '2.0', method: 'notifications/initialized' },
    { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'get_customer', arguments: { id: 1 } } },
    { jsonrpc: '2.0', id: 3, method: 'tools/call', params: { name: 'delete_customer', arguments: { id: 9 } } },
  ];
  return msgs.map((m) => `${JSON.stringify(m)}\n`).join('');
}

describe('kernel: calls written where no probe sees are judged as the stdio server reads them', function () {
  this.timeout(180_000);
  const rig = new ToolRig();
  let dir = '';
  let calls = '';

  before(async function () {
    needRoot(this);
    need(this, existsSync('/usr/bin/musl-gcc'), 'musl-gcc (Debian musl-tools; hack/setup installs it)');
    dir = buildMuslWriters('ziriz-unseen-');
    calls = join(dir, 'session.jsonl');
    writeFileSync(calls, session());
    await rig.start([toolPolicy()], { tls: false });
  });
  after(async () => {
    await rig.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** `writer` (a shell command writing `calls` to its stdout) piped into the stdio server, in the pod; what ran, the Events, the answers. */
  async function pipeline(writer: string): Promise<{ ran: string[]; blocked: string[]; answers: string }> {
    const vBefore = rig.verdicts.length;
    const ranBefore = rig.ranTools().length;
    const out = join(dir, `answers-${Date.now()}.jsonl`);
    const r = await rig.procs.wait(rig.spawnProgramProtected(['/bin/sh', '-c', `${writer} | ${process.execPath} ${NODE_SERVER} > ${out}`], { SIDE_EFFECTS: rig.sideEffects }), 60_000);
    expect(r.code, r.stderr.slice(-1500)).to.equal(0);
    return {
      ran: rig.ranTools().slice(ranBefore),
      blocked: rig.verdicts.slice(vBefore).filter((v) => v.reason === 'ToolCallBlocked').map((v) => v.target),
      answers: readFileSync(out, 'utf8'),
    };
  }

  it('a static program (no probe can see it) writes the calls into a pipe: the denied call never runs, the allowed one does; the Event names the server', async () => {
    covers('programs ziriz cannot see (static, rustls, JVM)', 'stdio child', 'static musl client, pipe; judged as the server reads');
    const r = await pipeline(`${join(dir, 'static-writer')} - ${calls}`);
    expect(r.ran).to.deep.equal(['get_customer']);
    expect(r.blocked).to.have.length(1);
    expect(r.blocked[0]).to.match(/^tools\/call delete_customer to stdio server node customer-mcp-stdio\.js \(pid \d+\)$/);
    // The server read the call renamed: it answered id 3 with an error, and never ran it.
    const three = r.answers.split('\n').filter((l) => l.includes('"id":3'));
    expect(three.join('\n')).to.match(/ZIRIZ_DENIED___|error/i);
  });

  it('control: the same bytes from the dynamic build (probed through musl\'s write) are judged once, at the write', async () => {
    covers('plaintext through libc (glibc, musl)', 'stdio child', 'dynamic musl client, pipe');
    const r = await pipeline(`${join(dir, 'dynamic-writer')} - ${calls}`);
    expect(r.ran).to.deep.equal(['get_customer']);
    expect(r.blocked).to.have.length(1);
  });

  it('a probed process that splices the calls into the pipe (splice(2): no write probe on it): judged as the server reads them', async () => {
    covers('Python (OpenSSL)', 'stdio child', 'os.splice into a pipe; judged as the server reads');
    const py = `import os, time; f = os.open('${calls}', os.O_RDONLY); n = os.fstat(f).st_size; assert os.splice(f, 1, n) == n; time.sleep(2)`;
    const r = await pipeline(`${SYSTEM_PYTHON} -c "${py}"`);
    expect(r.ran).to.deep.equal(['get_customer']);
    expect(r.blocked).to.have.length(1);
    expect(r.blocked[0]).to.match(/^tools\/call delete_customer to stdio server node customer-mcp-stdio\.js/);
  });
});
