/**
 * End to end, as hack/demo plays it: ziriz built into images (offline
 * builder), loaded on the local cluster's real node, installed from
 * kustomize/overlays/local (webhook and node agent as real pods), and the
 * seed's story in namespace payments: an agent pod's get_customer runs,
 * get_all_customers {filter: "none"} and POST ...?limit=100000 are stopped
 * before the server runs them, a connection outside its policy fails with
 * EPERM; each block is a Warning Event in `kubectl describe pod`, next to
 * the ziriz.io/protected condition. Then a batch job ziriz does not protect
 * calls the same server: its delete_customer is stopped at the server's
 * SSL_read by the server's inbound rules, reported on the server's pod.
 * Then the same rules for Go programs (go-scene.ts: the official Go MCP SDK,
 * static builds with symbols and stripped): a protected Go agent calling the
 * Node server (HTTP/1.1) and a Go server (HTTP/2), an unprotected Go client
 * judged at the Go server's crypto/tls Read, and a Go stdio server started
 * by the Go agent; and audit mode. Pod traffic stays in the pod network.
 */
import { expect } from 'chai';
import type { LocalCluster } from '../../hack/cluster/cluster.js';
import { buildImages, installZiriz, loadImages, setAgentMode, uninstallZiriz, zirizLogs } from '../../hack/demo-install.js';
import { formatReport, observe, playStory, podEvents, runAgent, serverLog, setScene, type Scene, type StoryReport } from '../../hack/demo-play.js';
import { waitFor } from '../../hack/cluster/wait.js';
import { quiet } from '../../hack/demo-progress.js';
import { deleteStory } from '../../hack/demo-story.js';
import { sharedCluster } from '../support/cluster-fixture.js';
import { covers } from '../support/coverage.js';
import { GO_BIN, GO_BIN_STRIPPED, GO_IMAGE_SET, goClient, goStdio, setGoScene, type GoScene } from './go-scene.js';

describe('e2e: the demo story on the local cluster (hack/demo)', function () {
  this.timeout(900_000);
  let cluster: LocalCluster | undefined;
  let report: StoryReport | undefined;
  let scene: Scene | undefined;

  before(async function () {
    cluster = await sharedCluster(this);
    const c = cluster;
    const say = process.env.ZIRIZ_E2E_VERBOSE === '1' ? (l: string) => { process.stderr.write(`${l}\n`); } : quiet;
    await buildImages(say);
    await loadImages(c, say);
    await installZiriz(c, say);
    scene = await setScene(c, say);
    report = await playStory(c, say, scene);
  });

  afterEach(async function () {
    if (this.currentTest?.state === 'failed' && cluster) {
      process.stderr.write(`${report ? formatReport(report) : ''}\n${await zirizLogs(cluster, 60)}\n`);
    }
  });

  after(async () => {
    if (!cluster) return;
    await deleteStory(cluster).catch(() => undefined);
    await uninstallZiriz(cluster);
  });

  function story(): StoryReport {
    if (!report) throw new Error('the story did not play');
    return report;
  }

  function stepNamed(part: string): StoryReport['steps'][number] {
    const s = story().steps.find((x) => x.title.includes(part));
    if (!s) throw new Error(`no step ${part}`);
    return s;
  }

  it('protects the agent pod: condition ziriz.io/protected=True (the readiness gate let it become Ready)', () => {
    expect(story().protectedCondition).to.equal('True');
    expect(story().describeLines).to.include('Conditions: ziriz.io/protected True');
  });

  it("says in the condition which programs' calls it sees, per container (the agent's node, through its OpenSSL)", () => {
    expect(story().protectedMessage).to.match(/calls seen in [a-z0-9-]+: node \(OpenSSL[^)]*\)/);
    expect(story().protectedMessage).to.not.include('NOT seen');
  });

  it('lets get_customer run and return its result', () => {
    const s = stepNamed('get_customer {id: 1}');
    expect(s.observed).to.equal('allowed');
    expect(s.detail).to.include('Ada');
    expect(story().ran.map((r) => r.what)).to.include('get_customer');
  });

  it('blocks get_all_customers {filter: "none"} before it runs, with a ToolCallBlocked Event', () => {
    const s = stepNamed('get_all_customers');
    expect(s.observed).to.equal('blocked');
    expect(story().ran.map((r) => r.what)).to.not.include('get_all_customers');
    expect(s.eventSeen).to.equal(true);
    expect(story().describeLines.some((l) => /Warning\s+ToolCallBlocked/.test(l))).to.equal(true);
  });

  it('blocks POST /api/v2/customers?limit=100000 before the API runs it, with an HTTPRequestBlocked Event', () => {
    const s = stepNamed('limit=100000');
    expect(s.observed).to.equal('blocked');
    expect(story().ran.filter((r) => r.what === 'rest')).to.deep.equal([]);
    expect(story().describeLines.some((l) => /Warning\s+HTTPRequestBlocked/.test(l))).to.equal(true);
  });

  it('refuses a connection outside the policy with EPERM, with an EgressBlocked Event', () => {
    const s = stepNamed('customers-db');
    expect(s.observed).to.equal('blocked');
    expect(s.detail).to.include('EPERM');
    expect(story().describeLines.some((l) => /Warning\s+EgressBlocked/.test(l))).to.equal(true);
  });

  it('judges calls to a stdio MCP server the agent starts in its pod: get_customer runs, get_all_customers {filter: "none"} never does, the Event names the server', async () => {
    covers('Node (its OpenSSL)', 'stdio child', 'TS SDK client and server in a pod of the local cluster');
    const allowed = story().steps.find((x) => x.title.startsWith('stdio') && x.title.includes('get_customer'));
    const denied = story().steps.find((x) => x.title.startsWith('stdio') && x.title.includes('get_all_customers'));
    expect(allowed?.observed).to.equal('allowed');
    expect(allowed?.detail).to.include('Ada');
    expect(denied?.observed).to.equal('blocked');
    // The stdio server's own record, in the agent's container: what ran.
    expect(story().stdioRan.map((r) => r.what)).to.deep.equal(['get_customer']);
    const notes = (await podEvents(cluster!, story().agentPod, 'Warning')).filter((e) => e.reason === 'ToolCallBlocked').map((e) => e.note ?? '');
    expect(notes.some((n) => /get_all_customers to stdio server node customer-mcp-stdio\.js \(pid \d+\)/.test(n)), notes.join('\n')).to.equal(true);
  });

  it('lets a batch job ziriz does not protect call get_customer on the protected server', () => {
    const s = stepNamed('batch-export (not protected): MCP tools/call get_customer');
    expect(s.observed).to.equal('allowed');
    expect(s.detail).to.include('Ada');
  });

  it("blocks the batch job's delete_customer at the server before it runs, with a ToolCallBlocked Event on the server pod naming the caller", async () => {
    const s = stepNamed('delete_customer');
    expect(s.observed).to.equal('blocked');
    expect(story().ran.map((r) => r.what)).to.not.include('delete_customer');
    expect(s.eventSeen).to.equal(true);
    expect(story().serverDescribeLines).to.include('Conditions: ziriz.io/protected True');
    const ev = (await podEvents(cluster!, story().serverPod, 'Warning')).find((e) => e.reason === 'ToolCallBlocked');
    expect(ev?.note).to.match(/delete_customer to customer-mcp:8443 from payments\/batch-export-[a-z0-9-]+ \(10\.244\./);
    expect(ev?.note).to.include('spec.inbound.mcp');
  });

  it('blocks nothing else, and the report says every verdict is as expected', () => {
    expect(story().unexpectedBlocks).to.deep.equal([]);
    expect(story().ok).to.equal(true);
  });

  describe('Go agents and servers (the official Go MCP SDK; a build with symbols and a stripped one, both static)', () => {
    const CALLS = ['get_customer={"id":1}', 'delete_customer={"id":9}', 'get_all_customers={"filter":"none"}', 'get_all_customers={"filter":"vip"}'];
    let go: GoScene | undefined;

    before(async () => {
      const c = cluster!;
      await buildImages(quiet, GO_IMAGE_SET);
      await loadImages(c, quiet, GO_IMAGE_SET);
      go = await setGoScene(c, scene!.mcp.ip);
    });

    function goScene(): GoScene {
      if (!go) throw new Error('the Go scene was not set');
      return go;
    }

    /** The blocked calls' Events on `pod` that name `tool` (waits up to 30 s for them). */
    async function blockedEvents(pod: string, tools: readonly string[]): Promise<string[]> {
      const notes = async (): Promise<string[]> => (await podEvents(cluster!, pod, 'Warning')).filter((e) => e.reason === 'ToolCallBlocked').map((e) => e.note ?? '');
      return waitFor(`ToolCallBlocked Events for ${tools.join(', ')} on ${pod}`, async () => {
        const n = await notes();
        return tools.every((t) => n.some((x) => x.includes(t))) ? n : undefined;
      }, { timeoutMs: 30_000, intervalMs: 500 }).catch(notes);
    }

    it("says in the Go agent's condition that it sees the Go program's calls through Go crypto/tls", async () => {
      // The condition is rewritten as the agent learns what each process is (its first write may predate the Go reading).
      const read = async (): Promise<string> => (await cluster!.kubectl(['get', 'pod', '-n', 'payments', goScene().agent.name, '-o', 'jsonpath={.status.conditions[?(@.type=="ziriz.io/protected")].message}'])).stdout;
      const seen = /calls seen in go: go-mcp \([^)]*Go crypto\/tls/;
      const message = await waitFor('the Go agent\'s condition to name Go crypto/tls', async () => {
        const m = await read();
        return seen.test(m) ? m : undefined;
      }, { timeoutMs: 30_000, intervalMs: 500 }).catch(read);
      expect(message).to.match(seen);
      expect(message).to.not.include('NOT seen');
    });

    for (const [build, bin] of [['with symbols', GO_BIN], ['stripped', GO_BIN_STRIPPED]] as const) {
      it(`a protected Go agent (${build}) calling the Node server over HTTPS: denied calls never run, allowed ones do, each block an Event`, async () => {
        covers('Go (crypto/tls, own syscalls)', 'HTTP/1.1', 'Go SDK client, symbols and stripped, in a pod of the local cluster');
        const c = cluster!;
        const before = (await serverLog(c, scene!.mcp.name)).length;
        const out = await goClient(c, goScene().agent.name, bin, 'https://customer-mcp:8443/mcp', '/ca/ca.crt', CALLS);
        expect(out.map((o) => [o.tool, o.ok])).to.deep.equal([['get_customer', true], ['delete_customer', false], ['get_all_customers', false], ['get_all_customers', true]]);
        expect(out[0]?.text).to.include('Ada');
        const ran = (await serverLog(c, scene!.mcp.name)).slice(before);
        expect(ran.map((r) => [r.what, r.detail])).to.deep.equal([['get_customer', { id: 1 }], ['get_all_customers', { filter: 'vip' }]]);
        const notes = await blockedEvents(goScene().agent.name, ['delete_customer', 'get_all_customers']);
        expect(notes.some((n) => n.includes('delete_customer')), notes.join('\n')).to.equal(true);
      });
    }

    it('a protected Go agent calling the Go server (HTTP/2 by ALPN): judged once, by its own policy; the server runs only what it allows', async () => {
      covers('Go (crypto/tls, own syscalls)', 'HTTP/2', 'Go SDK client to Go SDK server in pods of the local cluster');
      const c = cluster!;
      const g = goScene();
      const before = (await serverLog(c, g.server.name)).length;
      const out = await goClient(c, g.agent.name, GO_BIN_STRIPPED, 'https://go-customer-mcp:8443/mcp', '/go-ca/ca.crt', CALLS);
      expect(out.map((o) => [o.tool, o.ok])).to.deep.equal([['get_customer', true], ['delete_customer', false], ['get_all_customers', false], ['get_all_customers', true]]);
      expect((await serverLog(c, g.server.name)).slice(before).map((r) => r.what)).to.deep.equal(['get_customer', 'get_all_customers']);
      // D10: the agent's own node agent judged it; the server's inbound rules did not judge it again.
      const onServer = (await podEvents(c, g.server.name, 'Warning')).filter((e) => (e.note ?? '').includes(g.agent.name));
      expect(onServer).to.deep.equal([]);
    });

    it("an unprotected Go client calling the protected Go server (stripped, its crypto/tls Read probed): delete_customer never runs, the Event on the server's pod names the caller", async () => {
      covers('Go (crypto/tls, own syscalls)', 'server side', 'Go SDK server (stripped) in a pod of the local cluster');
      const c = cluster!;
      const g = goScene();
      const before = (await serverLog(c, g.server.name)).length;
      const out = await goClient(c, g.batch.name, GO_BIN_STRIPPED, 'https://go-customer-mcp:8443/mcp', '/go-ca/ca.crt', ['get_customer={"id":1}', 'delete_customer={"id":2}']);
      expect(out.map((o) => [o.tool, o.ok])).to.deep.equal([['get_customer', true], ['delete_customer', false]]);
      expect((await serverLog(c, g.server.name)).slice(before).map((r) => r.what)).to.deep.equal(['get_customer']);
      const notes = await blockedEvents(g.server.name, ['delete_customer']);
      expect(notes.some((n) => new RegExp(`delete_customer to go-customer-mcp:8443 from payments/${g.batch.name} \\(10\\.244\\.`).test(n)), notes.join('\n')).to.equal(true);
    });

    it('a protected Go agent starting the Go SDK stdio server as its child: get_customer runs, get_all_customers {filter: "none"} never does', async () => {
      covers('Go (crypto/tls, own syscalls)', 'stdio child', 'Go SDK client and stdio server in a pod of the local cluster');
      const r = await goStdio(cluster!, goScene().agent.name, ['get_customer={"id":1}', 'get_all_customers={"filter":"none"}']);
      expect(r.outcomes.map((o) => [o.tool, o.ok])).to.deep.equal([['get_customer', true], ['get_all_customers', false]]);
      expect(r.ran).to.deep.equal(['get_customer']);
      const notes = await blockedEvents(goScene().agent.name, ['to stdio server go-mcp-stripped']);
      expect(notes.some((n) => n.includes('get_all_customers to stdio server go-mcp-stripped stdio-server')), notes.join('\n')).to.equal(true);
    });
  });

  describe('audit mode (what kustomize/overlays/audit sets: ZIRIZ_MODE=audit on the node agents)', () => {
    after(async () => {
      if (cluster) await setAgentMode(cluster, 'enforce');
    });

    it('lets get_all_customers {filter: "none"} run and reports it as ToolCallAudited instead of blocking it', async () => {
      const c = cluster!;
      const s = scene!;
      await setAgentMode(c, 'audit');
      const cmd = { op: 'mcp', tool: 'get_all_customers', args: { filter: 'none' } };
      const [answer] = await runAgent(c, s.agent.name, [cmd]);
      expect(observe(cmd, answer).observed).to.equal('allowed');
      expect((await serverLog(c, s.mcp.name)).map((r) => r.what)).to.include('get_all_customers');
      const audited = await waitFor('a ToolCallAudited Event', async () => {
        const ev = await podEvents(c, s.agent.name, 'Normal');
        return ev.find((e) => e.reason === 'ToolCallAudited');
      }, { timeoutMs: 30_000, intervalMs: 500 });
      expect(audited.note).to.include('get_all_customers');
    });
  });
});
