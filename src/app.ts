/**
 * createApp(deps): the HTTP application, never listening. The outer ring first (request scope,
 * logging, metrics and audit, URL length, CORS, security headers), then the routers, not-found,
 * and the one error handler.
 */
import express, { type Express } from 'express';
import type { Logger } from 'pino';
import { corsPolicy } from './edge/cors.js';
import { errorHandler, notFound } from './edge/errors.js';
import { observe } from './edge/observe.js';
import { requestScope } from './edge/request-scope.js';
import { securityHeaders } from './edge/security-headers.js';
import { invalidRequest } from './errors/catalogue.js';
import { mountRoutes } from './http/mount.js';
import type { Audit } from './ops/audit.js';
import type { Metrics } from './ops/metrics.js';
import { metricsHandler } from './ops/metrics-handler.js';
import { agentRecordingsRouter } from './routes/agent-recordings.js';
import { callbackRouter, callsRouter } from './routes/calls.js';
import { ccfsNativeRouter } from './routes/ccfs-native.js';
import type { RouteDeps } from './routes/deps.js';
import { ivrFilesRouter } from './routes/ivr-files.js';
import { opsRouter } from './routes/ops.js';
import { recordingsRouter } from './routes/recordings.js';

export interface AppDeps extends RouteDeps {
  logger: Logger;
  /** Express "trust proxy": false means the socket address is the client. */
  trustProxy: boolean | number | string;
  corsOrigins: readonly string[];
  maxUrlBytes: number;
  metrics: Metrics;
  /** Serve GET /metrics on this app (false when it has a listener of its own, or is off). */
  metricsRoute: boolean;
  audit: Audit;
  /** Told of the bytes every stream moves: the garbage collector's pacer. */
  pace?: (bytes: number) => void;
  /** A streamed answer whose client takes no bytes for this long is ended (0: never). */
  readerIdleMs: number;
  /** Paths whose requests are not logged (`logging.ignorePaths`). */
  logIgnorePaths?: readonly string[];
  /** The vendor's callback is served on a listener of its own (`index.callbackPort`), not here. */
  callbackElsewhere?: boolean;
}

/** `callbacks`: the app of the callback listener, which serves the vendor's callback and nothing else. */
export function createApp(deps: AppDeps, serves: 'api' | 'callbacks' = 'api'): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('trust proxy', deps.trustProxy);
  app.set('case sensitive routing', true);
  app.use(requestScope({ readerIdleMs: deps.readerIdleMs, ...(deps.pace ? { pace: deps.pace } : {}) }));
  app.use(observe({ ...deps, ignorePaths: new Set(deps.logIgnorePaths ?? []) }));
  app.use((req, _res, next) =>
    next(
      req.originalUrl.length > deps.maxUrlBytes
        ? invalidRequest(`the URL is longer than ${deps.maxUrlBytes} bytes`)
        : undefined,
    ),
  );
  app.use(securityHeaders());
  // Mounted with no origin allowed too: a refused preflight is then told why.
  app.use(corsPolicy(deps.corsOrigins));
  if (serves === 'callbacks') {
    app.use(callbackRouter(deps));
    app.use(notFound);
    app.use(errorHandler);
    return app;
  }
  app.use(opsRouter(deps));
  if (deps.metricsRoute) app.use(mountRoutes(deps, { getMetrics: metricsHandler(deps.metrics) }));
  app.use(recordingsRouter(deps));
  app.use(ivrFilesRouter(deps));
  app.use(ccfsNativeRouter(deps));
  app.use(agentRecordingsRouter(deps));
  app.use(callsRouter(deps));
  if (!deps.callbackElsewhere) app.use(callbackRouter(deps));
  app.use(notFound);
  app.use(errorHandler);
  return app;
}
