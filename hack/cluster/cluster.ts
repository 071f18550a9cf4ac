/**
 * The local one-machine Kubernetes cluster: a real control plane on
 * 127.0.0.1 and (optionally) a real node. Used by mocha (through
 * test/support/cluster-fixture.ts), by hack/cluster/up|down and by the demo.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { createClusterPki, type ClusterPki } from './cluster-pki.js';
import {
  controlPlaneProcesses, restartApiserver, startControlPlane, stopControlPlane, stopControllers, type ControlPlaneState,
} from './control-plane.js';
import { ClusterCleanupError } from './errors.js';
import { run, type ExecResult } from './exec.js';
import { mountsUnder, unmountUnder } from './host-state.js';
import { loadKubeConfig, serviceAccountToken, writeKubeconfig } from './kubeconfig.js';
import { staleNodeHolder } from './node-lock.js';
import { nodeProcesses, startNode, stopNode, type NodeState } from './node.js';
import { binary, builtImage } from './paths.js';
import { deleteAllPods } from './pods.js';
import { isRunning, killNow, tailFile, type ProcessRecord } from './process.js';
import { waitFor } from './wait.js';

export interface ClusterOptions {
  /** Start the kubelet + containerd node too (default true). */
  readonly node?: boolean;
  readonly nodeName?: string;
  /** Bound of every readiness wait while starting (default 120 s). */
  readonly timeoutMs?: number;
  /** How long to wait for another local cluster's node on this machine to stop (default 5 min). */
  readonly lockWaitMs?: number;
  /** Parent of the cluster's directory (default the system temp dir). */
  readonly parentDir?: string;
}

interface ClusterState {
  readonly dir: string;
  readonly nodeName: string;
  readonly pki: ClusterPki;
  controlPlane?: ControlPlaneState;
  node?: NodeState;
}

/** Tear down what a crashed run (its processes all dead) left on the node: containers, netns, cgroups. */
async function recoverCrashedNode(): Promise<void> {
  const stale = staleNodeHolder();
  if (!stale) return;
  process.stderr.write(`cleaning up after a crashed local cluster (${stale})\n`);
  await LocalCluster.load(stale).stop().catch((e: unknown) => { process.stderr.write(`recovery: ${String(e)}\n`); });
}

export class LocalCluster {
  private constructor(private readonly state: ClusterState, private readonly timeoutMs: number) {}

  /** Start etcd, the API server, controller-manager, scheduler and (unless node: false) the node. */
  static async start(opts: ClusterOptions = {}): Promise<LocalCluster> {
    const dir = mkdtempSync(join(opts.parentDir ?? tmpdir(), 'ziriz-cluster-'));
    mkdirSync(join(dir, 'logs'));
    const state: ClusterState = { dir, nodeName: opts.nodeName ?? 'ziriz-node', pki: createClusterPki(join(dir, 'pki')) };
    const cluster = new LocalCluster(state, opts.timeoutMs ?? 120_000);
    try {
      await startControlPlane(dir, cluster.logDir, state.pki, cluster.timeoutMs, (cp) => { state.controlPlane = cp; cluster.save(); });
      if (opts.node ?? true) {
        await recoverCrashedNode();
        await startNode({
          dir, logDir: cluster.logDir, name: state.nodeName, server: cluster.server, pki: state.pki,
          admin: cluster.kubeConfig(), timeoutMs: cluster.timeoutMs, stateFile: cluster.stateFile,
          ...(opts.lockWaitMs !== undefined ? { lockWaitMs: opts.lockWaitMs } : {}),
        }, (n) => { state.node = n; cluster.save(); });
      }
      await cluster.waitDefaultServiceAccount();
      return cluster;
    } catch (err) {
      process.stderr.write(`local cluster failed to start; logs:\n${cluster.logTails(30)}\n`);
      await cluster.stop().catch((e: unknown) => { process.stderr.write(`cleanup after failed start: ${String(e)}\n`); });
      throw err;
    }
  }

  /** A cluster started by another process (hack/cluster/up), from its state file. */
  static load(stateFile: string): LocalCluster {
    return new LocalCluster(JSON.parse(readFileSync(stateFile, 'utf8')) as ClusterState, 120_000);
  }

  get dir(): string { return this.state.dir; }
  get logDir(): string { return join(this.state.dir, 'logs'); }
  get stateFile(): string { return join(this.state.dir, 'state.json'); }
  get nodeName(): string { return this.state.nodeName; }
  get hasNode(): boolean { return this.state.node?.kubelet !== undefined; }
  get server(): string { return this.cp().server; }
  /** Path of the admin kubeconfig (system:masters): `kubectl --kubeconfig <this>`. */
  get adminKubeconfig(): string { return this.cp().adminKubeconfig; }
  get caFile(): string { return this.state.pki.ca.cert; }
  /** The containerd socket of the node (for ctr/CRI clients). */
  get containerdSocket(): string | undefined { return this.state.node?.layout.containerdSocket; }

  kubeConfig(): KubeConfig { return loadKubeConfig(this.adminKubeconfig); }

  /** The containerd reference of an image built by hack/images/build (e.g. 'node-app'). */
  image(name: string): string { return builtImage(name).ref; }

  /**
   * A kubeconfig (file path) that authenticates as ServiceAccount namespace/name
   * with a bound token from the TokenRequest API: it gets exactly that
   * account's RBAC. The ServiceAccount must exist.
   */
  async serviceAccountKubeconfig(namespace: string, name: string, expirationSeconds?: number): Promise<string> {
    const token = await serviceAccountToken(this.kubeConfig(), namespace, name, expirationSeconds);
    const path = join(this.state.dir, `sa-${namespace}-${name}.kubeconfig`);
    return writeKubeconfig(path, this.server, this.caFile, `system:serviceaccount:${namespace}:${name}`, { token });
  }

  /** Run the built kubectl against this cluster (admin unless another kubeconfig is given). */
  async kubectl(args: readonly string[], opts: { kubeconfig?: string; input?: string; timeoutMs?: number } = {}): Promise<ExecResult> {
    return run(binary('kubectl'), ['--kubeconfig', opts.kubeconfig ?? this.adminKubeconfig, ...args], {
      timeoutMs: opts.timeoutMs ?? 60_000, ...(opts.input !== undefined ? { input: opts.input } : {}),
    });
  }

  /** Stop the API server and start it again (same port, same etcd). */
  async restartApiServer(): Promise<void> {
    await restartApiserver(this.state.dir, this.logDir, this.state.pki, this.cp(), this.timeoutMs);
    this.save();
  }

  processes(): ProcessRecord[] {
    return [...(this.state.node ? nodeProcesses(this.state.node) : []), ...(this.state.controlPlane ? controlPlaneProcesses(this.state.controlPlane) : [])];
  }

  /** The last lines of every process's log, for a failed test's report. */
  logTails(lines = 40): string {
    return this.processes().map((p) => `----- ${p.name} (${p.log})\n${tailFile(p.log, lines)}`).join('\n');
  }

  /**
   * Delete every pod (so the kubelet tears down containers, cgroups, netns and
   * veths), stop every process, undo host changes and remove the directory.
   * Throws ClusterCleanupError listing anything left behind.
   */
  async stop(): Promise<void> {
    const left: string[] = [];
    const cp = this.state.controlPlane;
    if (cp) await stopControllers(cp);
    if (this.state.node) {
      if (cp?.apiserver && isRunning(cp.apiserver) && this.state.node.kubelet && isRunning(this.state.node.kubelet)) {
        await deleteAllPods(this.kubeConfig(), this.state.node.layout, 60_000).catch((e: unknown) => { left.push(`pods not deleted: ${String(e)}`); });
      }
      left.push(...await stopNode(this.state.node));
    }
    if (cp) await stopControlPlane(cp);
    left.push(...this.processes().filter(isRunning).map((p) => `process ${p.name} pid ${p.pid}`));
    left.push(...(await unmountUnder(this.state.dir)).map((m) => `mount ${m}`));
    if (mountsUnder(this.state.dir).length === 0 && process.env.ZIRIZ_KEEP_CLUSTER_DIR !== '1') {
      rmSync(this.state.dir, { recursive: true, force: true });
    }
    if (left.length > 0) throw new ClusterCleanupError(left);
  }

  /** Synchronous last resort (process exit): SIGKILL every process still running. */
  killNow(): void {
    for (const p of this.processes()) killNow(p);
  }

  private cp(): ControlPlaneState {
    if (!this.state.controlPlane) throw new Error('control plane not started');
    return this.state.controlPlane;
  }

  private save(): void {
    writeFileSync(this.stateFile, JSON.stringify(this.state, null, 2), { mode: 0o600 });
  }

  private async waitDefaultServiceAccount(): Promise<void> {
    const core = this.kubeConfig().makeApiClient(CoreV1Api);
    await waitFor('ServiceAccount default/default', async () => {
      await core.readNamespacedServiceAccount({ namespace: 'default', name: 'default' });
      return true;
    }, { timeoutMs: this.timeoutMs });
  }
}
