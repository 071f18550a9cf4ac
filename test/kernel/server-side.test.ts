/**
 * Server-side enforcement on the real kernel: a protected MCP server
 * (customer-mcp, official MCP SDK over HTTPS, in its own "pod" cgroup and
 * network namespace) with inbound rules, called by clients in other network
 * namespaces. Calls from callers ziriz does not protect are judged at the
 * server's SSL_read return and neutralised in the server's buffer before it
 * parses them (the tool never runs); a protected agent's calls were judged
 * before they left it and are not held again. Addresses exist only inside
 * the namespaces this test creates.
 */
import { expect } from 'chai';
import { join } from 'node:path';
import { REPO } from '../support/kustomize.js';
import { processState } from '../../node-agent/src/kernel/proc-state.js';
import { needRoot } from '../support/gate.js';
import { waitFor } from '../support/processes.js';
import { TestNetns, vethPair } from '../support/netns.js';
import { ToolRig, type AgentClient } from '../support/tool-rig.js';
import { inboundPolicyFor, toolPolicy, toolText } from '../support/tool-policy.js';
import { covers } from '../support/coverage.js';

const WRITER = join(REPO, 'dist/test/apps/raw-writer.js');

const inboundPolicy = inboundPolicyFor('10.251.7.0/24');

// The protected agent may delete customers by its own policy; the server's inbound rules are for other callers.
const agentPolicy = toolPolicy({ mcp: { tools: [{ name: 'get_customer' }, { name: 'delete_customer' }] } });

describe('kernel: server side, calls to a protected MCP server from callers ziriz does not protect', function () {
  this.timeout(120_000);
  const rig = new ToolRig();
  const spaces: TestNetns[] = [];
  let office: AgentClient;
  let batch: AgentClient;
  let agent: AgentClient;
  let officeNs: TestNetns;

  const heldOnServer = (): number => rig.holdsSeen.filter((h) => h.pid === rig.serverPid).length;

  before(async function () {
    needRoot(this);
    const ns = (n: string): TestNetns => {
      const x = TestNetns.create(n);
      spaces.push(x);
      return x;
    };
    const srv = ns('zsrv');
    const a = ns('zoffice');
    officeNs = a;
    const b = ns('zagent');
    const c = ns('zbatch');
    vethPair({ ns: srv, name: 'zs-a', addrs: ['10.251.7.1/24'] }, { ns: a, name: 'za', addrs: ['10.251.7.2/24'] });
    vethPair({ ns: srv, name: 'zs-b', addrs: ['10.251.8.1/24'] }, { ns: b, name: 'zb', addrs: ['10.251.8.2/24'] });
    vethPair({ ns: srv, name: 'zs-c', addrs: ['10.251.9.1/24'] }, { ns: c, name: 'zc', addrs: ['10.251.9.2/24'] });
    await rig.start([inboundPolicy, agentPolicy], {
      agentPodIPs: ['10.251.8.2'],
      peers: [{ namespace: 'payments', labels: { app: 'batch-job' }, podIPs: ['10.251.9.2'] }],
      server: { protect: true, netns: srv, podIPs: ['10.251.7.1', '10.251.8.1', '10.251.9.1'], certIps: ['10.251.7.1', '10.251.8.1', '10.251.9.1'] },
    });
    office = await rig.client(true, {}, { protect: false, netns: a, serverIp: '10.251.7.1' });
    batch = await rig.client(true, {}, { protect: false, netns: c, serverIp: '10.251.9.1' });
    agent = await rig.client(true, {}, { protect: true, netns: b, serverIp: '10.251.8.1' });
  });

  after(async () => {
    await rig.stop();
    for (const s of spaces) s.remove();
  });

  it('probed the server process on the receiving side (held at exec, then SSL_read return probes)', () => {
    expect(rig.probes.has(rig.serverPid)).to.equal(true);
    expect(rig.probes.linkCount).to.be.greaterThan(0);
  });

  it('lets an allowed tool run for an unprotected caller', async () => {
    const r = await office.send({ op: 'mcp', tool: 'get_customer', args: { id: 1 } });
    expect(toolText(r)).to.include('"name":"Ada"');
    expect(rig.ranTools()).to.include('get_customer');
  });

  it('blocks a tool the caller may not call: the server answers an error, the tool never runs, the verdict names the caller', async () => {
    covers('Node (its OpenSSL)', 'server side', 'TS SDK server, TLS');
    const before = rig.ranTools().length;
    const held = heldOnServer();
    const r = await office.send({ op: 'mcp', tool: 'delete_customer', args: { id: 2 } });
    expect(toolText(r)).to.match(/error|isError/i);
    expect(rig.ranTools().slice(before)).to.deep.equal([]);
    expect(heldOnServer()).to.be.greaterThan(held);
    const v = rig.verdicts.find((x) => x.reason === 'ToolCallBlocked' && x.target.includes('delete_customer'));
    expect(v?.pod?.pod).to.equal('customer-mcp-0');
    expect(v?.target).to.include('from 10.251.7.2');
    expect(v?.rule).to.equal('spec.inbound.mcp.tools[2].callers');
    expect(v?.detail?.probe).to.equal('SSL_read');
  });

  it('judges messages, not reads: a caller that sends a call in 7-byte TLS records gets the allowed one run and the denied one blocked', async () => {
    // The unprotected caller chooses the record boundaries: no single SSL_read holds a whole tool name.
    const split = (tool: string, id: number): string => {
      const body = JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name: tool, arguments: { id } } });
      const head = `POST /mcp HTTP/1.1\r\nHost: 10.251.7.1\r\nContent-Type: application/json\r\nAccept: application/json, text/event-stream\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`;
      const bytes = Buffer.from(head + body);
      const parts: string[] = [];
      for (let i = 0; i < bytes.length; i += 7) parts.push(bytes.subarray(i, i + 7).toString('base64'));
      return JSON.stringify(parts);
    };
    const send = async (tool: string, id: number): Promise<string> => {
      const w = rig.spawnUnprotected(WRITER, [String(rig.serverPort), split(tool, id), 'writes', 'tls'], { RAW_WRITER_HOST: '10.251.7.1' }, officeNs);
      return (await rig.procs.wait(w, 60_000)).stdout;
    };
    const before = rig.ranTools().length;
    expect(await send('get_customer', 1)).to.include('Ada');
    expect(rig.ranTools().slice(before)).to.deep.equal(['get_customer']);
    const answer = await send('delete_customer', 6);
    expect(rig.ranTools().slice(before)).to.deep.equal(['get_customer']);
    expect(answer).to.not.include('deleted');
  });

  it('judges arguments on the server side: filter "active" runs, filter "none" is blocked', async () => {
    const ok = await office.send({ op: 'mcp', tool: 'get_all_customers', args: { filter: 'active' } });
    expect(toolText(ok)).to.include('Ada');
    const before = rig.ranTools().length;
    const bad = await office.send({ op: 'mcp', tool: 'get_all_customers', args: { filter: 'none' } });
    expect(toolText(bad)).to.match(/error|isError/i);
    expect(rig.ranTools().slice(before)).to.deep.equal([]);
    expect(rig.verdicts.some((x) => x.rule === 'spec.inbound.mcp.tools[1].arguments.filter')).to.equal(true);
  });

  it('names a caller pod by its labels: the batch job may delete, and may not bulk-read (not an office caller)', async () => {
    const del = await batch.send({ op: 'mcp', tool: 'delete_customer', args: { id: 3 } });
    expect(toolText(del)).to.not.match(/isError/);
    expect(rig.ranTools()).to.include('delete_customer');
    const before = rig.ranTools().length;
    const bulk = await batch.send({ op: 'mcp', tool: 'get_all_customers', args: { filter: 'active' } });
    expect(toolText(bulk)).to.match(/error|isError/i);
    expect(rig.ranTools().slice(before)).to.deep.equal([]);
  });

  it("leaves a protected agent's calls to its own policy: allowed there, not held again on the server", async () => {
    const held = heldOnServer();
    const before = rig.ranTools().filter((t) => t === 'delete_customer').length;
    const r = await agent.send({ op: 'mcp', tool: 'delete_customer', args: { id: 4 } });
    expect(toolText(r)).to.not.match(/isError/);
    expect(rig.ranTools().filter((t) => t === 'delete_customer').length).to.equal(before + 1);
    expect(heldOnServer()).to.equal(held);
  });

  it('leaves the server stopped while no agent reads the ring; the sweep judges the call by the inbound rules (caller unknown then: fail closed)', async () => {
    const ran = rig.ranTools().length;
    rig.pauseEvents();
    const answer = office.send({ op: 'mcp', tool: 'delete_customer', args: { id: 6 } }, 60_000);
    expect(await waitFor(() => processState(rig.serverPid) === 'T' && rig.holdEntries() === 1, 10_000), 'server stopped by its SSL_read probe').to.equal(true);
    expect(rig.sweepLeftovers(0)).to.deep.equal({ judged: 1, dropped: 0 });
    expect(toolText(await answer)).to.match(/error|isError/i);
    expect(rig.ranTools().slice(ran)).to.deep.equal([]);
    rig.resumeEvents();
    await new Promise((r) => setTimeout(r, 300));
    expect(rig.holdEntries()).to.equal(0);
  });

  it("blocks on the agent's side what its own policy denies (the server never sees it)", async () => {
    const before = rig.ranTools().length;
    const r = await agent.send({ op: 'mcp', tool: 'get_all_customers', args: { filter: 'active' } });
    expect(toolText(r)).to.match(/error|isError/i);
    expect(rig.ranTools().slice(before)).to.deep.equal([]);
    const v = rig.verdicts.filter((x) => x.reason === 'ToolCallBlocked').at(-1);
    expect(v?.pod?.pod).to.equal('gpt-orchestrator-0');
    expect(v?.detail?.probe).to.equal('SSL_write');
  });
});

/**
 * One protected server in its own netns and one unprotected caller in another
 * (subnet 10.251.<net>.0/24: server .1, caller .2), set up before the
 * describe's tests and removed after them.
 */
function oneCallerScene(net: number, policies: readonly unknown[], tls: boolean): { rig: ToolRig; client: () => AgentClient } {
  const rig = new ToolRig();
  const spaces: TestNetns[] = [];
  let client: AgentClient | undefined;
  const server = `10.251.${net}.1`;
  before(async function () {
    needRoot(this);
    const ns = TestNetns.create(`zsrv${net}`);
    spaces.push(ns);
    const caller = TestNetns.create(`zcall${net}`);
    spaces.push(caller);
    vethPair({ ns, name: `zs-${net}`, addrs: [`${server}/24`] }, { ns: caller, name: `zc${net}`, addrs: [`10.251.${net}.2/24`] });
    await rig.start(policies, { tls, server: { protect: true, netns: ns, podIPs: [server], ...(tls ? { certIps: [server] } : {}) } });
    client = await rig.client(tls, {}, { protect: false, netns: caller, serverIp: server });
  });
  after(async () => {
    await rig.stop();
    for (const s of spaces) s.remove();
  });
  return {
    rig,
    client: () => {
      if (!client) throw new Error('the scene did not start');
      return client;
    },
  };
}

describe('kernel: server side in Audit mode reports what Enforce would block, and blocks nothing', function () {
  this.timeout(120_000);
  const { rig, client } = oneCallerScene(10, [{ ...inboundPolicy, spec: { ...inboundPolicy.spec, mode: 'Audit' } }], true);

  it('lets a denied call run and reports ToolCallAudited on the server pod, naming the caller; the server is never stopped', async () => {
    const r = await client().send({ op: 'mcp', tool: 'delete_customer', args: { id: 5 } });
    expect(toolText(r)).to.not.match(/isError/);
    expect(rig.ranTools()).to.include('delete_customer');
    const v = rig.verdicts.find((x) => x.reason === 'ToolCallAudited');
    expect(v?.pod?.pod).to.equal('customer-mcp-0');
    expect(v?.target).to.include('from 10.251.10.2');
    expect(rig.holdsSeen.filter((h) => h.pid === rig.serverPid)).to.deep.equal([]);
  });
});

describe('kernel: server side for a plaintext MCP server (no TLS, e.g. behind a mesh): judged at the return of its socket reads', function () {
  this.timeout(120_000);
  const { rig, client } = oneCallerScene(11, [inboundPolicy], false);

  it('lets an allowed tool run and blocks a denied one before the server parses it, naming the caller', async () => {
    covers('plaintext through libc (glibc, musl)', 'server side', 'Node server, libc read');
    const ok = await client().send({ op: 'mcp', tool: 'get_customer', args: { id: 1 } });
    expect(toolText(ok)).to.include('Ada');
    const before = rig.ranTools().length;
    const r = await client().send({ op: 'mcp', tool: 'delete_customer', args: { id: 7 } });
    expect(toolText(r)).to.match(/error|isError/i);
    expect(rig.ranTools().slice(before)).to.deep.equal([]);
    const v = rig.verdicts.find((x) => x.reason === 'ToolCallBlocked');
    expect(v?.target).to.include('from 10.251.11.2');
    expect(v?.detail?.probe).to.equal('read');
    expect(v?.pod?.pod).to.equal('customer-mcp-0');
  });
});
