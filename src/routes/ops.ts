/**
 * Contract 3.9: liveness, readiness and the OpenAPI document. What anyone who can reach the port
 * may learn is only whether the instance is alive and ready; the dependencies behind that answer
 * (tenants, agents, breakers) need the `ops:read` scope here, or the internal listener.
 */
import { Router } from 'express';
import { SCOPES } from '../domain/principal.js';
import { requireAuth } from '../http/authenticate.js';
import { openApiDocument } from './openapi.js';
import { expressPath, ROUTES } from './contract.js';
import type { RouteDeps } from './deps.js';

export function opsRouter(deps: RouteDeps): Router {
  // The contract's paths are lower case: /V1/RECORDINGS is not a route (and cannot dodge log masking).
  const router = Router({ caseSensitive: true });
  const doc = JSON.stringify(openApiDocument(deps.version));
  router.get(expressPath(ROUTES.getHealth), (_req, res) => {
    res.setHeader('Cache-Control', 'no-store').json({ status: 'ok' });
  });
  router.get(expressPath(ROUTES.getReadiness), async (_req, res) => {
    const { ready } = await deps.readiness.check();
    res
      .status(ready ? 200 : 503)
      .setHeader('Cache-Control', 'no-store')
      .json({ status: ready ? 'ready' : 'not ready' });
  });
  router.get(expressPath(ROUTES.getReadinessDetails), requireAuth(deps, SCOPES.opsRead), async (_req, res) => {
    const { ready, dependencies } = await deps.readiness.check();
    res
      .status(ready ? 200 : 503)
      .setHeader('Cache-Control', 'no-store')
      .json({ status: ready ? 'ready' : 'not ready', dependencies });
  });
  router.get(expressPath(ROUTES.getOpenApi), (_req, res) => {
    res.type('application/json').send(doc);
  });
  return router;
}
