#!/usr/bin/env node
/**
 * ziriz admission webhook. Configuration: environment (config.ts); Kubernetes
 * access: in-cluster ServiceAccount, or $KUBECONFIG. SIGTERM/SIGINT: stop
 * accepting, finish in-flight reviews, exit. SIGHUP: renew the serving
 * certificate now (same CA; clients see no change).
 */
import { readFileSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { errorMessage } from '../../core/errors/ziriz-error.js';
import { jsonLogger } from '../../core/log/json-log.js';
import { createApp } from './app.js';
import { CertStore } from './cert-store.js';
import { parseConfig } from './config.js';
import { IdentityEvents } from './events.js';
import { WebhookKube } from './kube.js';
import { WebhookMetrics } from './metrics.js';
import { ReloadableHttpsServer } from './server.js';
import { InformerView } from './view.js';

const SA_NAMESPACE = '/var/run/secrets/kubernetes.io/serviceaccount/namespace';

function defaultNamespace(): string {
  try {
    return readFileSync(SA_NAMESPACE, 'utf8').trim();
  } catch {
    return 'ziriz-system';
  }
}

async function main(): Promise<void> {
  const log = jsonLogger('webhook');
  const cfg = parseConfig(process.env, defaultNamespace());
  const kc = new KubeConfig();
  if (process.env.KUBECONFIG) kc.loadFromFile(process.env.KUBECONFIG);
  else kc.loadFromCluster();
  const metrics = new WebhookMetrics();
  const kube = new WebhookKube(kc, (what, err) => {
    metrics.watchRestarts.inc({ resource: what });
    log('warn', 'watch failed; restarting', { resource: what, error: errorMessage(err) });
  });
  const view = new InformerView(kube, cfg.namespace, log);
  const events = new IdentityEvents(kube, cfg.podName, log);
  const holder: { server?: ReloadableHttpsServer } = {};
  const certs = new CertStore(cfg.cert, cfg.cert.mode === 'self' ? kube : null, (c) => {
    metrics.certNotAfter.set(c.notAfter.getTime() / 1000);
    if (holder.server) {
      holder.server.reload(c);
      metrics.certReloads.inc();
      log('info', 'serving certificate reloaded', { notAfter: c.notAfter.toISOString() });
    }
  }, log);

  await Promise.all([kube.policies.start(), kube.namespaces.start()]);
  const first = await certs.start(cfg.certCheckMs);
  const app = createApp({
    view,
    metrics,
    bodyLimit: cfg.bodyLimit,
    isReady: () => view.ready && certs.serving !== undefined,
    onOutcome: (_w, outcome) => { events.record(outcome); },
  });
  const server = new ReloadableHttpsServer(app, first);
  holder.server = server;
  const addr = await server.listen(cfg.port, cfg.host);
  log('info', 'listening', { address: addr.address, port: addr.port, certMode: cfg.cert.mode });

  const shutdown = (signal: string): void => {
    log('info', 'shutting down', { signal });
    certs.stop();
    void Promise.all([kube.policies.stop(), kube.namespaces.stop(), server.close(cfg.shutdownGraceMs)]).then(() => process.exit(0));
  };
  // SIGHUP: renew the serving certificate now (same CA), e.g. after a key compromise drill.
  process.on('SIGHUP', () => {
    certs.rotateServing().catch((e: unknown) => { log('error', 'certificate rotation failed', { error: errorMessage(e) }); });
  });
  process.once('SIGTERM', () => { shutdown('SIGTERM'); });
  process.once('SIGINT', () => { shutdown('SIGINT'); });
}

main().catch((e: unknown) => {
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level: 'error', component: 'webhook', msg: 'fatal', error: errorMessage(e) })}\n`);
  process.exit(1);
});
