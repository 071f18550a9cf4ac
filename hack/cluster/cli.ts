/**
 * hack/cluster/up and hack/cluster/down: start the local cluster for a person
 * or the demo (it keeps running after `up` returns) and stop it again.
 *   up [--no-node]   prints the admin kubeconfig path (export KUBECONFIG=...)
 *   down             stops the cluster that `up` started
 *   logs [N]         the last N lines of every process's log
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { LocalCluster } from './cluster.js';
import { cacheDir } from './paths.js';
import { nodeLockHolder } from './node-lock.js';
import { isRunning } from './process.js';

const pointer = join(cacheDir, 'cluster', 'current');

/** The cluster `up` started, or else the one holding this machine's node (e.g. a killed test run). */
function current(): LocalCluster | undefined {
  const stateFile = existsSync(pointer) ? readFileSync(pointer, 'utf8').trim() : nodeLockHolder();
  if (!stateFile) return undefined;
  if (!existsSync(stateFile)) { rmSync(pointer, { force: true }); return undefined; }
  return LocalCluster.load(stateFile);
}

async function up(args: string[]): Promise<void> {
  const running = current();
  if (running?.processes().some(isRunning)) {
    process.stdout.write(`already running; export KUBECONFIG=${running.adminKubeconfig}\n`);
    return;
  }
  const t0 = Date.now();
  const cluster = await LocalCluster.start({ node: !args.includes('--no-node') });
  mkdirSync(dirname(pointer), { recursive: true });
  writeFileSync(pointer, cluster.stateFile);
  process.stderr.write(`cluster up in ${((Date.now() - t0) / 1000).toFixed(1)} s (dir ${cluster.dir}, logs in ${cluster.logDir})\n`);
  process.stdout.write(`export KUBECONFIG=${cluster.adminKubeconfig}\n`);
}

async function down(): Promise<void> {
  const cluster = current();
  if (!cluster) { process.stderr.write('no local cluster is running\n'); return; }
  await cluster.stop();
  rmSync(pointer, { force: true });
  process.stderr.write('cluster stopped and cleaned up\n');
}

function logs(args: string[]): void {
  const cluster = current();
  if (!cluster) { process.stderr.write('no local cluster is running\n'); return; }
  process.stdout.write(`${cluster.logTails(Number(args[0] ?? 40))}\n`);
}

async function main(argv: string[]): Promise<void> {
  const [cmd, ...rest] = argv;
  if (cmd === 'up') await up(rest);
  else if (cmd === 'down') await down();
  else if (cmd === 'logs') logs(rest);
  else throw new Error('usage: cli.js up [--no-node] | down | logs [N]');
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  process.exitCode = 1;
});
