/** PodFacts from a Pod as the API sends it (what the agent needs of it, with API defaults). */
import type { Pod } from '../../../core/kube/lean/types.js';
import { PROTECTED_CONDITION } from '../../../core/identity/contract.js';
import type { ObservedCondition } from '../report/types.js';
import type { PodFacts } from './model.js';

function podIPs(p: Pod): string[] {
  if (p.spec?.hostNetwork) return [];
  const ips = (p.status?.podIPs ?? []).map((x) => x.ip).filter((ip) => ip !== '');
  if (ips.length === 0 && p.status?.podIP) ips.push(p.status.podIP);
  return ips;
}

/** containerID ("containerd://<id>") -> container name, for attribution. */
function containerNames(p: Pod): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of [...(p.status?.containerStatuses ?? []), ...(p.status?.initContainerStatuses ?? [])]) {
    const id = c.containerID?.replace(/^[a-z]+:\/\//, '');
    if (id) out[id] = c.name;
  }
  return out;
}

function protectedCondition(p: Pod): ObservedCondition | null {
  const c = p.status?.conditions?.find((x) => x.type === PROTECTED_CONDITION);
  if (!c) return null;
  return { status: c.status, ...(c.reason ? { reason: c.reason } : {}), ...(c.message ? { message: c.message } : {}), ...(c.lastTransitionTime ? { lastTransitionTime: c.lastTransitionTime } : {}) };
}

export function podFacts(p: Pod): PodFacts | null {
  const meta = p.metadata;
  if (!meta?.uid) return null;
  const phase = p.status?.phase;
  return {
    uid: meta.uid,
    namespace: meta.namespace ?? 'default',
    name: meta.name ?? '',
    labels: meta.labels ?? {},
    annotations: meta.annotations ?? {},
    serviceAccount: p.spec?.serviceAccountName ?? 'default',
    podIPs: podIPs(p),
    hostNetwork: p.spec?.hostNetwork === true,
    terminal: phase === 'Succeeded' || phase === 'Failed',
    containerNames: containerNames(p),
    protectedCondition: protectedCondition(p),
  };
}
