/** A throwaway self-signed certificate for 127.0.0.1 (openssl CLI), for real TLS servers in tests. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCert {
  readonly key: string;
  readonly cert: string;
}

const cached = new Map<string, TestCert>();

/** For 127.0.0.1 and localhost, and `ips` (addresses in a test's network namespaces). */
export function testCert(ips: readonly string[] = []): TestCert {
  const key = ips.join(',');
  const have = cached.get(key);
  if (have) return have;
  const dir = mkdtempSync(join(tmpdir(), 'ziriz-cert-'));
  try {
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
      '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'),
      '-days', '2', '-subj', '/CN=localhost', '-addext', `subjectAltName=${['127.0.0.1', ...ips].map((ip) => `IP:${ip}`).join(',')},DNS:localhost`,
    ], { stdio: 'pipe' });
    const made = { key: readFileSync(join(dir, 'key.pem'), 'utf8'), cert: readFileSync(join(dir, 'cert.pem'), 'utf8') };
    cached.set(key, made);
    return made;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
