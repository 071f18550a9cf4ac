/**
 * Decision D10 applies only to callers ziriz instrumented (issue 15, item 7):
 * a protected server with inbound rules skips the categories a protected
 * agent pod enforces itself, because that pod's process judged its own call
 * before sending it. A process of that pod ziriz cannot see (a static
 * executable, allowed to connect by spec.visibility: EgressOnly) judged
 * nothing: its connection is recorded when it is established
 * (tp_blind_flows) and the server's read probes judge it by the inbound
 * rules. The control: a dynamically linked build of the same program in the
 * same pod is probed (libc write) and is left to its own policy, as before.
 * Plaintext HTTP server in its own network namespace; the agent's "pod" in
 * another; addresses exist only inside the namespaces this test creates.
 * Asserted on the server's record of what ran.
 */
import { expect } from 'chai';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { need, needRoot } from '../support/gate.js';
import { TestNetns, vethPair } from '../support/netns.js';
import { buildMuslWriters } from '../support/musl-writers.js';
import { ToolRig } from '../support/tool-rig.js';
import { inboundPolicyFor, toolPolicy } from '../support/tool-policy.js';
import { covers } from '../support/coverage.js';

// The agent pod may delete customers by its own policy, and accepts egress-only protection for what ziriz cannot see.
const agentPolicy = toolPolicy({ mcp: { tools: [{ name: 'get_customer' }, { name: 'delete_customer' }] }, visibility: 'EgressOnly' });
// The server lets only the batch job delete (and not 10.251.12.0/24's office).
const inboundPolicy = inboundPolicyFor('10.251.99.0/24');

describe('kernel: a protected pod\'s process ziriz cannot see is judged by the server\'s inbound rules (D10 only for instrumented callers)', function () {
  this.timeout(180_000);
  const rig = new ToolRig();
  const spaces: TestNetns[] = [];
  let dir = '';
  let agentNs: TestNetns;

  before(async function () {
    needRoot(this);
    need(this, existsSync('/usr/bin/musl-gcc'), 'musl-gcc (Debian musl-tools; hack/setup installs it)');
    dir = buildMuslWriters('ziriz-blind-');
    const srv = TestNetns.create('zbsrv');
    spaces.push(srv);
    agentNs = TestNetns.create('zbagent');
    spaces.push(agentNs);
    vethPair({ ns: srv, name: 'zbs-a', addrs: ['10.251.12.1/24'] }, { ns: agentNs, name: 'zba', addrs: ['10.251.12.2/24'] });
    await rig.start([inboundPolicy, agentPolicy], {
      tls: false,
      agentPodIPs: ['10.251.12.2'],
      server: { protect: true, netns: srv, podIPs: ['10.251.12.1'], certIps: ['10.251.12.1'] },
    });
  });

  after(async () => {
    await rig.stop();
    for (const s of spaces) s.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const send = async (prog: string, tool: string): Promise<string> => {
    const p = rig.spawnProgramProtected([join(dir, prog), String(rig.serverPort), join(dir, `${tool}.http`)], { WRITER_HOST: '10.251.12.1' }, agentNs);
    const fin = await rig.procs.wait(p, 20_000);
    return `${fin.stdout}${fin.stderr}`;
  };

  it('an instrumented caller of the pod is left to its own policy: its delete_customer runs, nothing is held on the server', async () => {
    const ran = rig.ranTools().length;
    const out = await send('dynamic-writer', 'delete_customer');
    expect(out).to.match(/HTTP\/1\.1 200/);
    expect(rig.ranTools().slice(ran)).to.deep.equal(['delete_customer']);
    expect(rig.holdsSeen.filter((h) => h.pid === rig.serverPid)).to.deep.equal([]);
  });

  it('the static program of the same pod connects (EgressOnly) and its delete_customer is blocked by the inbound rules; get_customer runs', async () => {
    covers('programs ziriz cannot see (static, rustls, JVM)', 'server side', 'judged by the inbound rules');
    const ran = rig.ranTools().length;
    const denied = await send('static-writer', 'delete_customer');
    expect(denied).to.not.match(/Operation not permitted/);
    const allowed = await send('static-writer', 'get_customer');
    expect(allowed).to.match(/Ada/);
    expect(rig.ranTools().slice(ran)).to.deep.equal(['get_customer']);
    const v = rig.verdicts.find((x) => x.reason === 'ToolCallBlocked' && x.target.startsWith('tools/call delete_customer'));
    expect(v?.pod?.pod).to.equal('customer-mcp-0');
    expect(v?.target).to.include('from payments/gpt-orchestrator-0 (10.251.12.2)');
  });
});
