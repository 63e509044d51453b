/** Contract 3.9: liveness, readiness and the OpenAPI document. No authentication. */
import { Router } from 'express';
import { openApiDocument } from './openapi.js';
import type { RouteDeps } from './deps.js';

export function opsRouter(deps: Pick<RouteDeps, 'readiness'>): Router {
  const router = Router();
  const doc = JSON.stringify(openApiDocument());
  router.get('/healthz', (_req, res) => {
    res.setHeader('Cache-Control', 'no-store').json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    const { ready, dependencies } = await deps.readiness.check();
    res
      .status(ready ? 200 : 503)
      .setHeader('Cache-Control', 'no-store')
      .json({ status: ready ? 'ready' : 'not ready', dependencies });
  });
  router.get('/openapi.json', (_req, res) => {
    res.type('application/json').send(doc);
  });
  return router;
}
