/**
 * The internal listener (`metrics.port`, loopback by default): metrics and readiness details for
 * the scraper and the operator, without a token. Reaching this port is the credential, so it
 * belongs on an address only the platform can reach.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { Metrics } from './metrics.js';
import { metricsHandler } from './metrics-handler.js';
import type { Readiness } from './readiness.js';

export function internalHandler(deps: { metrics: Metrics; readiness: Readiness }): RequestListener {
  const metrics = metricsHandler(deps.metrics);
  const json = (res: ServerResponse, status: number, body: unknown) =>
    res
      .writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' })
      .end(JSON.stringify(body));
  return (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'GET') return json(res, 405, { status: 'method not allowed' });
    if (path === '/metrics') return metrics(req, res);
    if (path === '/healthz') return json(res, 200, { status: 'ok' });
    if (path === '/readyz') {
      deps.readiness.details().then(
        ({ ready, status, dependencies }) => json(res, ready ? 200 : 503, { status, dependencies }),
        () => json(res, 500, { status: 'error' }),
      );
      return;
    }
    json(res, 404, { status: 'not found' });
  };
}
