/**
 * Go MCP servers on the real kernel: the official Go MCP SDK server
 * (test/apps/go-mcp, net/http + Go's crypto/tls) as a protected pod with
 * inbound rules, in its own cgroup and network namespace, called by Node
 * MCP SDK clients in other namespaces. What a caller ziriz does not protect
 * sends is judged at the return instructions of crypto/tls.(*Conn).Read
 * (never a uretprobe: Go moves its stacks) and, without TLS, of
 * internal/poll.(*FD).Read; the caller is named by the socket the goroutine
 * read (Go reads without libc). A protected agent's calls were judged before
 * they left it and are not held again. Asserted on the Go server's own
 * record of what ran. Addresses exist only inside the namespaces this test creates.
 */
import { expect } from 'chai';
import { join } from 'node:path';
import { needRoot } from '../support/gate.js';
import { goBuild } from '../support/go-build.js';
import { REPO } from '../support/kustomize.js';
import { TestNetns, vethPair } from '../support/netns.js';
import { Processes } from '../support/processes.js';
import { ToolRig, type AgentClient } from '../support/tool-rig.js';
import { inboundPolicyFor, toolPolicy, toolText } from '../support/tool-policy.js';
import { covers } from '../support/coverage.js';

const agentPolicy = toolPolicy({ mcp: { tools: [{ name: 'get_customer' }, { name: 'delete_customer' }] } });

for (const scene of [
  { tls: true, stripped: false, net: 17 },
  { tls: false, stripped: true, net: 20 },
]) {
  const what = `${scene.tls ? 'TLS (crypto/tls.(*Conn).Read returns)' : 'plain HTTP (internal/poll.(*FD).Read returns)'}, ${scene.stripped ? 'stripped' : 'with symbols'}`;
  describe(`kernel: a Go MCP server (official Go SDK) with inbound rules, ${what}`, function () {
    this.timeout(300_000);
    const rig = new ToolRig();
    const procs = new Processes();
    const spaces: TestNetns[] = [];
    let office: AgentClient;
    let batch: AgentClient;
    let agent: AgentClient;
    const sub = (k: number): string => `10.251.${scene.net + k}`;
    const heldOnServer = (): number => rig.holdsSeen.filter((h) => h.pid === rig.serverPid).length;

    before(async function () {
      needRoot(this);
      const bin = await goBuild(procs, join(REPO, 'test/apps/go-mcp'), scene.stripped ? ['-ldflags=-s -w'] : []);
      const ns = (n: string): TestNetns => {
        const x = TestNetns.create(n);
        spaces.push(x);
        return x;
      };
      const srv = ns(`zgs${scene.net}`);
      const a = ns(`zgo${scene.net}`);
      const b = ns(`zga${scene.net}`);
      const c = ns(`zgb${scene.net}`);
      vethPair({ ns: srv, name: `zgs-a${scene.net}`, addrs: [`${sub(0)}.1/24`] }, { ns: a, name: 'za', addrs: [`${sub(0)}.2/24`] });
      vethPair({ ns: srv, name: `zgs-b${scene.net}`, addrs: [`${sub(1)}.1/24`] }, { ns: b, name: 'zb', addrs: [`${sub(1)}.2/24`] });
      vethPair({ ns: srv, name: `zgs-c${scene.net}`, addrs: [`${sub(2)}.1/24`] }, { ns: c, name: 'zc', addrs: [`${sub(2)}.2/24`] });
      const policy = inboundPolicyFor(`${sub(0)}.0/24`);
      const ips = [`${sub(0)}.1`, `${sub(1)}.1`, `${sub(2)}.1`];
      await rig.start([policy, agentPolicy], {
        tls: scene.tls,
        agentPodIPs: [`${sub(1)}.2`],
        peers: [{ namespace: 'payments', labels: { app: 'batch-job' }, podIPs: [`${sub(2)}.2`] }],
        server: {
          protect: true, netns: srv, podIPs: ips, certIps: ips,
          program: (f) => [bin, 'server', '0.0.0.0:0', scene.tls ? f.cert : '-', scene.tls ? f.key : '-', f.sideEffects],
        },
      });
      office = await rig.client(scene.tls, {}, { protect: false, netns: a, serverIp: `${sub(0)}.1` });
      batch = await rig.client(scene.tls, {}, { protect: false, netns: c, serverIp: `${sub(2)}.1` });
      agent = await rig.client(scene.tls, {}, { protect: true, netns: b, serverIp: `${sub(1)}.1` });
    });

    after(async () => {
      await rig.stop();
      procs.killAll();
      for (const s of spaces) s.remove();
    });

    it('lets an allowed tool run for an unprotected caller', async () => {
      expect(rig.probes.has(rig.serverPid)).to.equal(true);
      const r = await office.send({ op: 'mcp', tool: 'get_customer', args: { id: 1 } });
      expect(toolText(r)).to.include('Ada');
      expect(rig.ranTools()).to.include('get_customer');
    });

    it('blocks a tool the caller may not call: it never runs, the verdict names the server pod, the caller and the Go probe', async () => {
      covers('Go (crypto/tls, own syscalls)', 'server side', 'Go SDK server, TLS and plain');
      const before = rig.ranTools().length;
      const held = heldOnServer();
      const r = await office.send({ op: 'mcp', tool: 'delete_customer', args: { id: 2 } });
      expect(toolText(r)).to.match(/error|isError/i);
      expect(rig.ranTools().slice(before)).to.deep.equal([]);
      expect(heldOnServer()).to.be.greaterThan(held);
      const v = rig.verdicts.find((x) => x.reason === 'ToolCallBlocked' && x.target.includes('delete_customer'));
      expect(v?.pod?.pod).to.equal('customer-mcp-0');
      expect(v?.target, JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? String(x) : x))).to.include(`from ${sub(0)}.2`);
      expect(v?.rule).to.equal('spec.inbound.mcp.tools[2].callers');
      expect(v?.detail?.probe).to.equal(scene.tls ? 'crypto/tls.(*Conn).Read' : 'read');
    });

    it('judges arguments: filter "active" runs, filter "none" is blocked', async () => {
      expect(toolText(await office.send({ op: 'mcp', tool: 'get_all_customers', args: { filter: 'active' } }))).to.include('Ada');
      const before = rig.ranTools().length;
      expect(toolText(await office.send({ op: 'mcp', tool: 'get_all_customers', args: { filter: 'none' } }))).to.match(/error|isError/i);
      expect(rig.ranTools().slice(before)).to.deep.equal([]);
    });

    it('names a caller pod by its labels (the socket the goroutine read): the batch job may delete, not bulk-read', async () => {
      const del = await batch.send({ op: 'mcp', tool: 'delete_customer', args: { id: 3 } });
      expect(toolText(del)).to.include('deleted');
      const before = rig.ranTools().length;
      expect(toolText(await batch.send({ op: 'mcp', tool: 'get_all_customers', args: { filter: 'active' } }))).to.match(/error|isError/i);
      expect(rig.ranTools().slice(before)).to.deep.equal([]);
    });

    it("leaves a protected agent's calls to its own policy: allowed there, not held again on the Go server", async () => {
      const held = heldOnServer();
      const before = rig.ranTools().filter((t) => t === 'delete_customer').length;
      expect(toolText(await agent.send({ op: 'mcp', tool: 'delete_customer', args: { id: 4 } }))).to.include('deleted');
      expect(rig.ranTools().filter((t) => t === 'delete_customer').length).to.equal(before + 1);
      expect(heldOnServer()).to.equal(held);
    });

    it("keeps a read in progress by goroutine while the server waits on its callers' connections, and forgets them when the server goes", async () => {
      const pid = rig.serverPid;
      // The callers' keep-alive connections: a goroutine of the server waits in a read on each.
      expect(rig.goReadEntries(pid)).to.be.greaterThan(0);
      await rig.killServer();
      rig.probes.retain(new Set());
      expect(rig.goReadEntries(pid)).to.equal(0);
    });
  });
}
