/** Prometheus metrics of the webhook (own registry, no global state). */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export class WebhookMetrics {
  readonly registry = new Registry();
  readonly admissions = new Counter({
    name: 'ziriz_webhook_admissions_total',
    help: 'Admission reviews answered, by webhook, resource, operation and outcome',
    labelNames: ['webhook', 'resource', 'operation', 'allowed'] as const,
    registers: [this.registry],
  });
  readonly duration = new Histogram({
    name: 'ziriz_webhook_admission_duration_seconds',
    help: 'Time to judge one admission review',
    labelNames: ['webhook'] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  readonly badRequests = new Counter({
    name: 'ziriz_webhook_bad_requests_total',
    help: 'Requests refused with a 4xx before judging (malformed, oversized, wrong type)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  readonly judgeErrors = new Counter({
    name: 'ziriz_webhook_judge_errors_total',
    help: 'Exceptions while judging (answered allowed=false: fail closed)',
    labelNames: ['webhook'] as const,
    registers: [this.registry],
  });
  readonly certNotAfter = new Gauge({
    name: 'ziriz_webhook_certificate_not_after_seconds',
    help: 'Expiry of the serving certificate in use (unix seconds)',
    registers: [this.registry],
  });
  readonly certReloads = new Counter({
    name: 'ziriz_webhook_certificate_reloads_total',
    help: 'Serving certificates loaded without a restart',
    registers: [this.registry],
  });
  readonly watchRestarts = new Counter({
    name: 'ziriz_webhook_watch_restarts_total',
    help: 'Watch/list failures that restarted an informer',
    labelNames: ['resource'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'ziriz_webhook_' });
  }
}
