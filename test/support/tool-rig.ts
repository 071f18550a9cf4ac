/**
 * The node agent's tool-level enforcement without Kubernetes: the real kernel
 * programs (NodeKernel), the real desired-state code, per-process probes, the
 * hold manager and the ring-buffer path, with a test cgroup standing in for a
 * pod and a recording sink for verdicts. Children: the customer-mcp server
 * (not protected) and an agent client started inside the "pod" cgroup.
 */
import type { ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAgentPolicy } from '../../core/policy/parse.js';
import { Attribution } from '../../node-agent/src/agent/attribution.js';
import { desiredKernel } from '../../node-agent/src/agent/desired.js';
import { EventsPath } from '../../node-agent/src/agent/events-path.js';
import { IdAllocator } from '../../node-agent/src/agent/ids.js';
import { NodeKernel, UPROBE_PIN_DIR } from '../../node-agent/src/agent/kernel.js';
import type { ReportSink } from '../../node-agent/src/agent/sink.js';
import type { BpfMap } from '../../node-agent/src/bpf/map.js';
import { HoldManager } from '../../node-agent/src/calls/holds.js';
import { LeftoverHolds, type SweepResult } from '../../node-agent/src/calls/leftover-holds.js';
import { ProbeManager, type ProbeObjects } from '../../node-agent/src/calls/probes.js';
import { runProbe } from '../../node-agent/src/probe/probe.js';
import type { Verdict } from '../../node-agent/src/report/types.js';
import { TestCgroup } from './cgroup.js';
import { REPO } from './kustomize.js';
import { waitForLine } from './lines.js';
import { Processes } from './processes.js';
import { testCert } from './tls.js';

export interface HoldSample {
  readonly seconds: number;
  readonly outcome: string;
  readonly waitSeconds: number;
}

export class ToolRig {
  readonly verdicts: Verdict[] = [];
  readonly holdsSeen: HoldSample[] = [];
  readonly procs = new Processes();
  private kernel!: NodeKernel;
  private events!: EventsPath;
  probes!: ProbeManager;
  holds!: HoldManager;
  private probeObjects!: ProbeObjects;
  private plaintextProbes = true;
  private attribution!: Attribution;
  private sink!: ReportSink;
  private cgroup!: TestCgroup;
  private dir = '';
  private pinRoot = '';
  sideEffects = '';
  serverPort = 0;
  private server: ChildProcess | undefined;

  async start(policyDocs: readonly unknown[], opts: { tls?: boolean; serverEnv?: Record<string, string>; plaintextProbes?: boolean } = {}): Promise<void> {
    this.dir = mkdtempSync(join(tmpdir(), 'ziriz-tools-'));
    this.pinRoot = mkdtempSync('/sys/fs/bpf/ziriz-tools-');
    this.sideEffects = join(this.dir, 'side-effects.jsonl');
    writeFileSync(this.sideEffects, '');
    const cert = testCert();
    writeFileSync(join(this.dir, 'tls.crt'), cert.cert);
    writeFileSync(join(this.dir, 'tls.key'), cert.key);
    const log = (): void => undefined;
    this.kernel = NodeKernel.open({ pinRoot: this.pinRoot, stateFile: join(this.dir, 'tc.json'), probe: runProbe(), log });
    this.cgroup = TestCgroup.create('tools');
    const uid = randomUUID();
    const policies = policyDocs.map((d) => parseAgentPolicy(d));
    const ids = { policy: new IdAllocator(), identity: new IdAllocator() };
    const desired = desiredKernel({
      pods: [{
        facts: {
          uid, namespace: 'payments', name: 'gpt-orchestrator-0', labels: { app: 'gpt-orchestrator', 'ziriz.io/role': 'agent' }, annotations: {},
          serviceAccount: 'ai-agent-prod', podIPs: [], hostNetwork: true, terminal: false, containerNames: {}, protectedCondition: null,
        },
        resolution: { podCgroup: { path: this.cgroup.path, id: this.cgroup.id }, containers: [], pids: [], veths: [] },
      }],
      policies, peers: [], ownNamespace: 'ziriz-system', namespaceLabels: () => ({}), ids,
    });
    this.kernel.apply(desired, new Set([...desired.plans.values()].map((p) => p.identityId)));
    const attribution = new Attribution('test-node');
    attribution.update(desired.plans, []);
    const sink: ReportSink = {
      verdict: (v) => { this.verdicts.push(v); },
      protection: () => undefined, policyStatus: () => undefined, nodeHooks: () => undefined, kernelCounters: () => undefined, podGone: () => undefined, pods: () => undefined, protectedAfter: () => undefined,
    };
    const ssl = this.kernel.object('uprobe_ssl_write');
    const gnutls = this.kernel.object('uprobe_gnutls_send');
    if (!ssl || !gnutls) throw new Error('uprobe objects did not load');
    this.probeObjects = { ssl, gnutls, libc: this.kernel.object('uprobe_libc_send') };
    this.plaintextProbes = opts.plaintextProbes ?? true;
    this.probes = new ProbeManager(this.probeObjects, log, this.plaintextProbes, join(this.pinRoot, UPROBE_PIN_DIR));
    const holds = new HoldManager(attribution, sink, { ...(this.kernel.maps.ziriz_conn_hold ? { connHold: this.kernel.maps.ziriz_conn_hold } : {}), ...(this.kernel.maps.ziriz_holds ? { holds: this.kernel.maps.ziriz_holds } : {}) }, {
      held: (seconds, outcome, waitSeconds) => { this.holdsSeen.push({ seconds, outcome, waitSeconds }); },
      audited: () => undefined,
      failed: () => undefined,
    }, log);
    holds.ready(); // the rig's attribution is complete already
    this.holds = holds;
    this.attribution = attribution;
    this.sink = sink;
    this.resumeEvents();
    const tls = opts.tls ?? true;
    this.server = this.procs.start(process.execPath, [join(REPO, 'dist/hack/apps/customer-mcp.js')], {
      env: { ...process.env, SIDE_EFFECTS: this.sideEffects, PORT: '0', ...opts.serverEnv, ...(tls ? { ZIRIZ_TLS_CERT: join(this.dir, 'tls.crt'), ZIRIZ_TLS_KEY: join(this.dir, 'tls.key') } : {}) },
    });
    this.serverPort = Number((await waitForLine(this.server, 'listening')).split(' ')[1]);
  }

  /**
   * What an agent restart does to per-process probes: the old manager closes
   * its handles (pinned links stay), a new one adopts the pins. Returns the
   * processes adopted.
   */
  async restartProbes(between?: () => Promise<void>): Promise<number> {
    await this.probes.closeAll();
    await between?.();
    this.probes = new ProbeManager(this.probeObjects, () => undefined, this.plaintextProbes, this.uprobePinDir);
    return this.probes.adopt();
  }

  get uprobePinDir(): string {
    return join(this.pinRoot, UPROBE_PIN_DIR);
  }

  /** Stop reading the ring buffer, as an agent that died would: records (and held processes) wait. */
  pauseEvents(): void {
    this.events.close();
  }

  /** Read the ring buffer again (a new agent's events path): waiting records are delivered. */
  resumeEvents(): void {
    const ring = this.kernel.maps.ziriz_events;
    if (!ring) throw new Error('no ring buffer');
    this.events = new EventsPath(ring, this.attribution, this.sink, () => undefined, () => undefined, { probes: this.probes, holds: this.holds });
    this.events.start();
  }

  /** One sweep of the kernel's hold entries, as the node agent runs it every second. */
  sweepLeftovers(minAgeMs: number): SweepResult {
    const map = this.kernel.maps.ziriz_holds;
    if (!map) throw new Error('no holds map');
    return new LeftoverHolds(map, this.holds, (cg) => this.attribution.identityOfCgroup(cg), (pid) => { this.events.resumeExecHold(pid); }, () => undefined, minAgeMs).sweep();
  }

  /** Programs the events path let go after a hold at exec. */
  get execHolds(): number {
    return this.events.stats.execHolds;
  }

  /** Entries of the kernel's hold map (tgid -> hold). */
  holdEntries(): number {
    return this.holdsMap().entries().length;
  }

  holdsMap(): BpfMap {
    const map = this.kernel.maps.ziriz_holds;
    if (!map) throw new Error('no holds map');
    return map;
  }

  /** Any node script inside the protected cgroup (held at exec until its probes are on). */
  spawnProtected(script: string, args: readonly string[], env: Record<string, string> = {}): ChildProcess {
    return this.procs.start('sh', ['-c', `echo $$ > ${this.cgroup.path}/cgroup.procs && exec "$@"`, 'sh', process.execPath, script, ...args], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: join(this.dir, 'tls.crt'), ...env },
    });
  }

  /** The same script outside any protected cgroup. */
  spawnUnprotected(script: string, args: readonly string[], env: Record<string, string> = {}): ChildProcess {
    return this.procs.start(process.execPath, [script, ...args], { env: { ...process.env, NODE_EXTRA_CA_CERTS: join(this.dir, 'tls.crt'), ...env } });
  }

  /** Kernel counter totals (probe hits, calls held/allowed, ...). */
  counters(): Record<string, bigint> {
    return this.kernel.counters();
  }

  /** An agent client inside the protected cgroup (held at exec until its probes are on, by the real path). */
  async client(tls = true, extraEnv: Record<string, string> = {}): Promise<AgentClient> {
    const url = `${tls ? 'https' : 'http'}://127.0.0.1:${this.serverPort}`;
    const child = this.procs.start('sh', ['-c', `echo $$ > ${this.cgroup.path}/cgroup.procs && exec "$0" "$1"`, process.execPath, join(REPO, 'dist/hack/apps/agent-client.js')], {
      env: { ...process.env, SERVER_URL: url, NODE_EXTRA_CA_CERTS: join(this.dir, 'tls.crt'), ...extraEnv },
    });
    await waitForLine(child, 'ready', 20_000);
    return new AgentClient(child);
  }

  get cgroupPath(): string {
    return this.cgroup.path;
  }

  get certFile(): string {
    return join(this.dir, 'tls.crt');
  }

  ranTools(): string[] {
    return readFileSync(this.sideEffects, 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { what: string }).what);
  }

  async stop(): Promise<void> {
    this.procs.killAll();
    this.events.close();
    await this.probes.closeAll();
    this.kernel.teardown();
    try {
      this.cgroup.remove();
    } catch {
      // processes still exiting: best effort
    }
    rmSync(this.dir, { recursive: true, force: true });
    rmSync(this.pinRoot, { recursive: true, force: true });
  }
}

export class AgentClient {
  private buffer = '';
  private readonly waiters: ((line: string) => void)[] = [];

  constructor(readonly child: ChildProcess) {
    child.stdout?.on('data', (d: Buffer) => {
      this.buffer += d.toString();
      let nl = this.buffer.indexOf('\n');
      while (nl >= 0) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        if (line.startsWith('{')) this.waiters.shift()?.(line);
        nl = this.buffer.indexOf('\n');
      }
    });
  }

  async send(cmd: Record<string, unknown>, timeoutMs = 20_000): Promise<{ ok: boolean; result?: unknown; error?: string }> {
    const line = new Promise<string>((resolve, reject) => {
      const t = setTimeout(() => { reject(new Error(`no answer to ${JSON.stringify(cmd)}`)); }, timeoutMs);
      this.waiters.push((l) => { clearTimeout(t); resolve(l); });
    });
    this.child.stdin?.write(`${JSON.stringify(cmd)}\n`);
    return JSON.parse(await line) as { ok: boolean; result?: unknown; error?: string };
  }
}
