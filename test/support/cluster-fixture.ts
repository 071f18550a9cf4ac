/**
 * One local cluster (real control plane + real node) shared by every test
 * suite of a mocha run, started lazily by the first suite that asks and
 * stopped once at the end of the run (root `after` hook; SIGKILL on exit as
 * the last resort). When a test fails, the cluster's log tails are printed.
 *
 *   import { sharedCluster } from '../support/cluster-fixture.js';
 *   before(async function () { cluster = await sharedCluster(this); });
 *
 * The gate: without root, the built binaries or images (hack/setup), or
 * containerd, the suite is skipped locally and FAILS in CI.
 */
import { existsSync } from 'node:fs';
import { LocalCluster } from '../../hack/cluster/cluster.js';
import { binariesBuilt, imagesBuilt } from '../../hack/cluster/paths.js';
import { isRoot, need } from './gate.js';

let started: Promise<LocalCluster> | undefined;
let running: LocalCluster | undefined;

/** Why a local cluster cannot run here, or undefined when it can. */
export function clusterMissing(): string | undefined {
  if (!isRoot()) return 'root (the node creates cgroups, network namespaces and mounts)';
  if (!binariesBuilt()) return 'Kubernetes/etcd binaries (run hack/k8s/build or hack/setup)';
  if (!imagesBuilt()) return 'node images (run hack/images/build or hack/setup)';
  if (!['/usr/bin/containerd', '/usr/sbin/runc', '/usr/lib/cni/bridge'].every((p) => existsSync(p))) {
    return 'containerd, runc and the CNI plugins (run hack/cluster/setup)';
  }
  return undefined;
}

/** Gate the calling suite on the cluster's prerequisites (skip locally, fail in CI). */
export function needCluster(ctx: Mocha.Context): void {
  const missing = clusterMissing();
  need(ctx, missing === undefined, missing ?? '');
}

/** The shared cluster, started on first use (about 10-15 s). Call from a before hook. */
export async function sharedCluster(ctx: Mocha.Context): Promise<LocalCluster> {
  needCluster(ctx);
  ctx.timeout(Math.max(ctx.timeout(), 600_000)); // may wait for another run's node (node lock)
  started ??= LocalCluster.start().then((c) => { running = c; return c; }, (err: unknown) => {
    started = undefined;
    throw err;
  });
  return started;
}

/** Stop the shared cluster (if it started); the next sharedCluster() starts a new one. */
export async function stopSharedCluster(): Promise<void> {
  const pending = started;
  started = undefined;
  running = undefined;
  if (!pending) return;
  const cluster = await pending.catch(() => undefined);
  await cluster?.stop();
}

after(async function stopClusterAtEnd() {
  this.timeout(180_000);
  await stopSharedCluster();
});

afterEach(function printClusterLogsOnFailure() {
  if (this.currentTest?.state === 'failed' && running) {
    process.stderr.write(`\n=== local cluster logs after failed test "${this.currentTest.fullTitle()}" ===\n${running.logTails(30)}\n`);
  }
});

process.once('exit', () => { running?.killNow(); });
