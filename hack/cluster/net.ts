/** Loopback ports and HTTPS probes for the local cluster (127.0.0.1 only). */
import { request } from 'node:https';
import { createServer } from 'node:net';

/** A port that was free on 127.0.0.1 a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => { resolve(port); });
    });
  });
}

export interface TlsClient { readonly ca: string; readonly cert?: string; readonly key?: string }

/** GET https://127.0.0.1:port/path; resolves with the status code and body (5 s limit). */
export async function httpsGet(port: number, path: string, tls: TlsClient): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method: 'GET', timeout: 5000, ...tls }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => { body += chunk; });
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, body }); });
    });
    req.on('timeout', () => { req.destroy(new Error(`GET ${path}: timeout`)); });
    req.on('error', reject);
    req.end();
  });
}
