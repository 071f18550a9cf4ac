/** The objects of a kustomize overlay, rendered by the built kubectl (kustomize inside). */
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import type { LocalCluster } from '../../hack/cluster/cluster.js';

export type KubeObject = Record<string, unknown> & { kind: string; metadata: { name: string; namespace?: string } };

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));

export async function kustomize(cluster: LocalCluster, dir: string): Promise<KubeObject[]> {
  const out = await cluster.kubectl(['kustomize', `${REPO}${dir}`]);
  return parseAllDocuments(out.stdout).map((d) => d.toJSON() as KubeObject).filter((o) => typeof o.kind === 'string');
}
