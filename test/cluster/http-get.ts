/** Plain HTTP GET with a time limit, for requests from the host to pod IPs (10.244.0.0/24 only). */
import { request } from 'node:http';

export async function httpGet(host: string, port: number, path = '/', timeoutMs = 3000): Promise<{ status: number; body: string }> {
  if (!host.startsWith('10.244.0.') && host !== '127.0.0.1') throw new Error(`refusing to contact ${host}: not the local pod network`);
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => { resolve({ status: res.statusCode ?? 0, body }); });
    });
    req.on('timeout', () => { req.destroy(new Error('timeout')); });
    req.on('error', reject);
    req.end();
  });
}
