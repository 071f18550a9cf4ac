/**
 * Events about admitted workloads, on the pod's controller (the pod has no UID
 * at admission time). One Event per workload, identity and permissions digest
 * in a window, so scaling a Deployment to 100 replicas makes one Event, not 100.
 */
import type { LogFn as Log } from '../../core/log/json-log.js';
import { errorMessage } from '../../core/errors/ziriz-error.js';
import { formatWorkload } from '../../core/identity/identity.js';

import type { Outcome } from './judge.js';
import type { WebhookKube } from './kube.js';

export class IdentityEvents {
  private readonly sent = new Map<string, number>();

  constructor(
    private readonly kube: WebhookKube,
    private readonly instance: string,
    private readonly log: Log,
    private readonly windowMs = 10 * 60 * 1000,
    private readonly maxKeys = 10_000,
  ) {}

  record(outcome: Outcome): void {
    const s = outcome.stamped;
    const ctl = s?.stamp.owner.controller;
    if (!s || !ctl) return;
    const key = `${s.pod.namespace}/${ctl.kind}/${ctl.name}/${s.stamp.identity}/${s.stamp.annotations['ziriz.io/permissions-digest'] ?? ''}`;
    const now = Date.now();
    const last = this.sent.get(key);
    if (last !== undefined && now - last < this.windowMs) return;
    if (this.sent.size >= this.maxKeys) this.sent.clear();
    this.sent.set(key, now);
    const policies = s.stamp.annotations['ziriz.io/policies'] ?? '';
    const note = `pods of ${formatWorkload(s.stamp.owner)} admitted as ${s.stamp.role} with identity ${s.stamp.identity} ` +
      `(service account ${s.pod.serviceAccountName}); policies: ${policies === '' ? 'none' : policies}`;
    this.kube
      .event({ apiVersion: ctl.apiVersion, kind: ctl.kind, name: ctl.name, namespace: s.pod.namespace, uid: ctl.uid }, 'Normal', 'IdentityAssigned', note, this.instance)
      .catch((e: unknown) => {
        this.log('warn', 'could not record Event', { error: errorMessage(e) });
      });
  }
}
