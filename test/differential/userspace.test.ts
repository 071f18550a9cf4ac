/**
 * Differential property (a), user space: generated HTTP/1.1 streams carrying
 * MCP tools/call and REST requests, with mutations (key spellings, encodings,
 * framing, paths, splits), are sent to three real servers (Node, Go, Python)
 * and judged by the node agent's own parser and policy evaluation. Every
 * stream a server EXECUTES as a denied call (its ledger says so) must be
 * denied, or found unreadable, by the agent. Streams every server runs as
 * allowed calls but the agent denies are counted (false positives).
 * ZIRIZ_DIFF_SEED / ZIRIZ_DIFF_STREAMS change the sample.
 */
import { expect } from 'chai';
import { compile } from '../../core/policy/compile.js';
import { toolPolicy } from '../support/tool-policy.js';
import { sampleStreams } from './arbitraries.js';
import { fullCovering } from './covering.js';
import { describeEntry } from './ledger.js';
import { Findings, isFalsePositive, isRisk, type Outcome } from './outcome.js';
import { RealServers, SERVER_NAMES } from './real-servers.js';
import { ALL_CLASSES, classesOf, PLAIN, type Payload } from './spec.js';
import { UserspaceRunner } from './userspace-runner.js';
import { DEADLINE_MS } from './wire.js';

const SEED = Number(process.env.ZIRIZ_DIFF_SEED ?? '20261204');
const STREAMS = Number(process.env.ZIRIZ_DIFF_STREAMS ?? '500');
/** Risky streams minimised at most (the others are grouped by their full class set). */
const MINIMISE = 100;
/** The property gives up (and fails) past this: a server that stops answering costs a deadline per stream. */
const BUDGET_MS = 240_000;

describe('differential (user space): the agent parser and policy against three real servers', function () {
  this.timeout(900_000);
  const servers = new RealServers();
  const set = compile([toolPolicy()]);
  let runner: UserspaceRunner;

  before(async function () {
    this.timeout(600_000); // a first run builds the Go server and the Python venv
    await servers.start();
    runner = new UserspaceRunner(servers, set);
  });

  after(() => {
    servers.stop();
  });

  const plain = async (payload: Payload): Promise<Outcome> => runner.run({ payload, m: PLAIN, cuts: [] });

  it('every server executes a plain get_customer and a small REST read, and the agent allows both (the harness is not blind)', async () => {
    for (const o of [await plain({ kind: 'mcp', tool: 'get_customer' }), await plain({ kind: 'rest', method: 'GET', big: false })]) {
      for (const name of SERVER_NAMES) {
        expect(o.executed[name].map(describeEntry), `${name} executed (answer: ${o.exchanges[name]?.answer ?? ''}; output: ${servers.get(name).output()})`).to.have.length(1);
      }
      expect(o.agent?.verdict, o.agent?.seen.join('; ')).to.equal('allow');
    }
  });

  it('every server executes a plain delete_customer and a bulk REST export, and the agent denies both (the ledgers see denied calls)', async () => {
    for (const o of [await plain({ kind: 'mcp', tool: 'delete_customer' }), await plain({ kind: 'rest', method: 'GET', big: true })]) {
      for (const name of SERVER_NAMES) expect(o.executed[name].map(describeEntry), `${name} executed`).to.have.length(1);
      expect(o.agent?.verdict, o.agent?.seen.join('; ')).to.equal('deny');
    }
  });

  it(`property: no stream a real server executes as a denied call is allowed by the agent (every class alone, then ${STREAMS} generated streams, seed ${SEED})`, async () => {
    const specs = [...fullCovering(), ...sampleStreams(STREAMS, SEED)];
    const risky: Outcome[] = [];
    const falsePositives = new Findings();
    const ran = Object.fromEntries(SERVER_NAMES.map((n) => [n, 0]));
    const covered = new Set<string>();
    const started = Date.now();
    for (const [i, spec] of specs.entries()) {
      if (Date.now() - started > BUDGET_MS) throw new Error(`time budget spent after ${i} of ${specs.length} streams (${runner.deadlines} exchanges ran into the deadline)`);
      const o = await runner.run(spec);
      for (const c of classesOf(spec)) covered.add(c);
      for (const name of SERVER_NAMES) ran[name] = (ran[name] ?? 0) + o.executed[name].length;
      if (isRisk(set, o)) risky.push(o);
      else if (isFalsePositive(set, o)) falsePositives.add(o);
    }
    const findings = new Findings();
    for (const [i, o] of risky.entries()) findings.add(i < MINIMISE ? await runner.minimise(o) : o);
    const fpCount = falsePositives.list().reduce((n, r) => n + r.count, 0);
    process.stdout.write([
      `differential (user space): ${specs.length} streams tried (${specs.length - STREAMS} covering every class, ${STREAMS} generated with seed ${SEED}; ${runner.runs} sent with the sanity and minimisation runs), ${covered.size} mutation classes covered;`,
      `  executions per server: ${SERVER_NAMES.map((n) => `${n} ${ran[n] ?? 0}`).join(', ')}; late executions: ${runner.strays}; exchanges ended by the ${DEADLINE_MS} ms deadline: ${runner.deadlines}`,
      `  risks: ${risky.length} streams executed as denied calls by a server and allowed by the agent, in ${findings.size} classes: ${findings.list().map((r) => r.cls).join(' | ') || 'none'}`,
      findings.describe(set),
      `  false positives (every server ran only allowed calls, the agent denied): ${fpCount}${fpCount ? `, classes: ${falsePositives.list().map((r) => `${r.cls} (${r.count})`).join(' | ')}` : ''}`,
      '',
    ].filter((l) => l !== '').join('\n') + '\n');
    expect(falsePositives.list().filter((r) => r.cls === '(no mutation)').map((r) => r.example.agent?.seen.join('; ')), 'plain streams every server runs as allowed, denied by the agent').to.deep.equal([]);
    expect(ALL_CLASSES.filter((c) => !covered.has(c)), 'mutation classes never tried').to.deep.equal([]);
    for (const name of SERVER_NAMES) expect(ran[name], `${name} executed nothing: the harness is blind to it`).to.be.greaterThan(0);
    expect(findings.list().map((r) => r.cls), 'classes of streams a server executed as denied calls that the agent allowed (examples in the report above)').to.deep.equal([]);
  });
});
