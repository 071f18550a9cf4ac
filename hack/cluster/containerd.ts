/** Debian's containerd started by hand for the node: images, tasks and the safety-net cleanup. */
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ClusterPrerequisiteError } from './errors.js';
import { run, tryRun } from './exec.js';
import { containerdConfig, type NodeLayout } from './node-config.js';
import { builtImage, nodeImages } from './paths.js';
import { assertRunning, startProcess, type ProcessRecord } from './process.js';
import { waitFor } from './wait.js';

const namespace = 'k8s.io';

export function ctr(l: NodeLayout, args: readonly string[], timeoutMs = 120_000): ReturnType<typeof run> {
  return run('ctr', ['--address', l.containerdSocket, '--namespace', namespace, ...args], { timeoutMs });
}

/** Start containerd; with reuseConfig (recovering a crashed run) the existing config file is kept. */
export async function startContainerd(l: NodeLayout, logDir: string, reuseConfig = false): Promise<ProcessRecord> {
  for (const bin of ['containerd', 'ctr', 'runc', 'containerd-shim-runc-v2']) {
    if (!existsInPath(bin)) throw new ClusterPrerequisiteError(bin, 'apt-get install containerd runc (hack/cluster/setup)');
  }
  const config = join(l.dir, 'containerd.toml');
  if (!reuseConfig || !existsSync(config)) writeFileSync(config, containerdConfig(l, builtImage('pause').ref));
  const rec = startProcess('containerd', 'containerd', ['--config', config, '--log-level', 'info'], {
    log: join(logDir, 'containerd.log'),
  });
  await waitFor('containerd to answer on its socket', async () => {
    if (!existsSync(l.containerdSocket)) return undefined;
    await run('ctr', ['--address', l.containerdSocket, 'version'], { timeoutMs: 5000 });
    return true;
  }, { timeoutMs: 30_000, check: () => { assertRunning(rec); } });
  return rec;
}

function existsInPath(bin: string): boolean {
  return (process.env.PATH ?? '/usr/bin:/usr/sbin').split(':').some((d) => existsSync(join(d, bin)));
}

/** Import the node's images (pause, node-app, client) unless containerd has them. */
export async function importImages(l: NodeLayout, names: readonly string[] = nodeImages): Promise<void> {
  const have = new Set((await ctr(l, ['images', 'ls', '-q'])).stdout.split('\n'));
  for (const name of names) {
    const image = builtImage(name);
    if (!have.has(image.ref)) await ctr(l, ['images', 'import', image.archive], 300_000);
  }
}

/** The safety net behind the kubelet: kill and delete every task, remember the pods' netns. */
export async function removeAllContainers(l: NodeLayout): Promise<string[]> {
  const netns = new Set<string>();
  const ids = (await tryRun('ctr', ['--address', l.containerdSocket, '-n', namespace, 'containers', 'ls', '-q']))
    ?.stdout.split('\n').filter(Boolean) ?? [];
  for (const id of ids) {
    const info = await tryRun('ctr', ['--address', l.containerdSocket, '-n', namespace, 'containers', 'info', id]);
    for (const m of info?.stdout.matchAll(/"path":\s*"(\/var\/run\/netns\/[^"]+|\/run\/netns\/[^"]+)"/g) ?? []) {
      if (m[1]) netns.add(m[1]);
    }
    await tryRun('ctr', ['--address', l.containerdSocket, '-n', namespace, 'tasks', 'kill', '-s', 'SIGKILL', id]);
    await tryRun('ctr', ['--address', l.containerdSocket, '-n', namespace, 'tasks', 'delete', '-f', id]);
    await tryRun('ctr', ['--address', l.containerdSocket, '-n', namespace, 'containers', 'delete', id]);
  }
  return [...netns];
}

/** Unmount and remove network namespace files left by sandboxes the kubelet did not stop. */
export async function removeNetns(paths: readonly string[]): Promise<void> {
  for (const p of paths) {
    if (!existsSync(p)) continue;
    await tryRun('umount', [p]);
    rmSync(p, { force: true });
  }
}

/** containerd-shim processes serving our containerd (matched by its socket in their command line). */
export function shimPids(l: NodeLayout): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (argv[0]?.includes('containerd-shim') && argv.includes(l.containerdSocket)) pids.push(Number(entry));
    } catch { /* exited meanwhile */ }
  }
  return pids;
}
