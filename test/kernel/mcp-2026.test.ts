/**
 * MCP 2026-07-28 on the real kernel: the official TypeScript SDK v2 client
 * and server (test/apps/mcp-2026; the server checks Mcp-Method / Mcp-Name
 * against the body and answers -32020 HeaderMismatch otherwise), over TLS.
 * A denied call must not run (the server's record of what ran) and must be
 * answered as a denial the agent can read ("Tool DENIED_BY_POLICY_ not
 * found"), not as a header/body mismatch: the header is rewritten in step
 * with the body, in base64 for a non-ASCII name, and when the head went out
 * in its own write before the body. MCP's own tasks/* are not A2A calls;
 * A2A's agent/getAuthenticatedExtendedCard is one (the kernel holds it).
 * Loopback only.
 */
import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { needRoot } from '../support/gate.js';
import { REPO } from '../support/kustomize.js';
import { ToolRig } from '../support/tool-rig.js';
import { toolPolicy } from '../support/tool-policy.js';
import { covers } from '../support/coverage.js';

const APP = join(REPO, 'test/apps/mcp-2026');
const WRITER = join(REPO, 'dist/test/apps/raw-writer.js');
const ENVELOPE = {
  'io.modelcontextprotocol/protocolVersion': '2026-07-28',
  'io.modelcontextprotocol/clientInfo': { name: 'raw', version: '1.0.0' },
  'io.modelcontextprotocol/clientCapabilities': {},
};

interface Outcome { tool: string; ok: boolean; text?: string; error?: string; code?: number }

/** The policy: the test policy's tools, and non-ASCII grüße_senden allowed by a glob (policy names are ASCII; its Mcp-Name header is base64). */
function policy(): Record<string, unknown> {
  return toolPolicy({
    mcp: {
      tools: [
        { name: 'get_customer', effect: 'Allow' },
        { name: 'get_all_customers', effect: 'Allow', arguments: { filter: { notIn: ['none'] } } },
        { name: 'gr*_senden', effect: 'Allow' },
      ],
    },
  });
}

/** A 2026-07-28 tools/call as the SDK sends it: head and body, apart. */
function modernCall(method: string, params: Record<string, unknown>, name?: string): { head: string; body: string } {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: { ...params, _meta: ENVELOPE } });
  const enc = name === undefined ? undefined : /^[\x21-\x7e]*$/.test(name) ? name : `=?base64?${Buffer.from(name).toString('base64')}?=`;
  const head = `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n`
    + `MCP-Protocol-Version: 2026-07-28\r\nMcp-Method: ${method}\r\n${enc === undefined ? '' : `Mcp-Name: ${enc}\r\n`}`
    + `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`;
  return { head, body };
}

describe('kernel: MCP 2026-07-28 (official TS SDK v2: Mcp-Method / Mcp-Name headers checked by the server)', function () {
  this.timeout(180_000);
  const rig = new ToolRig();

  before(async function () {
    needRoot(this);
    if (!existsSync(join(APP, 'node_modules/@modelcontextprotocol/server'))) throw new Error(`${APP}/node_modules is missing: hack/setup installs it (npm ci there)`);
    await rig.start([policy()], { tls: true, server: { program: () => [process.execPath, join(APP, 'server.mjs')] } });
  });
  after(async () => { await rig.stop(); });

  async function sdkCalls(calls: readonly string[]): Promise<{ protocol: string; out: Outcome[] }> {
    const p = rig.spawnProgramProtected([process.execPath, join(APP, 'client.mjs'), `https://127.0.0.1:${rig.serverPort}/mcp`, ...calls], { NODE_EXTRA_CA_CERTS: rig.certFile });
    const fin = await rig.procs.wait(p, 60_000);
    if (!fin.stdout.includes('done')) throw new Error(`SDK v2 client did not finish (exit ${String(fin.code)}): ${fin.stderr.slice(-1500)}`);
    return { protocol: /protocol (\S+)/.exec(fin.stdout)?.[1] ?? '', out: fin.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Outcome) };
  }

  /** Raw bytes from inside the pod, one write per part (TLS); what the server answered. */
  async function rawWrites(parts: readonly string[]): Promise<string> {
    const w = rig.spawnProtected(WRITER, [String(rig.serverPort), JSON.stringify(parts.map((p) => Buffer.from(p).toString('base64'))), 'writes', 'tls']);
    return (await rig.procs.wait(w, 30_000)).stdout;
  }

  it('the SDK client speaks 2026-07-28; denied calls never run and are answered as denials, not HeaderMismatch', async () => {
    covers('Node (its OpenSSL)', 'MCP 2026-07-28 headers', 'TS SDK v2 client');
    const ranBefore = rig.ranTools().length;
    const vBefore = rig.verdicts.length;
    const { protocol, out } = await sdkCalls(['get_customer={"id":1}', 'delete_customer={"id":9}', 'get_all_customers={"filter":"none"}',
      'get_all_customers={"filter":"vip"}', 'grüße_senden={}', 'löschen_kunde={"id":3}']);
    expect(protocol).to.equal('2026-07-28');
    expect(rig.ranTools().slice(ranBefore)).to.deep.equal(['get_customer', 'get_all_customers', 'grüße_senden']);
    const by = new Map(out.map((o, i) => [`${o.tool}#${i}`, o]));
    expect(by.get('get_customer#0')?.text).to.include('Ada');
    for (const key of ['delete_customer#1', 'get_all_customers#2', 'löschen_kunde#5']) {
      const o = by.get(key);
      expect(o?.ok, key).to.equal(false);
      expect(o?.code, `${key}: ${o?.error ?? ''}`).to.not.equal(-32020);
      expect(o?.error, key).to.match(/Tool (DENIED_BY_POLICY|ZIRIZ_DENIED|DENIED_BY_ZIRIZ_POLICY)_* not found/);
    }
    expect(by.get('get_all_customers#3')?.ok).to.equal(true);
    expect(by.get('grüße_senden#4')?.ok, 'an allowed tool with a base64 Mcp-Name header is not a mismatch').to.equal(true);
    const blocked = rig.verdicts.slice(vBefore).filter((v) => v.reason === 'ToolCallBlocked').map((v) => v.target.replace(/ to .*$/, ''));
    expect(blocked).to.have.members(['tools/call delete_customer', 'tools/call get_all_customers', 'tools/call löschen_kunde']);
  });

  it("an allowed tools/call is judged in the kernel, without a hold, though the 2026-07-28 envelope repeats \"name\" (_meta clientInfo)", async () => {
    const before = rig.counters();
    const { out } = await sdkCalls(['get_customer={"id":1}', 'get_customer={"id":2}', 'get_customer={"id":3}']);
    const after = rig.counters();
    const delta = (k: string): number => Number((after[k] ?? 0n) - (before[k] ?? 0n));
    expect(out.map((o) => o.ok)).to.deep.equal([true, true, true]);
    // Three calls allowed by name in the kernel; nothing held (before: one hold per call).
    expect(delta('call_allowed'), JSON.stringify({ allowed: delta('call_allowed'), held: delta('call_held') })).to.be.at.least(3);
    expect(delta('call_held')).to.equal(0);
  });

  it('the tool is the "name" of "params", not a "name" elsewhere: one before it in _meta or arguments does not decide (raw writes)', async () => {
    // Allowed get_customer named first in _meta and in arguments; params.name delete_customer: denied, never runs.
    const ranBefore = rig.ranTools().length;
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { _meta: { ...ENVELOPE, x: { name: 'get_customer' } }, arguments: { name: 'get_customer', id: 9 }, name: 'delete_customer' } });
    const head = `POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\n`
      + `MCP-Protocol-Version: 2026-07-28\r\nMcp-Method: tools/call\r\nMcp-Name: delete_customer\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`;
    const answer = await rawWrites([head + body]);
    expect(rig.ranTools().slice(ranBefore)).to.deep.equal([]);
    expect(answer).to.match(/Tool ZIRIZ_DENIED___ not found/);
    // The reverse: get_customer in params, delete_customer deeper: allowed, runs.
    const ok = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { _meta: ENVELOPE, arguments: { id: 1, name: 'delete_customer' }, name: 'get_customer' } });
    const okHead = head.replace('Mcp-Name: delete_customer', 'Mcp-Name: get_customer').replace(/Content-Length: \d+/, `Content-Length: ${Buffer.byteLength(ok)}`);
    expect(await rawWrites([okHead + ok])).to.include('Ada');
    expect(rig.ranTools().slice(ranBefore)).to.deep.equal(['get_customer']);
  });

  it('head and body in separate writes, tool denied by name: header refused at the head, body in step; one report', async () => {
    const ranBefore = rig.ranTools().length;
    const vBefore = rig.verdicts.length;
    const { head, body } = modernCall('tools/call', { name: 'delete_customer', arguments: { id: 9 } }, 'delete_customer');
    const answer = await rawWrites([head, body]);
    expect(rig.ranTools().slice(ranBefore)).to.deep.equal([]);
    expect(answer, answer).to.match(/Tool ZIRIZ_DENIED___ not found/);
    expect(answer).to.not.include('-32020');
    expect(rig.verdicts.slice(vBefore).filter((v) => v.reason === 'ToolCallBlocked').map((v) => v.target.replace(/ to .*$/, ''))).to.deep.equal(['tools/call delete_customer']);
  });

  it('head and body in separate writes, tool denied by its arguments: the call does not run (the server answers HeaderMismatch, stated)', async () => {
    const ranBefore = rig.ranTools().length;
    const { head, body } = modernCall('tools/call', { name: 'get_all_customers', arguments: { filter: 'none' } }, 'get_all_customers');
    const answer = await rawWrites([head, body]);
    expect(rig.ranTools().slice(ranBefore)).to.deep.equal([]);
    expect(answer).to.include('-32020');
    // The same request allowed by its arguments runs: the split itself is not refused.
    const ok = modernCall('tools/call', { name: 'get_all_customers', arguments: { filter: 'vip' } }, 'get_all_customers');
    expect(await rawWrites([ok.head, ok.body])).to.include('Ada, Grace');
    expect(rig.ranTools().slice(ranBefore)).to.deep.equal(['get_all_customers']);
  });

  it('MCP tasks/cancel (taskId) is not an A2A call; A2A tasks/cancel (id) and agent/getAuthenticatedExtendedCard are denied', async () => {
    const vBefore = rig.verdicts.length;
    const mcp = modernCall('tasks/cancel', { taskId: 'task-1' }, 'task-1');
    const mcpAnswer = await rawWrites([mcp.head + mcp.body]);
    expect(mcpAnswer).to.match(/HTTP\/1\.1 \d{3}/);
    expect(rig.verdicts.slice(vBefore).filter((v) => v.kind === 'a2a'), 'MCP tasks/cancel judged as A2A').to.deep.equal([]);
    for (const method of ['tasks/cancel', 'agent/getAuthenticatedExtendedCard']) {
      const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method, params: method === 'tasks/cancel' ? { id: 'task-1' } : {} });
      await rawWrites([`POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`]);
    }
    const denied = rig.verdicts.slice(vBefore).filter((v) => v.verdict === 'deny' && v.kind === 'a2a').map((v) => v.target.replace(/ to .*$/, ''));
    expect(denied).to.have.members(['tasks/cancel', 'agent/getAuthenticatedExtendedCard']);
  });
});
