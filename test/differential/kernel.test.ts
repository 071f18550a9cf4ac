/**
 * Differential property (b), on the real kernel: a protected process (in the
 * ToolRig's cgroup, plaintext probes on) writes streams chosen to cover every
 * mutation class, with their exact write boundaries, to three real servers
 * (Node, Go, Python) running unprotected on loopback; the real node agent
 * code judges what the kernel holds. No server's ledger may ever show a
 * denied call executed (delete_customer, a bulk export, a DELETE).
 */
import { expect } from 'chai';
import { compile } from '../../core/policy/compile.js';
import { needRoot } from '../support/gate.js';
import { toolPolicy } from '../support/tool-policy.js';
import { ToolRig } from '../support/tool-rig.js';
import { deniedCovering } from './covering.js';
import { describeEntry } from './ledger.js';
import { KernelRunner } from './kernel-runner.js';
import { deniedBy, Findings, isRisk } from './outcome.js';
import { RealServers, SERVER_NAMES } from './real-servers.js';
import { ALL_CLASSES, classesOf, PLAIN } from './spec.js';

describe('differential (kernel): protected writes of mutated streams against three real servers', function () {
  this.timeout(900_000);
  const set = compile([toolPolicy()]);
  const servers = new RealServers();
  const rig = new ToolRig();
  let runner: KernelRunner | undefined;
  let rigStarting = false;

  before(async function () {
    this.timeout(600_000); // a first run builds the Go server and the Python venv
    needRoot(this);
    await servers.start();
    rigStarting = true;
    await rig.start([toolPolicy()], { tls: false, startServer: false });
    runner = new KernelRunner(rig, servers);
  });

  after(async () => {
    runner?.stop();
    servers.stop();
    if (rigStarting) await rig.stop();
  });

  const kernel = (): KernelRunner => {
    if (!runner) throw new Error('the rig did not start');
    return runner;
  };

  it('a protected plain get_customer reaches every server and runs (the harness is not blind)', async () => {
    const o = await kernel().run({ payload: { kind: 'mcp', tool: 'get_customer' }, m: PLAIN, cuts: [] });
    for (const name of SERVER_NAMES) {
      expect(o.executed[name].map(describeEntry), `${name} (answer: ${o.exchanges[name]?.answer ?? ''}; ${o.kernel?.join('; ') ?? ''})`).to.have.length(1);
    }
  });

  it('a protected plain delete_customer is stopped before every server (the agent enforces at all)', async () => {
    const o = await kernel().run({ payload: { kind: 'mcp', tool: 'delete_customer' }, m: PLAIN, cuts: [] });
    expect(deniedBy(set, o), o.kernel?.join('; ')).to.deep.equal([]);
    expect(o.kernel?.some((k) => k.startsWith('deny')), 'a denial was reported').to.equal(true);
  });

  it('property: no server executes a denied call written by a protected process (every mutation class)', async () => {
    const specs = deniedCovering();
    const findings = new Findings();
    const covered = new Set<string>();
    const ran = Object.fromEntries(SERVER_NAMES.map((n) => [n, 0]));
    const started = Date.now();
    for (const [i, spec] of specs.entries()) {
      if (Date.now() - started > 300_000) throw new Error(`time budget spent after ${i} of ${specs.length} streams`);
      const o = await kernel().run(spec);
      for (const c of classesOf(spec)) covered.add(c);
      for (const name of SERVER_NAMES) ran[name] = (ran[name] ?? 0) + o.executed[name].length;
      if (isRisk(set, o)) findings.add(o);
    }
    const failed = findings.list();
    process.stdout.write([
      `differential (kernel): ${specs.length} streams tried (${covered.size} mutation classes, denied payloads only) in ${Math.round((Date.now() - started) / 1000)} s; writers restarted ${kernel().restarts} times;`,
      `  executions per server: ${SERVER_NAMES.map((n) => `${n} ${ran[n] ?? 0}`).join(', ')}`,
      `  denied calls executed by a server: ${failed.length} classes: ${failed.map((r) => r.cls).join(' | ') || 'none'}`,
      ...(failed.length > 0 ? [findings.describe(set)] : []),
      '',
    ].join('\n'));
    expect(ALL_CLASSES.filter((c) => !covered.has(c)), 'mutation classes never tried').to.deep.equal([]);
    expect(failed.map((r) => r.cls), 'classes whose denied call a real server executed (examples in the report above)').to.deep.equal([]);
  });
});
