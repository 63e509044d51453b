/**
 * Contract 3.9: liveness, readiness and the OpenAPI document. What anyone who can reach the port
 * may learn is only whether the instance is alive and ready; the dependencies behind that answer
 * (tenants, agents, breakers) need the `ops:read` scope here, or the internal listener.
 */
import type { Router } from 'express';
import { openApiDocument } from '../contract/openapi.js';
import { mountRoutes } from '../http/mount.js';
import type { RouteDeps } from './deps.js';

export function opsRouter(deps: RouteDeps): Router {
  const doc = JSON.stringify(openApiDocument(deps.version));
  return mountRoutes(deps, {
    getHealth: (_req, res) => {
      res.setHeader('Cache-Control', 'no-store').json({ status: 'ok' });
    },
    getReadiness: async (_req, res) => {
      const { ready } = await deps.readiness.check();
      res
        .status(ready ? 200 : 503)
        .setHeader('Cache-Control', 'no-store')
        .json({ status: ready ? 'ready' : 'not ready' });
    },
    getReadinessDetails: async (_req, res) => {
      const { ready, status, dependencies } = await deps.readiness.details();
      res
        .status(ready ? 200 : 503)
        .setHeader('Cache-Control', 'no-store')
        .json({ status, dependencies });
    },
    getOpenApi: (_req, res) => {
      res.type('application/json').send(doc);
    },
  });
}
