/** Contract 3.9: liveness, readiness, metrics and the OpenAPI document. No authentication. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Router } from 'express';
import { openApiDocument } from './openapi.js';
import type { Metrics } from '../ops/metrics.js';
import type { RouteDeps } from './deps.js';

/** Prometheus text, for the API's router or a listener of its own. */
export function metricsHandler(metrics: Metrics) {
  return (_req: IncomingMessage, res: ServerResponse): void => {
    metrics.registry.metrics().then((text) => {
      res.writeHead(200, { 'content-type': metrics.registry.contentType, 'cache-control': 'no-store' }).end(text);
    }, () => res.writeHead(500).end());
  };
}

export function opsRouter(deps: Pick<RouteDeps, 'readiness'> & { metrics: Metrics; metricsRoute: boolean }): Router {
  const router = Router();
  const doc = JSON.stringify(openApiDocument());
  router.get('/healthz', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store').json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const dependencies = await deps.readiness.check();
    const ready = dependencies.every((d) => d.ok || d.critical === false);
    res.status(ready ? 200 : 503).setHeader('Cache-Control', 'no-store').json({ status: ready ? 'ready' : 'not ready', dependencies });
  });
  if (deps.metricsRoute) router.get('/metrics', metricsHandler(deps.metrics));
  router.get('/openapi.json', (_req, res) => {
    res.type('application/json').send(doc);
  });
  return router;
}
