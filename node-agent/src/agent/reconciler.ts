/**
 * The reconcile loop: from the watched cluster and the node to the kernel
 * maps, TC filters and reported status. Idempotent (running it twice changes
 * nothing), serialised, triggered by watch events, by exec records of pods it
 * has not resolved yet, and by a periodic resync that converges after missed
 * events. While the caches are not synced it does nothing: the kernel keeps
 * enforcing what it was given last.
 */
import { errorMessage } from '../../../core/errors/ziriz-error.js';
import { scopeOf } from '../../../core/identity/scope.js';
import type { Pod } from '../../../core/kube/lean/types.js';
import type { LogFn } from '../../../core/log/json-log.js';
import type { AgentPolicy } from '../../../core/policy/model.js';
import { policyRef } from '../../../core/policy/model.js';
import { parseAgentPolicy } from '../../../core/policy/parse.js';
import { compile } from '../../../core/policy/compile.js';
import type { AgentWatch } from '../kube/watch.js';
import type { HookName } from '../report/types.js';
import type { Attribution } from './attribution.js';
import { desiredKernel, probeWants, type DesiredKernel, type PeerPod, type PodPlan } from './desired.js';
import { podFacts } from './facts.js';
import type { IdAllocator } from './ids.js';
import type { NodeKernel } from './kernel.js';
import { UNRESOLVED, type PodFacts } from './model.js';
import { oldestAgeSeconds } from '../kernel/proc-age.js';
import { isWaiting, protectionOf } from './protection.js';
import { PodSights } from './sights.js';
import type { PodResolver } from './resolver.js';
import type { ReportSink } from './sink.js';
import type { ProbeManager } from '../calls/probes.js';
import type { OutsideStreams } from './outside-streams.js';

const RETRY_MIN_MS = 50;
const RETRY_MAX_MS = 1000;
const RETRY_GIVE_UP_MS = 30_000;
/**
 * A new pod that is only waiting (cgroup, veth, probes on their way) gets no
 * condition before this long: its readiness gate holds it anyway, and a burst
 * of pods would otherwise queue a False write ahead of each True one.
 */
const REPORT_WAITING_AFTER_MS = 2000;

export interface ReconcilerDeps {
  readonly node: string;
  readonly ownNamespace: string;
  readonly watch: AgentWatch;
  readonly kernel: NodeKernel;
  readonly resolver: PodResolver;
  readonly attribution: Attribution;
  readonly sink: ReportSink;
  readonly ids: { readonly policy: IdAllocator; readonly identity: IdAllocator };
  readonly log: LogFn;
  readonly resyncMs: number;
  /** Per-process uprobes (tool-level enforcement); absent when the kernel cannot provide them. */
  readonly probes?: ProbeManager;
  /** The stdio pods were given from outside, for processes older than the agent (lib/fd.h ziriz_outside). */
  readonly outside?: OutsideStreams;
  /** Node-wide audit (ZIRIZ_MODE=audit): every policy is compiled as mode Audit. */
  readonly auditOnly?: boolean;
}

export interface ReconcileResult {
  readonly pods: number;
  readonly protectedPods: number;
  readonly written: number;
  readonly removed: number;
  readonly unresolved: number;
}

export class Reconciler {
  private running: Promise<ReconcileResult | null> | undefined;
  private again = false;
  private debounce: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;
  private resync: NodeJS.Timeout | undefined;
  private retryMs = RETRY_MIN_MS;
  private waitingKey = '';
  private waitingSince = 0;
  private policyCache = new Map<string, { rv: string; policy: AgentPolicy | null }>();
  /** Policies this node has a status entry for (reported again until they select nothing here). */
  private reported = new Set<string>();
  private reportedPods = new Set<string>();
  private readonly sights = new PodSights();
  /** Pods seen unprotected, since when (performance.now()). */
  private unprotectedSince = new Map<string, number>();
  last: DesiredKernel | undefined;
  runs = 0;

  constructor(private readonly d: ReconcilerDeps) {}

  start(): void {
    this.d.watch.onChange(() => { this.trigger(); });
    this.resync = setInterval(() => { this.trigger(); }, this.d.resyncMs);
    this.trigger(0);
  }

  stop(): void {
    clearInterval(this.resync);
    clearTimeout(this.debounce);
    clearTimeout(this.retry);
  }

  /** Ask for a run soon (coalesced). */
  trigger(delayMs = 20): void {
    if (this.debounce) return;
    this.debounce = setTimeout(() => {
      this.debounce = undefined;
      void this.run();
    }, delayMs);
  }

  /** One reconcile (serialised: a request during a run schedules one more). */
  async run(): Promise<ReconcileResult | null> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.once().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.trigger(0);
      }
    });
    return this.running;
  }

  private policies(): AgentPolicy[] {
    const out: AgentPolicy[] = [];
    const seen = new Set<string>();
    for (const obj of this.d.watch.policies.list()) {
      const key = `${obj.metadata?.namespace ?? ''}/${obj.metadata?.name ?? ''}`;
      seen.add(key);
      const rv = obj.metadata?.resourceVersion ?? '';
      let hit = this.policyCache.get(key);
      if (hit?.rv !== rv) {
        let policy: AgentPolicy | null = null;
        try {
          const parsed = parseAgentPolicy(obj);
          policy = { ...parsed, generation: obj.metadata?.generation ?? 0, ...(this.d.auditOnly === true ? { spec: { ...parsed.spec, mode: 'Audit' as const } } : {}) };
        } catch (e: unknown) {
          this.d.log('warn', 'AgentPolicy ignored: it does not parse', { policy: key, error: errorMessage(e) });
        }
        hit = { rv, policy };
        this.policyCache.set(key, hit);
      }
      if (hit.policy) out.push(hit.policy);
    }
    for (const k of this.policyCache.keys()) if (!seen.has(k)) this.policyCache.delete(k);
    return out;
  }

  private async peers(policies: readonly AgentPolicy[]): Promise<(PeerPod & { name: string })[]> {
    // Pods of other nodes matter when a policy names pods by label: egress destinations, inbound callers.
    const byLabel = (p: AgentPolicy): boolean =>
      (p.spec.egress?.rules.some((r) => r.to.some((t) => t.selector !== undefined)) ?? false) ||
      (p.spec.inbound?.callers.some((c) => c.selector !== undefined) ?? false);
    const needed = policies.some(byLabel);
    const pods: readonly Pod[] = needed ? await this.d.watch.clusterPods() : this.d.watch.nodePods.list();
    return pods.flatMap((p) => {
      const f = podFacts(p);
      return f ? [{ namespace: f.namespace, name: f.name, labels: f.labels, podIPs: f.podIPs, hostNetwork: f.hostNetwork }] : [];
    });
  }

  private async once(): Promise<ReconcileResult | null> {
    const { watch, kernel, log } = this.d;
    if (!watch.synced) return null;
    this.runs++;
    const t0 = performance.now();
    const mark: Record<string, number> = {};
    const lap = (name: string): void => { mark[name] = Math.round(performance.now() - t0); };
    const policies = this.policies();
    const nsLabels = (ns: string): Readonly<Record<string, string>> => watch.namespaces.get(ns)?.metadata?.labels ?? {};
    const facts = watch.nodePods.list().map(podFacts).filter((f): f is PodFacts => f !== null);
    const inScope = facts.filter((f) => scopeOf(f, { namespaceLabels: nsLabels(f.namespace), policies, ownNamespace: this.d.ownNamespace }).inScope);
    this.d.resolver.beginRound();
    const pods = inScope.map((f) => ({ facts: f, resolution: f.terminal ? UNRESOLVED : this.d.resolver.resolve(f) }));
    lap('resolve');
    const peers = await this.peers(policies);
    const desired = desiredKernel({ pods, policies, peers, ownNamespace: this.d.ownNamespace, namespaceLabels: nsLabels, ids: this.d.ids });
    lap('desired');
    const live = new Set([...desired.plans.values()].map((p) => p.identityId));
    const { written, removed } = kernel.apply(desired, live);
    lap('maps');
    const ifnames = new Map(pods.flatMap((p) => p.resolution.veths.map((v) => [v.ifindex, v.name] as const)));
    const tcInPlace = kernel.syncTc(desired.tc, ifnames);
    lap('tc');
    const probedPods = this.syncProbes(desired);
    lap('probes');
    this.d.attribution.update(desired.plans, peers);
    this.d.ids.identity.retain(new Set(desired.plans.keys()));
    this.d.resolver.retain(new Set(desired.plans.keys()));
    this.d.ids.policy.retain(new Set([...desired.plans.values()].map((p) => p.digest).filter((x) => x !== '')));
    this.last = desired;

    const { protectedPods, waiting } = this.report(desired, tcInPlace, probedPods, policies);
    lap('report');
    const unresolved = [...desired.plans.values()].filter((p) => !p.facts.terminal && p.resolution.podCgroup === null).length;
    this.scheduleRetry(waiting);
    if (written + removed > 0) log('info', 'kernel maps reconciled', { pods: desired.plans.size, written, removed, unresolved, ms: mark });
    else if ((mark.report ?? 0) > 250) log('warn', 'slow reconcile', { pods: desired.plans.size, ms: mark });
    this.d.sink.kernelCounters(kernel.counters());
    return { pods: desired.plans.size, protectedPods, written, removed, unresolved };
  }

  /** uprobes on every process of pods whose policy covers MCP/A2A/HTTP; returns the pods fully probed. */
  private syncProbes(desired: DesiredKernel): Set<string> {
    const probed = new Set<string>();
    const probes = this.d.probes;
    if (!probes) return probed;
    const pids = new Set<number>();
    for (const plan of desired.plans.values()) {
      if (!plan.needs.includes('tls-uprobes') || plan.resolution.pids.length === 0) continue;
      const want = probeWants(plan.set);
      this.d.outside?.note(plan.resolution.pids);
      for (const pid of plan.resolution.pids) {
        probes.ensure(pid, want);
        pids.add(pid);
      }
      probed.add(plan.facts.uid);
    }
    probes.retain(pids);
    this.d.outside?.retain(pids);
    return probed;
  }

  /** Report every pod's protection and the policies' status; returns the protected count and the pods still waiting. */
  private report(desired: DesiredKernel, tcInPlace: ReadonlySet<number>, probedPods: ReadonlySet<string>, policies: readonly AgentPolicy[]): { protectedPods: number; waiting: string[] } {
    const hooks = { attached: new Set<HookName>(this.d.kernel.attached), degraded: this.d.kernel.degraded(), tcInPlace, probedPods };
    for (const uid of this.reportedPods) if (!desired.plans.has(uid)) this.d.sink.podGone(uid);
    for (const uid of this.unprotectedSince.keys()) if (!desired.plans.has(uid)) this.unprotectedSince.delete(uid);
    this.reportedPods = new Set(desired.plans.keys());
    this.sights.retain(this.reportedPods);
    let count = 0;
    let unresolved = 0;
    const waiting: string[] = [];
    const enforcedBy = new Map<string, { matched: number; enforced: number }>();
    for (const plan of desired.plans.values()) {
      const probes = this.d.probes;
      const sight = probes ? this.sights.note(plan, (pid) => probes.sight(pid)) : '';
      const p = protectionOf(plan, this.d.attribution.identityOf(plan), hooks, sight);
      const isWaitingNow = isWaiting(plan, hooks);
      if (isWaitingNow) waiting.push(plan.facts.uid);
      const since = this.timeProtection(plan, p.protected);
      if (p.protected) count++;
      else if (p.reason === 'CgroupNotFound') unresolved++;
      const newAndOnItsWay = isWaitingNow && plan.facts.protectedCondition === null && performance.now() - since < REPORT_WAITING_AFTER_MS;
      if (!newAndOnItsWay) this.d.sink.protection(p);
      for (const pol of plan.set?.policies ?? []) {
        const e = enforcedBy.get(policyRef(pol)) ?? { matched: 0, enforced: 0 };
        e.matched++;
        if (p.protected) e.enforced++;
        enforcedBy.set(policyRef(pol), e);
      }
    }
    // Only policies that select pods here, or did until now (to bring the entry to zero).
    this.d.sink.pods({ protected: count, degraded: desired.plans.size - count - unresolved, unprotected: unresolved });
    for (const pol of policies) {
      const ref = policyRef(pol);
      const counts = enforcedBy.get(ref);
      if (!counts && !this.reported.has(ref)) continue;
      this.reportPolicy(pol, counts ?? { matched: 0, enforced: 0 });
      if (counts) this.reported.add(ref);
      else this.reported.delete(ref);
    }
    return { protectedPods: count, waiting };
  }

  private reportPolicy(pol: AgentPolicy, counts: { matched: number; enforced: number }): void {
    let error: string | undefined;
    try {
      compile([pol]);
    } catch (e: unknown) {
      error = errorMessage(e);
    }
    this.d.sink.policyStatus({
      namespace: pol.namespace,
      name: pol.name,
      generation: pol.generation ?? 0,
      node: this.d.node,
      matchedPods: counts.matched,
      enforcedPods: counts.enforced,
      compiled: error === undefined,
      ...(error !== undefined ? { error } : {}),
    });
  }

  /**
   * Pods bound here that wait for their cgroup, veth or processes: look again
   * soon. The delay starts at 50 ms and doubles up to 1 s while the same pods
   * keep waiting; it starts over when the waiting set changes (pods arriving
   * in a burst each get the short delay). Pods stuck longer than 30 s (a CNI
   * that never finishes) are left to watch events and the periodic resync.
   */
  private scheduleRetry(waiting: readonly string[]): void {
    clearTimeout(this.retry);
    const key = waiting.join(',');
    if (waiting.length === 0) {
      this.retryMs = RETRY_MIN_MS;
      this.waitingKey = '';
      return;
    }
    if (key !== this.waitingKey) {
      this.retryMs = RETRY_MIN_MS;
      this.waitingSince = Date.now();
    }
    this.waitingKey = key;
    if (Date.now() - this.waitingSince > RETRY_GIVE_UP_MS) return;
    this.retry = setTimeout(() => { this.trigger(0); }, this.retryMs);
    this.retryMs = Math.min(RETRY_MAX_MS, this.retryMs * 2);
  }

  /**
   * Pods this agent saw unprotected (not yet started, or not yet complete):
   * once protected, the time since their first process started is observed.
   * Returns since when (performance.now()) the pod has been unprotected.
   */
  private timeProtection(plan: PodPlan, isProtected: boolean): number {
    const uid = plan.facts.uid;
    const now = performance.now();
    if (!isProtected) {
      const since = this.unprotectedSince.get(uid) ?? now;
      this.unprotectedSince.set(uid, since);
      return since;
    }
    if (!this.unprotectedSince.delete(uid)) return now;
    const age = oldestAgeSeconds(plan.resolution.pids);
    if (age === null) return now;
    this.d.sink.protectedAfter(age);
    this.d.log('info', 'pod protected in the kernel', { pod: `${plan.facts.namespace}/${plan.facts.name}`, msSinceFirstProcess: Math.round(age * 1000) });
    return now;
  }

  /** A plan by pod uid (for tests and the verdict path). */
  plan(uid: string): PodPlan | undefined {
    return this.last?.plans.get(uid);
  }
}
