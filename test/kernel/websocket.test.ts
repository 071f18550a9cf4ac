/**
 * MCP over WebSocket on the real kernel (issue 15, item 3): the official
 * SDK's WebSocketClientTransport in the protected cgroup, over wss to
 * customer-mcp's /ws endpoint (subprotocol mcp), on Node's own WebSocket and
 * on the ws package compressing every message (permessage-deflate, context
 * takeover). After the Upgrade the client's writes are masked frames: the
 * kernel holds them, the agent unmasks (and inflates) them and judges the
 * JSON-RPC inside. Asserted on the server's record of what ran. Loopback only.
 */
import { expect } from 'chai';
import { needRoot } from '../support/gate.js';
import { ToolRig } from '../support/tool-rig.js';
import { toolPolicy, toolText } from '../support/tool-policy.js';
import { covers } from '../support/coverage.js';

function policy(): Record<string, unknown> {
  return toolPolicy({
    http: {
      routes: [
        { effect: 'Allow', methods: ['POST'], paths: ['/mcp', '/a2a'] },
        { effect: 'Allow', methods: ['GET'], paths: ['/ws'] },
      ],
    },
  });
}

describe('kernel: MCP over WebSocket (official SDK WebSocketClientTransport, masked and compressed frames)', function () {
  this.timeout(180_000);
  const rig = new ToolRig();

  before(async function () {
    needRoot(this);
    await rig.start([policy()], { tls: true });
  });
  after(async () => { await rig.stop(); });

  it('Node WebSocket (uncompressed frames): denied calls never run and are answered as denials; allowed ones run', async () => {
    covers('Node (its OpenSSL)', 'WebSocket', 'Node WebSocket');
    const ranBefore = rig.ranTools().length;
    const vBefore = rig.verdicts.length;
    const c = await rig.client(true, { AGENT_MCP_TRANSPORT: 'ws' });
    const ok = await c.send({ op: 'mcp', tool: 'get_customer', args: { id: 1 } });
    expect(toolText(ok)).to.include('Ada');
    const del = await c.send({ op: 'mcp', tool: 'delete_customer', args: { id: 9 } });
    expect(toolText(del)).to.match(/ZIRIZ_DENIED___/);
    const bulk = await c.send({ op: 'mcp', tool: 'get_all_customers', args: { filter: 'none' } });
    expect(toolText(bulk)).to.match(/DENIED_BY_POLICY_/);
    const vip = await c.send({ op: 'mcp', tool: 'get_all_customers', args: { filter: 'vip' } });
    expect(toolText(vip)).to.not.match(/DENIED/);
    c.child.kill('SIGTERM');
    expect(rig.ranTools().slice(ranBefore)).to.deep.equal(['get_customer', 'get_all_customers']);
    const blocked = rig.verdicts.slice(vBefore).filter((v) => v.reason === 'ToolCallBlocked').map((v) => v.target.replace(/ to .*$/, ''));
    expect(blocked).to.deep.equal(['tools/call delete_customer', 'tools/call get_all_customers']);
  });

  it('ws with permessage-deflate (every message compressed): an allowed call runs; a denied one refuses the connection and never runs', async () => {
    covers('Node (its OpenSSL)', 'WebSocket', 'ws + permessage-deflate');
    const ranBefore = rig.ranTools().length;
    const a = await rig.client(true, { AGENT_MCP_TRANSPORT: 'ws-deflate' });
    expect(toolText(await a.send({ op: 'mcp', tool: 'get_customer', args: { id: 2 } }))).to.include('Grace');
    expect(toolText(await a.send({ op: 'mcp', tool: 'get_all_customers', args: { filter: 'vip' } }))).to.not.match(/DENIED/);
    const del = await a.send({ op: 'mcp', tool: 'delete_customer', args: { id: 9 } });
    expect(del.ok).to.equal(false);
    a.child.kill('SIGTERM');
    expect(rig.ranTools().slice(ranBefore)).to.deep.equal(['get_customer', 'get_all_customers']);
    expect(rig.verdicts.some((v) => v.reason === 'ToolCallBlocked' && v.target.startsWith('tools/call delete_customer'))).to.equal(true);
  });
});
