/**
 * The local cluster's PKI, made with node-forge: one CA, serving certificates
 * with IP SANs for 127.0.0.1, client certificates (CN = user, O = groups) and
 * the service-account signing key pair. Files are PEM, written 0600.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import forge from 'node-forge';

export interface KeyPair { readonly certPem: string; readonly keyPem: string }
export interface CertFiles { readonly cert: string; readonly key: string }

interface CertRequest {
  readonly cn: string;
  readonly orgs?: readonly string[];
  readonly ips?: readonly string[];
  readonly dns?: readonly string[];
  readonly usage: 'server' | 'client' | 'both';
}

const validityDays = 30;

function newKey(): forge.pki.rsa.KeyPair {
  // node-forge uses Node's native generateKeyPairSync here: milliseconds, not seconds.
  return forge.pki.rsa.generateKeyPair({ bits: 2048, e: 0x10001 });
}

function baseCert(publicKey: forge.pki.PublicKey, subject: forge.pki.CertificateField[]): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = `01${randomBytes(15).toString('hex')}`;
  cert.validity.notBefore = new Date(Date.now() - 60 * 60 * 1000);
  cert.validity.notAfter = new Date(Date.now() + validityDays * 24 * 60 * 60 * 1000);
  cert.setSubject(subject);
  return cert;
}

export function createCa(cn: string): KeyPair {
  const keys = newKey();
  const subject = [{ name: 'commonName', value: cn }];
  const cert = baseCert(keys.publicKey, subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: forge.pki.privateKeyToPem(keys.privateKey) };
}

export function issueCert(ca: KeyPair, req: CertRequest): KeyPair {
  const keys = newKey();
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const caKey = forge.pki.privateKeyFromPem(ca.keyPem);
  const subject: forge.pki.CertificateField[] = [
    ...(req.orgs ?? []).map((o) => ({ name: 'organizationName', value: o })),
    { name: 'commonName', value: req.cn },
  ];
  const cert = baseCert(keys.publicKey, subject);
  cert.setIssuer(caCert.subject.attributes);
  const altNames = [
    ...(req.dns ?? []).map((value) => ({ type: 2, value })),
    ...(req.ips ?? []).map((ip) => ({ type: 7, ip })),
  ];
  cert.setExtensions([
    { name: 'basicConstraints', cA: false },
    { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
    { name: 'extKeyUsage', serverAuth: req.usage !== 'client', clientAuth: req.usage !== 'server' },
    ...(altNames.length > 0 ? [{ name: 'subjectAltName', altNames }] : []),
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: forge.pki.privateKeyToPem(keys.privateKey) };
}

/** The service-account token signing key pair (PEM private key, PEM public key). */
export function serviceAccountKeys(): { privatePem: string; publicPem: string } {
  const keys = newKey();
  return { privatePem: forge.pki.privateKeyToPem(keys.privateKey), publicPem: forge.pki.publicKeyToPem(keys.publicKey) };
}

export function writePair(dir: string, name: string, pair: KeyPair): CertFiles {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const files = { cert: join(dir, `${name}.crt`), key: join(dir, `${name}.key`) };
  writeFileSync(files.cert, pair.certPem, { mode: 0o644 });
  writeFileSync(files.key, pair.keyPem, { mode: 0o600 });
  return files;
}
