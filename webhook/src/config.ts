/** Webhook configuration from the environment, validated at start-up (bad config fails fast). */
import { envList as list, envNumber, type Env } from '../../core/config/env.js';
import { ConfigError } from './errors.js';
import type { CertSource } from './cert-store.js';

export interface WebhookConfig {
  readonly namespace: string;
  readonly podName: string;
  readonly host: string;
  readonly port: number;
  readonly bodyLimit: string;
  readonly cert: CertSource;
  readonly certCheckMs: number;
  readonly shutdownGraceMs: number;
}

const num = (env: Env, key: string, def: number, min: number, max: number): number => envNumber(env, key, def, min, max);

export function serviceDnsNames(service: string, namespace: string, clusterDomain: string): string[] {
  return [service, `${service}.${namespace}`, `${service}.${namespace}.svc`, `${service}.${namespace}.svc.${clusterDomain}`];
}

export function parseConfig(env: Env, defaultNamespace: string): WebhookConfig {
  const namespace = env.ZIRIZ_NAMESPACE ?? defaultNamespace;
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(namespace)) throw new ConfigError(`ZIRIZ_NAMESPACE="${namespace}" is not a namespace name`);
  const mode = env.ZIRIZ_CERT_MODE ?? 'self';
  let cert: CertSource;
  if (mode === 'files') {
    const certPath = env.ZIRIZ_TLS_CERT_FILE ?? '/etc/ziriz/tls/tls.crt';
    const keyPath = env.ZIRIZ_TLS_KEY_FILE ?? '/etc/ziriz/tls/tls.key';
    cert = { mode: 'files', certPath, keyPath };
  } else if (mode === 'self') {
    const service = env.ZIRIZ_SERVICE_NAME ?? 'ziriz-webhook';
    const dnsNames = [...serviceDnsNames(service, namespace, env.ZIRIZ_CLUSTER_DOMAIN ?? 'cluster.local'), ...list(env.ZIRIZ_CERT_DNS_NAMES)];
    const ipAddresses = list(env.ZIRIZ_CERT_IPS);
    const mutatingConfig = env.ZIRIZ_MUTATING_CONFIG ?? 'ziriz-webhook';
    const validatingConfig = env.ZIRIZ_VALIDATING_CONFIG ?? 'ziriz-webhook';
    cert = {
      mode: 'self',
      namespace,
      secretName: env.ZIRIZ_CERT_SECRET ?? 'ziriz-webhook-tls',
      policy: {
        serving: { dnsNames, ipAddresses, validityDays: num(env, 'ZIRIZ_SERVING_CERT_DAYS', 30, 1, 397) },
        caValidityDays: num(env, 'ZIRIZ_CA_CERT_DAYS', 3650, 30, 36500),
        renewFraction: num(env, 'ZIRIZ_CERT_RENEW_FRACTION', 1 / 3, 0.01, 0.9),
      },
      ...(mutatingConfig !== '' ? { mutatingConfig } : {}),
      ...(validatingConfig !== '' ? { validatingConfig } : {}),
    };
  } else {
    throw new ConfigError(`ZIRIZ_CERT_MODE="${mode}": expected self or files (cert-manager)`);
  }
  return {
    namespace,
    podName: env.POD_NAME ?? env.HOSTNAME ?? 'ziriz-webhook',
    host: env.ZIRIZ_WEBHOOK_HOST ?? '0.0.0.0',
    port: num(env, 'ZIRIZ_WEBHOOK_PORT', 8443, 0, 65535),
    bodyLimit: env.ZIRIZ_BODY_LIMIT ?? '3mb',
    cert,
    certCheckMs: num(env, 'ZIRIZ_CERT_CHECK_SECONDS', 300, 1, 86400) * 1000,
    shutdownGraceMs: num(env, 'ZIRIZ_SHUTDOWN_GRACE_SECONDS', 10, 0, 300) * 1000,
  };
}
