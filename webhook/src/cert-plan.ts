/**
 * Pure decision: given the Secret as it is and the time, is the webhook's
 * certificate material usable, or what must be (re)created? The CA lives long
 * and is renewed with overlap (the previous CA stays in the caBundle until it
 * expires); the serving certificate is short-lived and renewed well before
 * expiry, which changes nothing for clients since the CA stays.
 */
import { certFacts, servingCovers, type ServingRequest } from './certs.js';

export const SECRET_KEYS = { ca: 'ca.crt', caKey: 'ca.key', cert: 'tls.crt', key: 'tls.key', caPrevious: 'ca-previous.crt' } as const;

export interface CertPolicy {
  readonly serving: ServingRequest;
  readonly caValidityDays: number;
  /** Renew when less than this fraction of a certificate's lifetime is left. */
  readonly renewFraction: number;
}

export type CertPlan =
  | { readonly action: 'use' }
  | { readonly action: 'create'; readonly reason: string }
  | { readonly action: 'rotate-ca'; readonly reason: string }
  | { readonly action: 'rotate-serving'; readonly reason: string };

function tooOld(pem: string, now: Date, fraction: number): boolean {
  const f = certFacts(pem);
  const life = f.notAfter.getTime() - f.notBefore.getTime();
  return f.notAfter.getTime() - now.getTime() < life * fraction;
}

export function planCerts(data: Readonly<Record<string, string>> | null, now: Date, policy: CertPolicy): CertPlan {
  const ca = data?.[SECRET_KEYS.ca];
  const caKey = data?.[SECRET_KEYS.caKey];
  const cert = data?.[SECRET_KEYS.cert];
  const key = data?.[SECRET_KEYS.key];
  if (!ca || !caKey || !cert || !key) return { action: 'create', reason: 'no certificate material yet' };
  try {
    if (!certFacts(ca).isCa) return { action: 'create', reason: 'ca.crt is not a CA certificate' };
    if (tooOld(ca, now, policy.renewFraction)) return { action: 'rotate-ca', reason: 'the CA is close to expiry' };
    if (!servingCovers({ cert, key }, ca, policy.serving)) {
      return { action: 'rotate-serving', reason: 'the serving certificate does not chain to the CA or lacks a requested name' };
    }
    if (tooOld(cert, now, policy.renewFraction)) return { action: 'rotate-serving', reason: 'the serving certificate is close to expiry' };
  } catch {
    return { action: 'create', reason: 'the stored certificates do not parse' };
  }
  return { action: 'use' };
}

/** The caBundle to publish: the current CA, plus the previous one while it is still valid. */
export function caBundle(data: Readonly<Record<string, string>>, now: Date): string {
  const current = data[SECRET_KEYS.ca] ?? '';
  const prev = data[SECRET_KEYS.caPrevious];
  if (!prev) return current;
  try {
    return certFacts(prev).notAfter > now ? `${current.trimEnd()}\n${prev.trimEnd()}\n` : current;
  } catch {
    return current;
  }
}
