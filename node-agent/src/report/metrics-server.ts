/**
 * The node agent's HTTP endpoint: GET /metrics (Prometheus text) and
 * GET /healthz (200 when the agent says it is healthy, 503 with the reason
 * otherwise). Plain node:http: two routes need no framework.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { errorMessage } from '../../../core/errors/ziriz-error.js';
import { MetricsServerError } from './errors.js';
import type { NodeAgentMetrics } from './metrics.js';

export interface MetricsServerOptions {
  readonly host?: string;
  /** 0 picks a free port (tests). */
  readonly port: number;
  /** undefined: healthy; a string: why not. */
  readonly health?: () => string | undefined;
}

export class MetricsServer {
  private constructor(private readonly server: Server) {}

  static async start(metrics: NodeAgentMetrics, opts: MetricsServerOptions): Promise<MetricsServer> {
    const server = createServer((req, res) => { handle(metrics, opts, req, res); });
    const host = opts.host ?? '0.0.0.0';
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e) => { reject(new MetricsServerError(`${host}:${opts.port}`, e)); });
      server.listen(opts.port, host, () => { resolve(); });
    });
    return new MetricsServer(server);
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => { r(); }));
  }
}

function send(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

function handle(metrics: NodeAgentMetrics, opts: MetricsServerOptions, req: IncomingMessage, res: ServerResponse): void {
  const path = (req.url ?? '/').split('?')[0];
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    send(res, 405, 'text/plain', 'method not allowed\n');
    return;
  }
  if (path === '/healthz') {
    const why = opts.health?.();
    if (why === undefined) send(res, 200, 'text/plain', 'ok\n');
    else send(res, 503, 'text/plain', `${why}\n`);
    return;
  }
  if (path === '/metrics') {
    metrics.registry.metrics()
      .then((text) => { send(res, 200, metrics.registry.contentType, text); })
      .catch((e: unknown) => { send(res, 500, 'text/plain', `${errorMessage(e)}\n`); });
    return;
  }
  send(res, 404, 'text/plain', 'not found\n');
}
