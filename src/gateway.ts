/**
 * The composition root: builds every long-lived dependency from a validated config and wires them
 * into createApp and the server. No request-time logic lives here. main.ts, the demo, the tests
 * and the benchmark all start the gateway through here.
 */
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import type { Logger } from 'pino';
import type { GatewayConfig } from './config/schema.js';
import { compileTenantPolicy, type TenantPolicy } from './domain/tenant-policy.js';
import { derivePlaybackKey } from './domain/playback-id.js';
import { createAuthenticator } from './http/authenticate.js';
import { createTenantLimits } from './http/limits.js';
import { createFailedAuthBudget } from './http/failed-auth-budget.js';
import { createApp, type AppDeps } from './app.js';
import { createAudit } from './ops/audit.js';
import { createMetrics } from './ops/metrics.js';
import { internalHandler } from './ops/internal-listener.js';
import { createReadiness } from './ops/readiness.js';
import { createGatewayServer } from './server.js';
import { createUpstreams } from './upstream/upstreams.js';
import { VERSION } from './version.js';

export interface GatewayOptions {
  logger: Logger;
  now?: () => number;
}

export interface Gateway {
  deps: AppDeps;
  server: Server;
  /** The metrics listener when `metrics.port` is set. */
  metricsServer: Server | undefined;
  listen(port?: number, host?: string): Promise<string>;
  /** Stops accepting, lets in-flight requests finish within `graceMs`, then closes everything. */
  close(graceMs?: number): Promise<void>;
}

export function createGateway(config: GatewayConfig, opts: GatewayOptions): Gateway {
  const now = opts.now ?? Date.now;
  const { logger } = opts;
  const metrics = createMetrics();
  const upstreams = createUpstreams(config, { logger, metrics, now });
  const tenants = new Map<string, TenantPolicy>(config.tenants.map((t) => [t.id, compileTenantPolicy(t)]));
  const authenticator = createAuthenticator(config.auth, new Set(tenants.keys()), { now, logger, metrics });
  metrics.observe({ agentStates: () => upstreams.agentRecordings.status(), breakers: upstreams.breakers });

  const readiness = createReadiness({
    endpoints: upstreams.probeEndpoints,
    breakers: upstreams.breakers,
    jwks: () => authenticator.jwksStatus(),
    agents: () => upstreams.agentRecordings.status(),
    draining: () => api.draining,
  });
  const deps: AppDeps = {
    logger,
    trustProxy: config.server.trustProxy,
    corsOrigins: config.server.cors.allowedOrigins,
    maxUrlBytes: config.server.maxUrlBytes,
    metrics,
    metricsRoute: config.metrics.enabled && config.metrics.port === undefined,
    audit: createAudit(config.audit.destination),
    authenticator,
    limits: createTenantLimits(tenants, now, metrics),
    failedAuth: createFailedAuthBudget(config.auth.failedAuthLimit, now, metrics),
    tenants,
    ccfs: upstreams.ccfs,
    ccfsNative: upstreams.ccfsNative,
    agentRecordings: upstreams.agentRecordings,
    readiness,
    playbackKey: derivePlaybackKey(config.server.playbackSecret),
    now,
    jsonBodyMaxBytes: config.server.jsonBodyMaxBytes,
    spoolDir: config.server.spoolDir ?? tmpdir(),
    version: VERSION,
  };
  const api = createGatewayServer(createApp(deps), config.server);
  const metricsServer =
    config.metrics.enabled && config.metrics.port !== undefined
      ? createServer(internalHandler({ metrics, readiness }))
      : undefined;

  return {
    deps,
    server: api.server,
    metricsServer,
    async listen(port = config.server.port, host = config.server.host) {
      if (metricsServer)
        await new Promise<void>((resolve) => metricsServer.listen(config.metrics.port, config.metrics.host, resolve));
      return api.listen(port, host);
    },
    async close(graceMs = config.server.shutdownGraceMs) {
      await api.close(graceMs, config.server.drainDelayMs);
      await upstreams.close();
      await authenticator.close?.();
      await deps.audit.close();
      if (metricsServer?.listening) await new Promise<void>((resolve) => metricsServer.close(() => resolve()));
    },
  };
}
