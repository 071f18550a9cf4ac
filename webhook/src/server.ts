/**
 * HTTPS server whose certificate can be replaced while it runs: new TLS
 * handshakes use the new certificate, connections already established (and
 * requests in flight on them) are untouched. Graceful close: stop accepting,
 * let in-flight requests finish, then drop what is left after a grace period.
 */
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { RequestListener } from 'node:http';

export interface TlsMaterial {
  readonly cert: string;
  readonly key: string;
}

export class ReloadableHttpsServer {
  private readonly server: Server;

  constructor(handler: RequestListener, tls: TlsMaterial) {
    this.server = createServer({ cert: tls.cert, key: tls.key, minVersion: 'TLSv1.2' }, handler);
    this.server.keepAliveTimeout = 30_000;
    this.server.headersTimeout = 35_000;
    this.server.requestTimeout = 30_000;
  }

  async listen(port: number, host: string): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    return this.server.address() as AddressInfo;
  }

  reload(tls: TlsMaterial): void {
    this.server.setSecureContext({ cert: tls.cert, key: tls.key, minVersion: 'TLSv1.2' });
  }

  async close(graceMs = 10_000): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => { resolve(); }));
    this.server.closeIdleConnections();
    const timer = setTimeout(() => { this.server.closeAllConnections(); }, graceMs);
    await closed;
    clearTimeout(timer);
  }
}
