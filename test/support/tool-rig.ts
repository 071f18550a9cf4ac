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
import { GoSymbols } from '../../node-agent/src/calls/go-symbols.js';
import { HoldManager } from '../../node-agent/src/calls/holds.js';
import { LeftoverHolds, type SweepResult } from '../../node-agent/src/calls/leftover-holds.js';
import { ProbeManager, type ProbeObjects } from '../../node-agent/src/calls/probes.js';
import { runProbe } from '../../node-agent/src/probe/probe.js';
import type { Verdict } from '../../node-agent/src/report/types.js';
import type { LogFn } from '../../core/log/json-log.js';
import { TestCgroup } from './cgroup.js';
import type { TestNetns } from './netns.js';
import type { PeerPod } from '../../node-agent/src/agent/desired.js';
import type { ProbeWants } from '../../node-agent/src/calls/targets.js';
import { REPO } from './kustomize.js';
import { waitForLine } from './lines.js';
import { Processes } from './processes.js';
import { testCert } from './tls.js';

export interface HoldSample {
  readonly seconds: number;
  readonly outcome: string;
  readonly waitSeconds: number;
  readonly pid: number;
}

export interface RigOptions {
  readonly tls?: boolean;
  /** Size of the shared ring buffer ziriz_events (default: the agent's). */
  readonly ringBytes?: number;
  readonly serverEnv?: Record<string, string>;
  readonly plaintextProbes?: boolean;
  /** Start the customer-mcp server (default); false: the test runs servers of its own. */
  readonly startServer?: boolean;
  /** How Go programs are read (default: the built ziriz-gosym helper). */
  readonly goSymbols?: GoSymbols;
  /** The agent pod's IPs (none: a host-network pod). */
  readonly agentPodIPs?: readonly string[];
  /** Pods the agent knows by IP (callers named by selector). */
  readonly peers?: readonly PeerPod[];
  readonly server?: {
    /** Run customer-mcp as a protected pod (labels app=customer-mcp) in its own cgroup. */
    readonly protect?: boolean;
    readonly podIPs?: readonly string[];
    /** Start it inside this namespace, listening on every address. */
    readonly netns?: TestNetns;
    /** Addresses the test certificate names besides 127.0.0.1. */
    readonly certIps?: readonly string[];
    /** Another server program instead of customer-mcp: its argv from the rig's files (it prints "listening PORT"). */
    readonly program?: (files: { cert: string; key: string; sideEffects: string; host: string }) => readonly string[];
  };
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
  private goSymbols!: GoSymbols;
  private attribution!: Attribution;
  private sink!: ReportSink;
  private cgroup!: TestCgroup;
  private serverCgroup: TestCgroup | undefined;
  private wants: ((pid: number) => ProbeWants) | undefined;
  private dir = '';
  private pinRoot = '';
  sideEffects = '';
  serverPort = 0;
  private server: ChildProcess | undefined;

  async start(policyDocs: readonly unknown[], opts: RigOptions = {}): Promise<void> {
    this.dir = mkdtempSync(join(tmpdir(), 'ziriz-tools-'));
    this.pinRoot = mkdtempSync('/sys/fs/bpf/ziriz-tools-');
    this.sideEffects = join(this.dir, 'side-effects.jsonl');
    writeFileSync(this.sideEffects, '');
    const cert = testCert(opts.server?.certIps ?? []);
    writeFileSync(join(this.dir, 'tls.crt'), cert.cert);
    writeFileSync(join(this.dir, 'tls.key'), cert.key);
    // ZIRIZ_RIG_LOG=1: the agent code's log lines on stderr (debugging a failing test).
    const log: LogFn = process.env.ZIRIZ_RIG_LOG ? (level, msg, fields) => { process.stderr.write(`${level} ${msg} ${JSON.stringify(fields ?? {})}\n`); } : () => undefined;
    this.kernel = NodeKernel.open({ pinRoot: this.pinRoot, stateFile: join(this.dir, 'tc.json'), probe: runProbe(), log, ...(opts.ringBytes ? { ringBytes: opts.ringBytes } : {}) });
    this.cgroup = TestCgroup.create('tools');
    const policies = policyDocs.map((d) => parseAgentPolicy(d));
    const ids = { policy: new IdAllocator(), identity: new IdAllocator() };
    const agentIps = opts.agentPodIPs ?? [];
    const pods = [{
      facts: {
        uid: randomUUID(), namespace: 'payments', name: 'gpt-orchestrator-0', labels: { app: 'gpt-orchestrator', 'ziriz.io/role': 'agent' }, annotations: {},
        serviceAccount: 'ai-agent-prod', podIPs: agentIps, hostNetwork: agentIps.length === 0, terminal: false, containerNames: {}, protectedCondition: null,
      },
      resolution: { podCgroup: { path: this.cgroup.path, id: this.cgroup.id }, containers: [], pids: [], veths: [] },
    }];
    if (opts.server?.protect) {
      this.serverCgroup = TestCgroup.create('tools-server');
      pods.push({
        facts: {
          uid: randomUUID(), namespace: 'payments', name: 'customer-mcp-0', labels: { app: 'customer-mcp', 'ziriz.io/role': 'mcp-server' }, annotations: {},
          serviceAccount: 'customer-mcp', podIPs: opts.server.podIPs ?? [], hostNetwork: (opts.server.podIPs ?? []).length === 0, terminal: false, containerNames: {}, protectedCondition: null,
        },
        resolution: { podCgroup: { path: this.serverCgroup.path, id: this.serverCgroup.id }, containers: [], pids: [], veths: [] },
      });
    }
    const peers = (opts.peers ?? []).map((p, i) => ({ ...p, name: `peer-${i}` }));
    const desired = desiredKernel({ pods, policies, peers, ownNamespace: 'ziriz-system', namespaceLabels: () => ({}), ids });
    this.kernel.apply(desired, new Set([...desired.plans.values()].map((p) => p.identityId)));
    const attribution = new Attribution('test-node');
    attribution.update(desired.plans, peers);
    const sink: ReportSink = {
      verdict: (v) => { this.verdicts.push(v); },
      protection: () => undefined, policyStatus: () => undefined, nodeHooks: () => undefined, kernelCounters: () => undefined, podGone: () => undefined, pods: () => undefined, protectedAfter: () => undefined,
    };
    const ssl = this.kernel.object('uprobe_ssl_write');
    const gnutls = this.kernel.object('uprobe_gnutls_send');
    if (!ssl || !gnutls) throw new Error('uprobe objects did not load');
    this.probeObjects = { ssl, gnutls, libc: this.kernel.object('uprobe_libc_send'), recv: this.kernel.object('uprobe_ssl_read') };
    this.plaintextProbes = opts.plaintextProbes ?? true;
    this.wants = (pid) => attribution.probeWantsOfPid(pid);
    this.goSymbols = opts.goSymbols ?? new GoSymbols();
    this.probes = new ProbeManager(this.probeObjects, log, this.plaintextProbes, join(this.pinRoot, UPROBE_PIN_DIR), this.wants, this.goSymbols, this.kernel.maps.ziriz_blind);
    const holds = new HoldManager(attribution, sink, { ...(this.kernel.maps.ziriz_conn_hold ? { connHold: this.kernel.maps.ziriz_conn_hold } : {}), ...(this.kernel.maps.ziriz_holds ? { holds: this.kernel.maps.ziriz_holds } : {}) }, {
      held: (seconds, outcome, waitSeconds, pid) => { this.holdsSeen.push({ seconds, outcome, waitSeconds, pid }); },
      audited: () => undefined,
      failed: () => undefined,
    }, log);
    holds.ready(); // the rig's attribution is complete already
    this.holds = holds;
    this.attribution = attribution;
    this.sink = sink;
    this.resumeEvents();
    if (opts.startServer === false) return;
    await this.startServer(opts);
  }

  /** customer-mcp (or opts.server.program), in the server cgroup and namespace when asked. */
  private async startServer(opts: RigOptions): Promise<void> {
    const tls = opts.tls ?? true;
    const env = { ...process.env, SIDE_EFFECTS: this.sideEffects, PORT: '0', ...opts.serverEnv, ...(tls ? { ZIRIZ_TLS_CERT: join(this.dir, 'tls.crt'), ZIRIZ_TLS_KEY: join(this.dir, 'tls.key') } : {}) };
    const script = join(REPO, 'dist/hack/apps/customer-mcp.js');
    const netns = opts.server?.netns;
    const where = { ...(this.serverCgroup ? { cgroup: this.serverCgroup.path } : {}), ...(netns ? { netns } : {}) };
    const program = opts.server?.program?.({ cert: join(this.dir, 'tls.crt'), key: join(this.dir, 'tls.key'), sideEffects: this.sideEffects, host: netns ? '0.0.0.0' : '127.0.0.1' });
    this.server = program
      ? this.startIn(program, where, env)
      : this.startNode(script, [], where, netns ? { ...env, HOST: '0.0.0.0' } : env);
    this.serverPort = Number((await waitForLine(this.server, 'listening', 20_000)).split(' ')[1]);
  }

  /**
   * What an agent restart does to per-process probes: the old manager closes
   * its handles (pinned links stay), a new one adopts the pins. Returns the
   * processes adopted.
   */
  async restartProbes(between?: () => Promise<void>): Promise<number> {
    await this.probes.closeAll();
    await between?.();
    this.probes = new ProbeManager(this.probeObjects, () => undefined, this.plaintextProbes, this.uprobePinDir, this.wants, this.goSymbols, this.kernel.maps.ziriz_blind);
    return this.probes.adopt();
  }

  /**
   * A second set of per-process probes over the same programs, unpinned (two
   * agents overlapping, or links replaced while the old ones are still being
   * destroyed): `ensure(pid)` on it puts every probe of `pid` on twice.
   */
  extraProbes(): ProbeManager {
    return new ProbeManager(this.probeObjects, () => undefined, this.plaintextProbes, undefined, this.wants, this.goSymbols);
  }

  /** Where the rig's maps are pinned (another object loaded there shares them, e.g. the ring). */
  get pinRootDir(): string {
    return this.pinRoot;
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
    this.events = new EventsPath(ring, this.attribution, this.sink, () => undefined, () => undefined, { probes: this.probes, holds: this.holds }, this.kernel.maps.ziriz_hold_events);
    this.events.start();
  }

  /** One sweep of the kernel's hold entries, as the node agent runs it every second. */
  sweepLeftovers(minAgeMs: number): SweepResult {
    const map = this.kernel.maps.ziriz_holds;
    if (!map) throw new Error('no holds map');
    return new LeftoverHolds(map, this.holds, (cg) => this.attribution.identityOfCgroup(cg), (pid, release) => { this.events.resumeExecHold(pid, release); }, () => undefined, minAgeMs).sweep();
  }

  /** Programs the events path let go after a hold at exec. */
  get execHolds(): number {
    return this.events.stats.execHolds;
  }

  /** Entries of the recv object's Go read maps ((g, tgid) keys) that belong to process `pid`. */
  goReadEntries(pid: number): number {
    const recv = this.kernel.object('uprobe_ssl_read');
    let n = 0;
    for (const name of ['ziriz_go_tls_reads', 'ziriz_go_fd_reads']) {
      for (const k of recv?.map(name).keys() ?? []) if (k.readUInt32LE(8) === pid) n++;
    }
    return n;
  }

  /** Stop the server process (SIGKILL) and wait for it to go. */
  async killServer(): Promise<void> {
    if (!this.server) return;
    const gone = new Promise((r) => this.server?.once('exit', r));
    this.server.kill('SIGKILL');
    await gone;
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

  /** Any program inside the protected cgroup (held at exec until its probes are on), inside `netns` when given. */
  spawnProgramProtected(argv: readonly string[], env: Record<string, string> = {}, netns?: TestNetns): ChildProcess {
    return this.startIn(argv, { cgroup: this.cgroup.path, ...(netns ? { netns } : {}) }, { ...process.env, ...env });
  }

  /** Any node script inside the protected cgroup (held at exec until its probes are on). */
  spawnProtected(script: string, args: readonly string[], env: Record<string, string> = {}): ChildProcess {
    return this.startNode(script, args, { cgroup: this.cgroup.path }, { ...process.env, NODE_EXTRA_CA_CERTS: join(this.dir, 'tls.crt'), ...env });
  }

  /** The same script outside any protected cgroup (inside `netns` when given). */
  spawnUnprotected(script: string, args: readonly string[], env: Record<string, string> = {}, netns?: TestNetns): ChildProcess {
    return this.startNode(script, args, netns ? { netns } : {}, { ...process.env, NODE_EXTRA_CA_CERTS: join(this.dir, 'tls.crt'), ...env });
  }

  /**
   * node `script` with `args`, moved into `cgroup` first (then exec'd: the
   * program starts in it, held at exec until probed) and inside `netns`.
   * nsenter, not `ip netns exec`: that remounts /sys, and the cgroup is
   * written after it.
   */
  private startNode(script: string, args: readonly string[], where: { cgroup?: string; netns?: TestNetns }, env: NodeJS.ProcessEnv): ChildProcess {
    return this.startIn([process.execPath, script, ...args], where, env);
  }

  /** Any program, moved into `cgroup` first (then exec'd) and inside `netns`. */
  private startIn(program: readonly string[], where: { cgroup?: string; netns?: TestNetns }, env: NodeJS.ProcessEnv): ChildProcess {
    const argv = [
      ...(where.netns ? ['nsenter', `--net=${where.netns.path}`] : []),
      ...(where.cgroup ? ['sh', '-c', `echo $$ > ${where.cgroup}/cgroup.procs && exec "$@"`, 'sh'] : []),
      ...program,
    ];
    return this.procs.start(argv[0] ?? process.execPath, argv.slice(1), { env });
  }

  /** Kernel counter totals (probe hits, calls held/allowed, ...). */
  counters(): Record<string, bigint> {
    return this.kernel.counters();
  }

  /**
   * An agent client inside the protected cgroup (held at exec until its
   * probes are on, by the real path), or outside it (`protect: false`);
   * inside a network namespace and to another server address when given.
   */
  async client(tls = true, extraEnv: Record<string, string> = {}, where: { protect?: boolean; netns?: TestNetns; serverIp?: string } = {}): Promise<AgentClient> {
    const url = `${tls ? 'https' : 'http'}://${where.serverIp ?? '127.0.0.1'}:${this.serverPort}`;
    const child = this.startNode(join(REPO, 'dist/hack/apps/agent-client.js'), [], {
      ...(where.protect ?? true ? { cgroup: this.cgroup.path } : {}), ...(where.netns ? { netns: where.netns } : {}),
    }, { ...process.env, SERVER_URL: url, NODE_EXTRA_CA_CERTS: join(this.dir, 'tls.crt'), ...extraEnv });
    await waitForLine(child, 'ready', 20_000);
    return new AgentClient(child);
  }

  /** The protected server's process (server.protect). */
  get serverPid(): number {
    return this.server?.pid ?? 0;
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
    for (const cg of [this.cgroup, this.serverCgroup]) {
      if (!cg) continue;
      await cg.drained();
      try {
        cg.remove();
      } catch (e: unknown) {
        console.error(`      tool rig: cgroup ${cg.path} not removed: ${(e as Error).message}`);
      }
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
