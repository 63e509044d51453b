/**
 * Routes mounted from their contract entries (contract/routes.ts): the entry's method and path,
 * authentication with the entry's scope when it has one, and 405 with `Allow` for any other method
 * on the path. A handler names its entry and nothing else, so the scope is declared once.
 */
import { type RequestHandler, Router } from 'express';
import { expressPath, ROUTES, type RouteContract } from '../contract/routes.js';
import { type AuthDeps, requireAuth } from './authenticate.js';
import { methodNotAllowed } from './method-not-allowed.js';

export type RouteName = keyof typeof ROUTES;
export type RouteHandlers = Partial<Record<RouteName, RequestHandler>>;

const CONTRACT: Readonly<Record<string, RouteContract>> = ROUTES;

/** A router serving `handlers`; every route of a path it serves must be among them (405 is answered here). */
export function mountRoutes(deps: AuthDeps, handlers: RouteHandlers): Router {
  // The contract's paths are lower case: /V1/RECORDINGS is not a route (and cannot dodge log masking).
  const router = Router({ caseSensitive: true });
  const paths = new Map<string, Array<[RouteContract, RequestHandler]>>();
  for (const [name, handler] of Object.entries(handlers) as Array<[RouteName, RequestHandler]>) {
    const entry = CONTRACT[name]!;
    paths.set(entry.path, [...(paths.get(entry.path) ?? []), [entry, handler]]);
  }
  for (const [path, served] of paths) {
    const missing = Object.entries(CONTRACT).filter(([, e]) => e.path === path && !served.some(([s]) => s === e));
    if (missing.length > 0)
      throw new Error(`${path}: mount ${missing.map(([n]) => n).join(', ')} with the other routes of the path`);
    const route = router.route(expressPath({ path }));
    for (const [entry, handler] of served) {
      if (entry.scope) route[entry.method](requireAuth(deps, entry.scope), handler);
      else route[entry.method](handler);
    }
    // Express answers HEAD with the GET handler: Allow says so.
    const methods = served.flatMap(([e]) => (e.method === 'get' ? ['GET', 'HEAD'] : [e.method.toUpperCase()]));
    route.all(methodNotAllowed(methods.join(', ')));
  }
  return router;
}
