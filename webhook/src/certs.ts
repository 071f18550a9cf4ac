/**
 * Certificates with node-forge: a self-signed CA and a serving certificate it
 * signs (DNS SANs for the Service names, IP SANs where the webhook is reached
 * by address). RSA keys come from Node's crypto (forge uses it when present).
 */
import forge from 'node-forge';
import { CertificateError } from './errors.js';

export interface KeyPairPem {
  readonly cert: string;
  readonly key: string;
}

export interface ServingRequest {
  readonly dnsNames: readonly string[];
  readonly ipAddresses: readonly string[];
  readonly validityDays: number;
}

const DAY_MS = 24 * 3600 * 1000;

function keyPair(): Promise<forge.pki.rsa.KeyPair> {
  return new Promise((resolve, reject) => {
    forge.pki.rsa.generateKeyPair({ bits: 2048, workers: -1 }, (err, pair) => {
      const failure: unknown = err; // null on success, despite the typings
      if (failure) reject(new CertificateError('E_CERT_KEYGEN', 'RSA key generation failed', { cause: err }));
      else resolve(pair);
    });
  });
}

function serial(): string {
  // positive, 16 random bytes
  return `01${forge.util.bytesToHex(forge.random.getBytesSync(15))}`;
}

function base(cert: forge.pki.Certificate, publicKey: forge.pki.PublicKey, days: number, now: Date): void {
  cert.publicKey = publicKey;
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(now.getTime() - 5 * 60 * 1000); // clock skew
  cert.validity.notAfter = new Date(now.getTime() + days * DAY_MS);
}

export async function createCa(commonName: string, validityDays: number, now = new Date()): Promise<KeyPairPem> {
  const keys = await keyPair();
  const cert = forge.pki.createCertificate();
  base(cert, keys.publicKey, validityDays, now);
  const name = [{ name: 'commonName', value: commonName }, { name: 'organizationName', value: 'ziriz' }];
  cert.setSubject(name);
  cert.setIssuer(name);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: forge.pki.privateKeyToPem(keys.privateKey) };
}

export async function createServing(ca: KeyPairPem, req: ServingRequest, now = new Date()): Promise<KeyPairPem> {
  if (req.dnsNames.length === 0 && req.ipAddresses.length === 0) {
    throw new CertificateError('E_CERT_NO_SAN', 'a serving certificate needs at least one DNS name or IP address');
  }
  const caCert = forge.pki.certificateFromPem(ca.cert);
  const caKey = forge.pki.privateKeyFromPem(ca.key);
  const keys = await keyPair();
  const cert = forge.pki.createCertificate();
  base(cert, keys.publicKey, req.validityDays, now);
  cert.setSubject([{ name: 'commonName', value: req.dnsNames[0] ?? req.ipAddresses[0] ?? 'ziriz-webhook' }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: true },
    {
      name: 'subjectAltName',
      altNames: [...req.dnsNames.map((value) => ({ type: 2, value })), ...req.ipAddresses.map((ip) => ({ type: 7, ip }))],
    },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return { cert: forge.pki.certificateToPem(cert), key: forge.pki.privateKeyToPem(keys.privateKey) };
}

export interface CertFacts {
  readonly notAfter: Date;
  readonly notBefore: Date;
  readonly dnsNames: string[];
  readonly ipAddresses: string[];
  readonly isCa: boolean;
}

export function certFacts(pem: string): CertFacts {
  let cert: forge.pki.Certificate;
  try {
    cert = forge.pki.certificateFromPem(pem);
  } catch (e: unknown) {
    throw new CertificateError('E_CERT_PARSE', 'not a PEM certificate', { cause: e });
  }
  const san = cert.getExtension('subjectAltName') as { altNames?: { type: number; value?: string; ip?: string }[] } | null;
  const bc = cert.getExtension('basicConstraints') as { cA?: boolean } | null;
  return {
    notAfter: cert.validity.notAfter,
    notBefore: cert.validity.notBefore,
    dnsNames: (san?.altNames ?? []).filter((a) => a.type === 2).map((a) => a.value ?? ''),
    ipAddresses: (san?.altNames ?? []).filter((a) => a.type === 7).map((a) => a.ip ?? ''),
    isCa: bc?.cA === true,
  };
}

/** Does `cert` chain to `caPem` (signature check) and cover every requested SAN? */
export function servingCovers(pair: KeyPairPem, caPem: string, req: Pick<ServingRequest, 'dnsNames' | 'ipAddresses'>): boolean {
  try {
    const ca = forge.pki.certificateFromPem(caPem);
    const cert = forge.pki.certificateFromPem(pair.cert);
    if (!ca.verify(cert)) return false;
    const facts = certFacts(pair.cert);
    return req.dnsNames.every((d) => facts.dnsNames.includes(d)) && req.ipAddresses.every((ip) => facts.ipAddresses.includes(ip));
  } catch {
    return false;
  }
}
