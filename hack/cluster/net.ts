/** Loopback ports and HTTPS probes for the local cluster (127.0.0.1 only). */
import { request } from 'node:https';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * The kernel's ephemeral range (source ports of outgoing connections), from
 * /proc/sys/net/ipv4/ip_local_port_range.
 */
function ephemeralRange(): [number, number] {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (lo !== undefined && hi !== undefined && lo > 0 && hi >= lo) return [lo, hi];
  } catch {
    // not Linux: assume the IANA range
  }
  return [49152, 65535];
}

const handedOut = new Set<number>();

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => { resolve(false); });
    server.listen(port, '127.0.0.1', () => { server.close(() => { resolve(true); }); });
  });
}

/**
 * A port that was free on 127.0.0.1 a moment ago, for a server started next.
 * Chosen below the ephemeral range, so an outgoing connection's source port
 * cannot take it before the server binds (seen: kube-apiserver failing with
 * "address already in use" on a port the kernel had just handed out), and
 * never the same twice in one process.
 */
export async function freePort(): Promise<number> {
  const [ephemeralLo] = ephemeralRange();
  const lo = 20000;
  const hi = Math.max(lo + 1000, Math.min(ephemeralLo, 32768)) - 1;
  for (let i = 0; i < 200; i++) {
    const port = lo + Math.floor(Math.random() * (hi - lo + 1));
    if (handedOut.has(port) || !(await bindable(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free port on 127.0.0.1 in ${lo}-${hi} after 200 tries`);
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
