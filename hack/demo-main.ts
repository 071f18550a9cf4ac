/**
 * hack/demo: the seed's story on the local cluster, end to end.
 *   1. the local cluster: the one `hack/cluster/up` started, or a new one
 *   2. the ziriz images (offline builder, cached by content) loaded on the node
 *   3. kubectl apply -k kustomize/overlays/local (through the cluster's generated kustomization)
 *   4. the story in namespace payments (hack/demo-story.ts, hack/demo-play.ts)
 *   5. the verdicts and `kubectl describe pod` lines; exit 1 unless all are as expected
 * A cluster the demo started is stopped at the end (and ziriz's kernel state
 * removed) unless --keep; a cluster it reused is left running with ziriz installed.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { errorMessage } from '../core/errors/ziriz-error.js';
import { LocalCluster } from './cluster/cluster.js';
import { binary, cacheDir } from './cluster/paths.js';
import { isRunning } from './cluster/process.js';
import { buildImages, installZiriz, loadImages, teardownKernel, zirizLogs } from './demo-install.js';
import { formatReport, playStory, setScene } from './demo-play.js';
import { stderrSay, step } from './demo-progress.js';

const pointer = join(cacheDir, 'cluster', 'current');
const say = stderrSay;

function runningCluster(): LocalCluster | undefined {
  if (!existsSync(pointer)) return undefined;
  const stateFile = readFileSync(pointer, 'utf8').trim();
  if (!existsSync(stateFile)) return undefined;
  const c = LocalCluster.load(stateFile);
  return c.hasNode && c.processes().every(isRunning) ? c : undefined;
}

async function stopOwned(cluster: LocalCluster): Promise<void> {
  await step(say, 'stopping the local cluster and removing ziriz from the kernel', async () => {
    await cluster.stop();
    await teardownKernel();
  });
}

async function main(argv: readonly string[]): Promise<number> {
  const keep = argv.includes('--keep');
  const t0 = Date.now();
  let cluster = runningCluster();
  const owned = cluster === undefined;
  if (cluster) say(`▸ reusing the local cluster in ${cluster.dir}`);
  else cluster = await step(say, 'starting the local cluster (etcd, API server, controllers, kubelet + containerd)', () => LocalCluster.start());
  const c = cluster;
  let stopping = false;
  const onSignal = (sig: string): void => {
    if (stopping) return;
    stopping = true;
    say(`${sig}: cleaning up`);
    void (owned ? stopOwned(c) : Promise.resolve()).finally(() => process.exit(130));
  };
  process.once('SIGINT', () => { onSignal('SIGINT'); });
  process.once('SIGTERM', () => { onSignal('SIGTERM'); });
  let ok = false;
  try {
    await step(say, 'building the ziriz images (hack/images/build; cached by content)', () => buildImages(say));
    await step(say, 'loading the images into the node', () => loadImages(c, say));
    await step(say, 'installing ziriz: kustomize/overlays/local', () => installZiriz(c, say));
    const scene = await setScene(c, say);
    const report = await playStory(c, say, scene);
    process.stdout.write(formatReport(report));
    ok = report.ok;
    if (!ok) say(await zirizLogs(c, 30));
  } catch (e: unknown) {
    say(`demo failed: ${errorMessage(e)}`);
  } finally {
    stopping = true;
    if (owned && !keep) {
      await stopOwned(c).catch((e: unknown) => { say(`cleanup: ${errorMessage(e)}`); });
    } else {
      if (owned) {
        mkdirSync(dirname(pointer), { recursive: true });
        writeFileSync(pointer, c.stateFile);
      }
      say(`\nThe cluster keeps running with ziriz installed:\n  export KUBECONFIG=${c.adminKubeconfig}\n  ${binary('kubectl')} describe pod -n payments -l app=gpt-orchestrator\n  hack/cluster/down && node dist/node-agent/src/main.js teardown   # when done`);
    }
  }
  say(`demo ${ok ? 'passed' : 'FAILED'} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return ok ? 0 : 1;
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (e: unknown) => {
  process.stderr.write(`hack/demo: ${errorMessage(e)}\n`);
  process.exitCode = 1;
});
