/**
 * Go agents on the real kernel: the official Go MCP SDK client
 * (github.com/modelcontextprotocol/go-sdk) in the protected cgroup, calling
 * the Node customer-mcp server over TLS (Go's own crypto/tls: no libssl) and
 * over plain HTTP (Go's own system calls: no libc). Go programs get probes at
 * crypto/tls.(*Conn).Write and internal/poll.(*FD).Write found by ziriz-gosym,
 * in the symbol table or, stripped, in .gopclntab. Asserted on the server's
 * record of what ran: the denied calls never run, the allowed ones do. A
 * control run without the Go helper shows what the probes stop (the denied
 * call runs: the gap this closes). Loopback only.
 */
import { expect } from 'chai';
import { join } from 'node:path';
import { GoSymbols } from '../../node-agent/src/calls/go-symbols.js';
import { needRoot } from '../support/gate.js';
import { goBuild } from '../support/go-build.js';
import { REPO } from '../support/kustomize.js';
import { Processes } from '../support/processes.js';
import { ToolRig } from '../support/tool-rig.js';
import { toolPolicy as policy } from '../support/tool-policy.js';
import { covers } from '../support/coverage.js';

const SRC = join(REPO, 'test/apps/go-mcp');

interface Outcome {
  tool: string;
  ok: boolean;
  text?: string;
  error?: string;
}

/** Run the Go client in the rig's protected cgroup; its outcome per call. */
async function goCalls(rig: ToolRig, bin: string, url: string, calls: readonly string[]): Promise<Outcome[]> {
  const p = rig.spawnProgramProtected([bin, 'client', url, url.startsWith('https') ? rig.certFile : '-', ...calls]);
  const fin = await rig.procs.wait(p, 60_000);
  const lines = fin.stdout.split('\n').filter((l) => l.startsWith('{'));
  if (!fin.stdout.includes('done')) throw new Error(`go-mcp client did not finish (exit ${String(fin.code)}): ${fin.stderr.slice(-1500)}`);
  return lines.map((l) => JSON.parse(l) as Outcome);
}

const CALLS = ['get_customer={"id":1}', 'delete_customer={"id":9}', 'get_all_customers={"filter":"none"}', 'get_all_customers={"filter":"vip"}'];

describe('kernel: Go agents (official Go MCP SDK, Go crypto/tls and system calls)', function () {
  this.timeout(300_000);
  const procs = new Processes();
  let bins: { name: string; path: string }[] = [];

  before(async function () {
    needRoot(this);
    bins = [
      { name: 'with symbols', path: await goBuild(procs, SRC) },
      { name: 'stripped (-s -w: .gopclntab only)', path: await goBuild(procs, SRC, ['-ldflags=-s -w']) },
    ];
  });

  after(() => { procs.killAll(); });

  it('ziriz-gosym finds the probed functions in both builds, and says a non-Go program is not Go', () => {
    const go = new GoSymbols();
    expect(go.available, 'node-agent/gosym/build/ziriz-gosym (hack/build-gosym)').to.equal(true);
    const [full, stripped] = bins.map((b) => go.inspect(b.path));
    for (const p of [full, stripped]) {
      expect(p?.go).to.match(/^go1\.\d+/);
      for (const fn of ['crypto/tls.(*Conn).Write', 'crypto/tls.(*Conn).Read', 'internal/poll.(*FD).Write', 'internal/poll.(*FD).Read']) {
        expect(p?.functions.get(fn)?.returns.length ?? 0, fn).to.be.greaterThan(0);
      }
    }
    expect(full?.stripped).to.equal(false);
    expect(stripped?.stripped).to.equal(true);
    // Same code, same places: the stripped build's offsets are those of the full one's.
    expect(stripped?.functions.get('crypto/tls.(*Conn).Write')?.entry).to.equal(full?.functions.get('crypto/tls.(*Conn).Write')?.entry);
    expect(go.inspect('/bin/sh')).to.equal(null);
  });

  for (const tls of [true, false]) {
    describe(tls ? 'over TLS (crypto/tls.(*Conn).Write)' : 'over plain HTTP (internal/poll.(*FD).Write)', () => {
      const rig = new ToolRig();
      before(async () => { await rig.start([policy()], { tls }); });
      after(async () => { await rig.stop(); });

      for (const which of [0, 1]) {
        it(`Go SDK client ${['with symbols', 'stripped'][which] ?? ''}: denied calls never run, allowed ones do, and are reported`, async () => {
          covers('Go (crypto/tls, own syscalls)', 'HTTP/1.1', 'Go SDK client, symbols and stripped, TLS and plain');
          const bin = bins[which];
          if (!bin) throw new Error('Go client not built');
          const url = `${tls ? 'https' : 'http'}://127.0.0.1:${rig.serverPort}/mcp`;
          const before = rig.ranTools().length;
          const verdictsBefore = rig.verdicts.length;
          const out = await goCalls(rig, bin.path, url, CALLS);
          expect(rig.ranTools().slice(before)).to.deep.equal(['get_customer', 'get_all_customers']);
          expect(out.map((o) => o.tool)).to.deep.equal(['get_customer', 'delete_customer', 'get_all_customers', 'get_all_customers']);
          expect(out[0]?.text).to.include('Ada');
          expect(out[1]?.text ?? '').to.not.include('deleted');
          expect(out[1]?.ok).to.equal(false);
          const blocked = rig.verdicts.slice(verdictsBefore).filter((v) => v.reason === 'ToolCallBlocked');
          expect(blocked.map((v) => v.target.replace(/ to .*$/, ''))).to.include.members(['tools/call delete_customer', 'tools/call get_all_customers']);
          expect(blocked.every((v) => v.verdict === 'deny')).to.equal(true);
          // Judged at Go's own functions: crypto/tls's Write, or the runtime's socket write (reported as write).
          expect(blocked.map((v) => v.detail?.probe)).to.include(tls ? 'crypto/tls.(*Conn).Write' : 'write');
        });
      }
    });
  }

  describe('without the Go helper: a Go program ziriz cannot read may not connect (visibility gate)', () => {
    const rig = new ToolRig();
    before(async () => { await rig.start([policy()], { tls: true, goSymbols: new GoSymbols('/nonexistent/ziriz-gosym') }); });
    after(async () => { await rig.stop(); });

    it('its connect is refused (EPERM) and reported as CallNotVisible; nothing runs', async () => {
      const bin = bins[0];
      if (!bin) throw new Error('Go client not built');
      const before = rig.ranTools().length;
      const p = rig.spawnProgramProtected([bin.path, 'client', `https://127.0.0.1:${rig.serverPort}/mcp`, rig.certFile, 'delete_customer={"id":9}']);
      const fin = await rig.procs.wait(p, 60_000);
      expect(fin.stderr).to.match(/connect: operation not permitted/);
      expect(rig.ranTools().slice(before)).to.deep.equal([]);
      expect(rig.verdicts.find((v) => v.reason === 'CallNotVisible')?.why).to.include('Go program');
    });
  });

  describe('control: without the helper and with spec.visibility: EgressOnly (what the probes stop)', () => {
    const rig = new ToolRig();
    before(async () => { await rig.start([policy({ visibility: 'EgressOnly' })], { tls: true, goSymbols: new GoSymbols('/nonexistent/ziriz-gosym') }); });
    after(async () => { await rig.stop(); });

    it('the denied call runs when Go programs are not probed', async () => {
      const bin = bins[0];
      if (!bin) throw new Error('Go client not built');
      const before = rig.ranTools().length;
      await goCalls(rig, bin.path, `https://127.0.0.1:${rig.serverPort}/mcp`, ['delete_customer={"id":9}']);
      expect(rig.ranTools().slice(before)).to.deep.equal(['delete_customer']);
    });
  });
});
