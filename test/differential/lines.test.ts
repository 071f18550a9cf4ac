/**
 * Differential property on line streams (stdio, decision D14), on the real
 * kernel: a protected writer (the system's Python, probed through libc
 * write) writes mutated JSON-RPC sessions into the stdin pipe of the real TS
 * SDK stdio server, cut into writes at seeded random offsets; the real agent
 * code judges what the kernel holds. The server's own record is the truth:
 * no denied call (delete_customer, get_all_customers {filter: "none"}) may
 * ever run. Allowed calls that did not run are counted (false positives),
 * not asserted. ZIRIZ_LINES_SEED / ZIRIZ_LINES_SESSIONS change the sample;
 * ZIRIZ_LINES_ONLY=N replays session N alone (to reproduce a finding).
 */
import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { needRoot } from '../support/gate.js';
import { REPO } from '../support/kustomize.js';
import { ToolRig } from '../support/tool-rig.js';
import { toolPolicy } from '../support/tool-policy.js';

const SEED = Number(process.env.ZIRIZ_LINES_SEED ?? '20261206');
const SESSIONS = Number(process.env.ZIRIZ_LINES_SESSIONS ?? '24');
const SERVER = join(REPO, 'dist/hack/apps/customer-mcp-stdio.js');

/** mulberry32: a small seeded PRNG (the sample is the same for a seed). */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Call { readonly tool: string; readonly args: Record<string, unknown>; readonly denied: boolean }

const CALLS: readonly Call[] = [
  { tool: 'get_customer', args: { id: 1 }, denied: false },
  { tool: 'get_all_customers', args: { filter: 'vip' }, denied: false },
  { tool: 'delete_customer', args: { id: 9 }, denied: true },
  { tool: 'get_all_customers', args: { filter: 'none' }, denied: true },
];

/** Ways to spell one tools/call line that a JSON-RPC reader (JSON.parse) reads as the same call. */
const SPELLINGS: readonly ((id: number, c: Call) => string)[] = [
  (id, c) => JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: c.tool, arguments: c.args } }),
  // params first, method last
  (id, c) => `{"params":{"arguments":${JSON.stringify(c.args)},"name":${JSON.stringify(c.tool)}},"id":${id},"method":"tools/call","jsonrpc":"2.0"}`,
  // escapes in the name and the method
  (id, c) => `{"jsonrpc":"2.0","id":${id},"method":"tools\\/call","params":{"name":"${c.tool.replace(/[a-z_]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`)}","arguments":${JSON.stringify(c.args)}}}`,
  // a repeated name: the last one wins
  (id, c) => `{"jsonrpc":"2.0","id":${id},"method":"tools/call","params":{"name":"get_customer","arguments":${JSON.stringify(c.args)},"name":${JSON.stringify(c.tool)}}}`,
  // whitespace everywhere, a string id
  (id, c) => `{ "jsonrpc" : "2.0" ,\t"id" : "${id}" , "method" : "tools/call" , "params" : { "name" : ${JSON.stringify(c.tool)} , "arguments" : ${JSON.stringify(c.args)} } }`,
];

/** Lines before a call that readers skip or that are not calls. */
const NOISE: readonly string[] = ['', 'x', '   ', '{"jsonrpc":"2.0","method":"notifications/progress","params":{}}', '[]', 'null'];

interface Session { readonly bytes: Buffer; readonly cuts: readonly number[]; readonly calls: readonly Call[]; readonly crlf: boolean }

function session(r: () => number): Session {
  const crlf = r() < 0.25;
  const end = crlf ? '\r\n' : '\n';
  const lines = [
    JSON.stringify({ jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'lines', version: '1' } } }),
    '{"jsonrpc":"2.0","method":"notifications/initialized"}',
  ];
  const calls: Call[] = [];
  const n = 1 + Math.floor(r() * 3);
  for (let i = 0; i < n; i++) {
    if (r() < 0.3) lines.push(NOISE[Math.floor(r() * NOISE.length)] ?? '');
    const c = CALLS[Math.floor(r() * CALLS.length)] ?? CALLS[0]!;
    calls.push(c);
    lines.push((SPELLINGS[Math.floor(r() * SPELLINGS.length)] ?? SPELLINGS[0]!)(i + 1, c));
  }
  const bytes = Buffer.from(lines.map((l) => l + end).join(''));
  // The calls' bytes cut into 1 to 6 writes at random offsets (the handshake is one write before them).
  const head = Buffer.byteLength(lines.slice(0, 2).map((l) => l + end).join(''));
  const cuts = new Set<number>([head]);
  const k = Math.floor(r() * 6);
  for (let i = 0; i < k; i++) cuts.add(head + 1 + Math.floor(r() * (bytes.length - head - 1)));
  return { bytes, cuts: [...cuts].sort((a, b) => a - b), calls, crlf };
}

/** Writes file argv[1] to stdout cut at the offsets of argv[2] (comma-separated), one os.write each, then waits for answers. */
const WRITER = 'import os, sys, time\n' +
  'data = open(sys.argv[1], "rb").read()\n' +
  'cuts = [int(x) for x in sys.argv[2].split(",") if x] + [len(data)]\n' +
  'at = 0\n' +
  'for c in cuts:\n' +
  '    if c > at:\n' +
  '        os.write(1, data[at:c])\n' +
  '        at = c\n' +
  '        time.sleep(0.02)\n' +
  'time.sleep(1.5)\n';

describe('differential (kernel): mutated JSON-RPC sessions cut into writes on a stdio server\'s stdin', function () {
  this.timeout(900_000);
  const rig = new ToolRig();
  let dir = '';

  before(async function () {
    needRoot(this);
    dir = mkdtempSync(join(tmpdir(), 'ziriz-lines-'));
    writeFileSync(join(dir, 'writer.py'), WRITER);
    await rig.start([toolPolicy()], { tls: false, startServer: false });
  });
  after(async () => {
    await rig.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it(`${SESSIONS} sessions (seed ${SEED}): no denied call ever runs on the server`, async () => {
    const r = rng(SEED);
    const risks: string[] = [];
    let denied = 0;
    let allowed = 0;
    let falsePositives = 0;
    for (let s = 0; s < SESSIONS; s++) {
      const sess = session(r);
      if (process.env.ZIRIZ_LINES_ONLY !== undefined && Number(process.env.ZIRIZ_LINES_ONLY) !== s) continue;
      const file = join(dir, `s${s}.jsonl`);
      const ran = join(dir, `s${s}.ran.jsonl`);
      writeFileSync(file, sess.bytes);
      const fin = await rig.procs.wait(rig.spawnProgramProtected(['/bin/sh', '-c', `/usr/bin/python3 ${join(dir, 'writer.py')} ${file} ${sess.cuts.join(',')} | ${process.execPath} ${SERVER} > /dev/null`], { SIDE_EFFECTS: ran }), 60_000);
      expect(fin.code, fin.stderr.slice(-1000)).to.equal(0);
      let record: { what: string; detail: Record<string, unknown> }[] = [];
      try {
        record = readFileSync(ran, 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { what: string; detail: Record<string, unknown> });
      } catch {
        // nothing ran: no file
      }
      const what = (c: { tool: string; args: Record<string, unknown> }): string => `${c.tool} ${JSON.stringify(c.args)}`;
      const ranCalls = record.map((e) => what({ tool: e.what, args: e.detail }));
      for (const c of sess.calls) {
        if (c.denied) denied++;
        else allowed++;
      }
      for (const x of ranCalls) {
        if (CALLS.some((c) => c.denied && what(c) === x)) risks.push(`session ${s} (cuts ${sess.cuts.join(',')}${sess.crlf ? ', CRLF' : ''}): ${x} ran\n${sess.bytes.toString('latin1')}`);
      }
      falsePositives += sess.calls.filter((c) => !c.denied).length - ranCalls.filter((x) => CALLS.some((c) => !c.denied && what(c) === x)).length;
    }
    process.stdout.write(`      line streams: ${SESSIONS} sessions, ${denied} denied and ${allowed} allowed calls written; ${risks.length} denied calls ran (server record); ${falsePositives} allowed calls did not run\n`);
    expect(risks, risks.join('\n\n')).to.deep.equal([]);
  });
});
