/**
 * The visibility gate on the real kernel: in a pod whose calls are judged, a
 * process whose calls ziriz cannot see (here a statically linked program:
 * no libc or TLS library to probe) has its TCP connects refused at
 * connect() with EPERM and a CallNotVisible verdict, so nothing it would
 * send passes unjudged; a dynamically linked build of the same program
 * connects and is judged. A policy with spec.visibility: EgressOnly accepts
 * egress-only protection: the static program connects (and is not judged).
 * Asserted on the server's record of what ran. Loopback only; built with
 * musl-gcc (Debian musl-tools, installed by hack/setup).
 */
import { expect } from 'chai';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { need, needRoot } from '../support/gate.js';
import { buildMuslWriters } from '../support/musl-writers.js';
import { ToolRig } from '../support/tool-rig.js';
import { toolPolicy as policy } from '../support/tool-policy.js';
import { covers } from '../support/coverage.js';


describe('kernel: the visibility gate (a program ziriz cannot see may not connect while the pod is judged)', function () {
  this.timeout(180_000);
  let dir = '';

  before(function () {
    needRoot(this);
    need(this, existsSync('/usr/bin/musl-gcc'), 'musl-gcc (Debian musl-tools; hack/setup installs it)');
    dir = buildMuslWriters('ziriz-visibility-');
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const send = async (rig: ToolRig, prog: string, tool: string): Promise<string> => {
    const p = rig.spawnProgramProtected([join(dir, prog), String(rig.serverPort), join(dir, `${tool}.http`)]);
    const fin = await rig.procs.wait(p, 20_000);
    return `${fin.stdout}${fin.stderr}`;
  };

  describe('default (spec.visibility: Plaintext)', () => {
    const rig = new ToolRig();
    before(async () => { await rig.start([policy()], { tls: false }); });
    after(async () => { await rig.stop(); });

    it('a static program: connect() refused (EPERM), nothing runs, CallNotVisible names why', async () => {
      covers('programs ziriz cannot see (static, rustls, JVM)', 'HTTP/1.1', 'connect refused');
      const before = rig.ranTools().length;
      const out = await send(rig, 'static-writer', 'delete_customer');
      expect(out).to.match(/connect: Operation not permitted/);
      expect(await send(rig, 'static-writer', 'get_customer')).to.match(/connect: Operation not permitted/);
      expect(rig.ranTools().slice(before)).to.deep.equal([]);
      const v = rig.verdicts.find((x) => x.reason === 'CallNotVisible');
      expect(v?.rule).to.equal('spec.visibility');
      expect(v?.why).to.include('statically linked');
      expect(v?.target).to.equal(`127.0.0.1:${rig.serverPort}/TCP`);
      expect(v?.pod?.pod).to.equal('gpt-orchestrator-0');
    });

    it('the same program linked dynamically: connects, and its calls are judged (denied never runs, allowed runs)', async () => {
      const before = rig.ranTools().length;
      expect(await send(rig, 'dynamic-writer', 'get_customer')).to.include('Ada');
      await send(rig, 'dynamic-writer', 'delete_customer');
      expect(rig.ranTools().slice(before)).to.deep.equal(['get_customer']);
    });
  });

  describe('spec.visibility: EgressOnly (egress-only protection accepted)', () => {
    const rig = new ToolRig();
    before(async () => { await rig.start([policy({ visibility: 'EgressOnly' })], { tls: false }); });
    after(async () => { await rig.stop(); });

    it('the static program connects and its call runs: only the egress rules protect it', async () => {
      covers('programs ziriz cannot see (static, rustls, JVM)', 'HTTP/1.1', 'EgressOnly: egress rules only');
      const before = rig.ranTools().length;
      expect(await send(rig, 'static-writer', 'get_customer')).to.include('Ada');
      expect(rig.ranTools().slice(before)).to.deep.equal(['get_customer']);
      expect(rig.verdicts.some((x) => x.reason === 'CallNotVisible')).to.equal(false);
    });
  });
});
