/** Where the local cluster's binaries, images and repo scripts live. */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ClusterPrerequisiteError } from './errors.js';

/** The repository root (this file runs from dist/hack/cluster or hack/cluster). */
export const repoRoot: string = process.env.ZIRIZ_ROOT ?? findRoot(fileURLToPath(new URL('.', import.meta.url)));

function findRoot(from: string): string {
  let dir = from;
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'hack', 'k8s', 'versions.env'))) return dir;
    dir = resolve(dir, '..');
  }
  throw new ClusterPrerequisiteError('the repository root', `no hack/k8s/versions.env above ${from}`);
}

export const cacheDir: string = process.env.ZIRIZ_CACHE ?? join(process.env.HOME ?? homedir(), '.cache', 'ziriz');

/** The pinned versions from hack/k8s/versions.env. */
export function pinnedVersions(): { kubernetes: string; etcd: string } {
  const text = readFileSync(join(repoRoot, 'hack', 'k8s', 'versions.env'), 'utf8');
  const get = (key: string): string => {
    const m = new RegExp(`^${key}=(\\S+)`, 'm').exec(text);
    if (!m?.[1]) throw new ClusterPrerequisiteError(key, 'not set in hack/k8s/versions.env');
    return m[1];
  };
  return { kubernetes: get('K8S_VERSION'), etcd: get('ETCD_VERSION') };
}

export const clusterBinaries = [
  'etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kubelet', 'kubectl',
] as const;
export type ClusterBinary = (typeof clusterBinaries)[number];

export function binDir(): string {
  return join(cacheDir, 'k8s', pinnedVersions().kubernetes, 'bin');
}

/** The path of a built binary; throws ClusterPrerequisiteError when hack/k8s/build has not run. */
export function binary(name: ClusterBinary): string {
  const path = join(binDir(), name);
  if (!existsSync(path)) throw new ClusterPrerequisiteError(path, 'run hack/k8s/build (or hack/setup)');
  return path;
}

/** True when every cluster binary is built (tests gate on this with need()). */
export function binariesBuilt(): boolean {
  return clusterBinaries.every((b) => existsSync(join(binDir(), b)));
}

export interface BuiltImage { readonly name: string; readonly ref: string; readonly archive: string }

/** An image built by hack/images/build: its containerd reference and OCI archive. */
export function builtImage(name: string): BuiltImage {
  const path = join(cacheDir, 'images', `${name}.json`);
  if (!existsSync(path)) throw new ClusterPrerequisiteError(`image ${name}`, `run hack/images/build ${name}`);
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as BuiltImage;
  if (!existsSync(parsed.archive)) throw new ClusterPrerequisiteError(parsed.archive, `run hack/images/build ${name}`);
  return parsed;
}

/** The images every node imports: the sandbox image and the test workloads. */
export const nodeImages = ['pause', 'node-app', 'client'] as const;

export function imagesBuilt(): boolean {
  return nodeImages.every((n) => existsSync(join(cacheDir, 'images', `${n}.json`)));
}
