/**
 * The node agent, wired: probe the kernel, load and attach (or adopt) the
 * programs, watch the cluster, reconcile, consume the ring buffer, report.
 * Shutdown leaves every program, map and TC filter in place: enforcement does
 * not lapse while the agent is down or restarting.
 */
import { join } from 'node:path';
import { trimCHeap } from '../kernel/memory.js';
import { realtimeStatus } from '../kernel/realtime.js';
import { errorMessage } from '../../../core/errors/ziriz-error.js';
import type { KubeClient } from '../../../core/kube/lean/client.js';
import type { LogFn } from '../../../core/log/json-log.js';
import { KubeWriter } from '../kube/writer.js';
import { AgentWatch } from '../kube/watch.js';
import { runProbe } from '../probe/probe.js';
import { NodeAgentMetrics } from '../report/metrics.js';
import { MetricsServer } from '../report/metrics-server.js';
import { Reporter } from '../report/reporter.js';
import { HoldManager } from '../calls/holds.js';
import { LeftoverHolds } from '../calls/leftover-holds.js';
import { ProbeManager } from '../calls/probes.js';
import { Attribution } from './attribution.js';
import type { AgentConfig } from './config.js';
import { EventsPath } from './events-path.js';
import { IdAllocator } from './ids.js';
import { NodeKernel, UPROBE_PIN_DIR } from './kernel.js';
import { OutsideStreams } from './outside-streams.js';
import { Reconciler } from './reconciler.js';
import { PodResolver } from './resolver.js';
import type { ReportSink } from './sink.js';

/** How long held calls wait for the first reconcile before they are judged without policies (denied). */
const HOLDS_WAIT_MS = 30_000;

export interface RunningAgent {
  readonly kernel: NodeKernel;
  readonly reconciler: Reconciler;
  readonly metricsPort: number;
  stop(): Promise<void>;
}

export async function startAgent(cfg: AgentConfig, kube: KubeClient, log: LogFn): Promise<RunningAgent> {
  const probe = runProbe();
  const metrics = new NodeAgentMetrics();
  const kernel = NodeKernel.open({ pinRoot: cfg.pinRoot, stateFile: cfg.stateFile, probe, log, ringBytes: cfg.ringBytes });
  for (let i = 0; i < kernel.attachFailures; i++) metrics.attachFailure('startup');
  const writer = new KubeWriter(kube, {
    node: cfg.node,
    onRetry: (op, err, attempt) => {
      metrics.apiRetries.inc({ op });
      log('warn', 'API write retried', { op, attempt, error: errorMessage(err) });
    },
  });
  const reporter = new Reporter(writer, metrics, cfg.node, { log });
  const sink: ReportSink = {
    verdict: (v) => { reporter.verdict(v); },
    protection: (p) => { reporter.protection(p); },
    policyStatus: (s) => { reporter.policyStatus(s); },
    nodeHooks: (attached, degraded) => { reporter.nodeHooks(attached, degraded); },
    kernelCounters: (c) => { metrics.setKernelCounters(c); },
    podGone: (uid) => { reporter.podGone(uid); },
    pods: (counts) => { metrics.setPods(counts); },
    protectedAfter: (seconds) => { metrics.protectionSeconds.observe(seconds); },
  };
  sink.nodeHooks(kernel.attached, kernel.degraded());
  log('info', 'kernel hooks', { attached: kernel.attached, degraded: kernel.degraded() });

  const watch = new AgentWatch(kube, cfg.node, (resource, err) => { log('warn', 'watch failed; restarting', { resource, error: errorMessage(err) }); });
  const attribution = new Attribution(cfg.node);
  const sslObj = kernel.object('uprobe_ssl_write');
  const gnutlsObj = kernel.object('uprobe_gnutls_send');
  const probeObjects = sslObj && gnutlsObj ? { ssl: sslObj, gnutls: gnutlsObj, libc: kernel.object('uprobe_libc_send'), recv: kernel.object('uprobe_ssl_read') } : undefined;
  const probes = probeObjects ? new ProbeManager(probeObjects, log, cfg.plaintextProbes, join(cfg.pinRoot, UPROBE_PIN_DIR), (pid) => attribution.probeWantsOfPid(pid), undefined, kernel.maps.ziriz_blind) : undefined;
  const adopted = probes?.adopt() ?? 0;
  if (adopted > 0) log('info', 'adopted the per-process probes an earlier agent pinned', { processes: adopted, links: probes?.linkCount });
  const holds = probes
    ? new HoldManager(attribution, sink, { ...(kernel.maps.ziriz_conn_hold ? { connHold: kernel.maps.ziriz_conn_hold } : {}), ...(kernel.maps.ziriz_holds ? { holds: kernel.maps.ziriz_holds } : {}) }, {
        held: (seconds, outcome) => { metrics.holdSeconds.observe({ outcome }, seconds); },
        audited: () => { metrics.callsAudited.inc(); },
        failed: () => { metrics.judgeFailures.inc(); },
      }, log)
    : undefined;
  const reconciler = new Reconciler({
    node: cfg.node, ownNamespace: cfg.ownNamespace, watch, kernel, resolver: new PodResolver(log), attribution, sink,
    ids: { policy: new IdAllocator(), identity: new IdAllocator() }, log, resyncMs: cfg.resyncMs, ...(probes ? { probes } : {}),
    outside: new OutsideStreams(kernel.maps.ziriz_outside, log), auditOnly: cfg.auditOnly,
  });
  const ring = kernel.maps.ziriz_events;
  const events = ring ? new EventsPath(ring, attribution, sink, () => { reconciler.trigger(0); }, log, probes && holds ? { probes, holds } : undefined, kernel.maps.ziriz_hold_events) : undefined;
  events?.start();
  let ticks = 0;
  const statsTimer = setInterval(() => {
    if (++ticks % 6 === 0) trimCHeap(); // every 30 s
    if (events) {
      metrics.setRingBuffer(events.ringStats());
    }
    if (probes) metrics.probedProcesses.set(probes.linkCount);
    metrics.realtime.set(realtimeStatus().active ? 1 : 0);
  }, 5000);
  statsTimer.unref();

  // Held calls wait for the policies (the first reconcile), or judge without them (denied) after a while.
  const holdsWait = setTimeout(() => {
    log('warn', 'no policies yet (API server unreachable?): judging held calls without them, which denies them', { waitedMs: HOLDS_WAIT_MS });
    holds?.ready();
  }, HOLDS_WAIT_MS);
  holdsWait.unref();
  await watch.start();
  reconciler.start();
  await reconciler.run();
  clearTimeout(holdsWait);
  holds?.ready();
  const holdsMap = kernel.maps.ziriz_holds;
  const leftovers = holds && holdsMap ? new LeftoverHolds(holdsMap, holds, (cg) => attribution.identityOfCgroup(cg), (pid, release) => { events?.resumeExecHold(pid, release); }, log) : undefined;
  const sweep = (): void => {
    try {
      leftovers?.sweep();
    } catch (e: unknown) {
      log('error', 'sweeping leftover holds failed', { error: errorMessage(e) });
    }
  };
  sweep();
  const sweepTimer = setInterval(sweep, 1000);
  sweepTimer.unref();
  const server = await MetricsServer.start(metrics, {
    host: cfg.metricsHost,
    port: cfg.metricsPort,
    health: () => (watch.synced ? undefined : 'caches not synced'),
  });
  log('info', 'node agent running', { node: cfg.node, pinRoot: cfg.pinRoot, metricsPort: server.port, mode: cfg.auditOnly ? 'audit' : 'enforce' });

  return {
    kernel,
    reconciler,
    metricsPort: server.port,
    stop: async () => {
      clearInterval(statsTimer);
      clearInterval(sweepTimer);
      reconciler.stop();
      events?.drain();
      events?.close();
      await watch.stop();
      await reporter.close();
      kube.close();
      await server.close();
      kernel.close();
    },
  };
}
