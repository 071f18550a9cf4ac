/**
 * A stand-in API server for the lean client's unit tests (mock: lets a test
 * script exact bytes, chunk boundaries, dropped connections and Status
 * answers that a real API server will not produce on demand). Records every
 * request.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { KubeAccess } from '../../../core/kube/lean/access.js';

export interface FakeRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
  /** The client's port: the same one for requests over one kept-alive connection. */
  readonly remotePort: number;
  /** The client certificate's subject CN, when one was presented. */
  readonly clientCn?: string;
}

export type Handler = (req: FakeRequest, res: ServerResponse) => void | Promise<void>;

export interface FakeTls {
  readonly key: string;
  readonly cert: string;
  /** Ask for (and check against `cert`) a client certificate. */
  readonly requestCert?: boolean;
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
}

export function sendStatus(res: ServerResponse, code: number, reason: string, message: string): void {
  sendJson(res, code, { kind: 'Status', apiVersion: 'v1', status: 'Failure', code, reason, message });
}

export class FakeApi {
  readonly requests: FakeRequest[] = [];

  private constructor(private readonly server: Server, readonly url: string) {}

  static async start(handler: Handler, tls?: FakeTls): Promise<FakeApi> {
    const holder: { api?: FakeApi } = {};
    const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://x');
        const peer = (req.socket as { getPeerCertificate?: () => { subject?: { CN?: string } } }).getPeerCertificate?.();
        const r: FakeRequest = {
          method: req.method ?? '', path: url.pathname, query: url.searchParams, headers: req.headers, body: Buffer.concat(chunks).toString(), remotePort: req.socket.remotePort ?? 0,
          ...(peer?.subject?.CN ? { clientCn: peer.subject.CN } : {}),
        };
        holder.api?.requests.push(r);
        Promise.resolve(handler(r, res)).catch((e: unknown) => { res.destroy(e instanceof Error ? e : new Error(String(e))); });
      });
    };
    const server = tls
      ? createHttpsServer({ key: tls.key, cert: tls.cert, ...(tls.requestCert ? { requestCert: true, rejectUnauthorized: true, ca: tls.cert } : {}) }, onRequest)
      : createHttpServer(onRequest);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    holder.api = new FakeApi(server, `${tls ? 'https' : 'http'}://127.0.0.1:${port}`);
    return holder.api;
  }

  /** KubeAccess for this server (plain HTTP unless `extra` says otherwise), token `t0k3n`. */
  access(extra: Partial<KubeAccess> = {}): KubeAccess {
    return { server: this.url, insecureSkipTlsVerify: false, credentials: { kind: 'token', token: () => 't0k3n' }, source: 'test', ...extra };
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => { this.server.close(() => { resolve(); }); });
  }
}
