/**
 * The HTTP surface: /mutate and /validate (AdmissionReview v1), /healthz,
 * /readyz and /metrics. Malformed, oversized or mistyped requests get a JSON
 * 4xx and are never judged; judging itself fails closed (judge.ts).
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import { errorMessage } from '../../core/errors/ziriz-error.js';
import { ReviewInvalidError } from './errors.js';
import { judge, type ClusterView, type Outcome, type WebhookName } from './judge.js';
import type { WebhookMetrics } from './metrics.js';
import { parseReview, reviewOut } from './review.js';

export interface AppDeps {
  readonly view: ClusterView;
  readonly metrics: WebhookMetrics;
  /** Body size limit, e.g. "3mb" (the API server sends at most a few MB). */
  readonly bodyLimit: string;
  isReady(): boolean;
  /** Told about each stamped pod (Events), after the answer is sent. */
  onOutcome?(webhook: WebhookName, outcome: Outcome): void;
}

interface BodyParserError {
  type?: unknown;
  status?: unknown;
  message?: unknown;
}

function sendError(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ error: { code, message } });
}

export function createApp(deps: AppDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.get('/healthz', (_req, res) => {
    res.type('text/plain').send('ok');
  });
  app.get('/readyz', (_req, res) => {
    const ready = deps.isReady();
    res.status(ready ? 200 : 503).type('text/plain').send(ready ? 'ready' : 'not ready');
  });
  app.get('/metrics', (_req, res, next) => {
    deps.metrics.registry
      .metrics()
      .then((text) => res.type(deps.metrics.registry.contentType).send(text))
      .catch(next);
  });

  const json = express.json({ limit: deps.bodyLimit, type: () => true, strict: true });
  for (const webhook of ['mutate', 'validate'] as const) {
    app.post(`/${webhook}`, (req, res, next) => {
      if (!req.is('application/json')) {
        deps.metrics.badRequests.inc({ reason: 'content-type' });
        sendError(res, 415, 'UnsupportedMediaType', 'AdmissionReview must be sent as application/json');
        return;
      }
      next();
    }, json, (req: Request, res: Response) => {
      const end = deps.metrics.duration.startTimer({ webhook });
      let outcome: Outcome;
      try {
        const request = parseReview(req.body);
        outcome = judge(webhook, request, deps.view);
        deps.metrics.admissions.inc({
          webhook,
          resource: request.kind.kind,
          operation: request.operation,
          allowed: String(outcome.response.allowed),
        });
        if (outcome.response.status?.code !== undefined && outcome.response.status.code >= 500) deps.metrics.judgeErrors.inc({ webhook });
      } catch (e: unknown) {
        end();
        const status = e instanceof ReviewInvalidError ? e.status : 400;
        deps.metrics.badRequests.inc({ reason: 'malformed' });
        sendError(res, status, 'BadRequest', errorMessage(e));
        return;
      }
      end();
      res.json(reviewOut(outcome.response));
      deps.onOutcome?.(webhook, outcome);
    });
  }

  app.use((_req, res) => {
    sendError(res, 404, 'NotFound', 'no such endpoint');
  });
  // Body-parser failures (too large, bad JSON) and anything else thrown before judging.
  app.use((err: BodyParserError, _req: Request, res: Response, _next: NextFunction) => {
    if (err.type === 'entity.too.large') {
      deps.metrics.badRequests.inc({ reason: 'too-large' });
      sendError(res, 413, 'PayloadTooLarge', `request body exceeds ${deps.bodyLimit}`);
      return;
    }
    const status = typeof err.status === 'number' && err.status >= 400 && err.status < 500 ? err.status : 400;
    deps.metrics.badRequests.inc({ reason: 'unparsable' });
    sendError(res, status, 'BadRequest', `request body is not valid JSON: ${typeof err.message === 'string' ? err.message : 'parse error'}`);
  });
  return app;
}
