/**
 * The webhook's certificate lifecycle, shared by all replicas through one
 * Secret in the webhook's namespace (optimistic concurrency: whoever loses a
 * write race adopts the winner's certificate). Publishes the CA into the
 * caBundle of its own webhook configurations at start and after a CA change,
 * re-checks periodically, and hands every new certificate to the server,
 * which reloads it without a restart (in-flight requests keep their TLS
 * session). In `files` mode (cert-manager) it only watches mounted files.
 */
import { readFileSync, statSync } from 'node:fs';
import { errorMessage } from '../../core/errors/ziriz-error.js';
import { KubeApiError } from '../../core/kube/errors.js';
import { caBundle, planCerts, SECRET_KEYS, type CertPlan, type CertPolicy } from './cert-plan.js';
import { certFacts, createCa, createServing } from './certs.js';
import { CertificateError } from './errors.js';
import type { WebhookKube } from './kube.js';

export interface ServingCert {
  readonly cert: string;
  readonly key: string;
  readonly notAfter: Date;
}

export interface SelfManaged {
  readonly mode: 'self';
  readonly namespace: string;
  readonly secretName: string;
  readonly policy: CertPolicy;
  readonly mutatingConfig?: string;
  readonly validatingConfig?: string;
}

export interface FileManaged {
  readonly mode: 'files';
  readonly certPath: string;
  readonly keyPath: string;
}

export type CertSource = SelfManaged | FileManaged;

export type { LogFn as Log } from '../../core/log/json-log.js';
import type { LogFn as Log } from '../../core/log/json-log.js';

const WRITE_ATTEMPTS = 5;

export class CertStore {
  private current: ServingCert | undefined;
  private timer: NodeJS.Timeout | undefined;
  private fileStamp = '';
  private checking: Promise<void> | undefined;

  constructor(
    private readonly source: CertSource,
    private readonly kube: WebhookKube | null,
    private readonly onChange: (c: ServingCert) => void,
    private readonly log: Log,
  ) {}

  get serving(): ServingCert | undefined {
    return this.current;
  }

  /** Make sure a usable certificate exists and is published; resolves with it. */
  async start(checkIntervalMs = 60_000): Promise<ServingCert> {
    await this.check();
    if (!this.current) throw new CertificateError('E_CERT_NONE', 'no serving certificate after start-up');
    this.timer = setInterval(() => {
      this.check().catch((e: unknown) => {
        this.log('error', 'certificate check failed', { error: errorMessage(e) });
      });
    }, checkIntervalMs);
    this.timer.unref();
    return this.current;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One check (serialised): reload what changed, renew what is due. */
  check(force?: 'rotate-serving'): Promise<void> {
    const run = async (): Promise<void> => {
      if (this.source.mode === 'files') this.checkFiles(this.source);
      else await this.checkSecret(this.source, force);
    };
    this.checking = (this.checking ?? Promise.resolve()).then(run, run);
    return this.checking;
  }

  private checkFiles(src: FileManaged): void {
    const stamp = `${statSync(src.certPath).mtimeMs}:${statSync(src.keyPath).mtimeMs}`;
    if (stamp === this.fileStamp) return;
    const cert = readFileSync(src.certPath, 'utf8');
    const key = readFileSync(src.keyPath, 'utf8');
    this.fileStamp = stamp;
    this.adopt(cert, key);
  }

  private async checkSecret(src: SelfManaged, force?: 'rotate-serving'): Promise<void> {
    const kube = this.kube;
    if (!kube) throw new CertificateError('E_CERT_NO_API', 'self-managed certificates need the Kubernetes API');
    for (let attempt = 1; attempt <= WRITE_ATTEMPTS; attempt++) {
      const secret = await kube.readSecret(src.namespace, src.secretName);
      const now = new Date();
      let plan: CertPlan = planCerts(secret?.data ?? null, now, src.policy);
      if (plan.action === 'use' && force) plan = { action: force, reason: 'requested' };
      if (plan.action === 'use' && secret) {
        await this.publish(src, secret.data, now);
        this.adopt(secret.data[SECRET_KEYS.cert] ?? '', secret.data[SECRET_KEYS.key] ?? '');
        return;
      }
      const next = await this.renew(plan, secret?.data ?? {}, src.policy, now);
      try {
        await kube.writeSecret(src.namespace, src.secretName, next, secret?.resourceVersion);
      } catch (e: unknown) {
        if (e instanceof KubeApiError && (e.conflict || (e.status === 409 && !secret))) {
          this.log('info', 'another replica renewed the certificate first; adopting it', { attempt });
          force = undefined;
          continue;
        }
        throw e;
      }
      this.log('info', 'certificate renewed', { action: plan.action, reason: 'reason' in plan ? plan.reason : '' });
      await this.publish(src, next, now);
      this.adopt(next[SECRET_KEYS.cert] ?? '', next[SECRET_KEYS.key] ?? '');
      return;
    }
    throw new CertificateError('E_CERT_RACE', `could not write the certificate Secret after ${WRITE_ATTEMPTS} attempts`);
  }

  private async renew(plan: CertPlan, old: Readonly<Record<string, string>>, policy: CertPolicy, now: Date): Promise<Record<string, string>> {
    const keepCa = plan.action === 'rotate-serving';
    const ca = keepCa
      ? { cert: old[SECRET_KEYS.ca] ?? '', key: old[SECRET_KEYS.caKey] ?? '' }
      : await createCa('ziriz-webhook-ca', policy.caValidityDays, now);
    const serving = await createServing(ca, policy.serving, now);
    const previous = plan.action === 'rotate-ca' ? old[SECRET_KEYS.ca] : old[SECRET_KEYS.caPrevious];
    return {
      [SECRET_KEYS.ca]: ca.cert,
      [SECRET_KEYS.caKey]: ca.key,
      [SECRET_KEYS.cert]: serving.cert,
      [SECRET_KEYS.key]: serving.key,
      ...(previous ? { [SECRET_KEYS.caPrevious]: previous } : {}),
    };
  }

  private async publish(src: SelfManaged, data: Readonly<Record<string, string>>, now: Date): Promise<void> {
    const bundle = caBundle(data, now);
    const kube = this.kube;
    if (!kube) return;
    for (const [kind, name] of [['mutating', src.mutatingConfig], ['validating', src.validatingConfig]] as const) {
      if (!name) continue;
      try {
        const changed = await kube.publishCaBundle(kind, name, bundle);
        if (changed > 0) this.log('info', 'caBundle published', { kind, name, webhooks: changed });
      } catch (e: unknown) {
        // A missing configuration is not fatal (e.g. installed later); retried at the next check.
        this.log('warn', 'could not publish caBundle', { kind, name, error: errorMessage(e) });
      }
    }
  }

  private adopt(cert: string, key: string): void {
    if (this.current?.cert === cert && this.current.key === key) return;
    const next = { cert, key, notAfter: certFacts(cert).notAfter };
    this.current = next;
    this.onChange(next);
  }

  /** Renew the serving certificate now (same CA), e.g. on demand. */
  rotateServing(): Promise<void> {
    return this.check('rotate-serving');
  }
}
