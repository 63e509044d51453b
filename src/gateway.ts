/**
 * The composition root: builds every long-lived dependency from a validated config and wires them
 * into createApp and the server. No request-time logic lives here. main.ts, the demo, the tests
 * and the benchmark all start the gateway through here.
 */
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { type AppDeps, createApp } from './app.js';
import { createAuthenticator } from './auth/authenticator.js';
import { createFailedAuthBudget } from './auth/failed-auth-budget.js';
import type { GatewayConfig } from './config/schema.js';
import { createPostgresIndexDb, createSqliteIndexDb } from './db/engines.js';
import type { IndexDb } from './db/port.js';
import { derivePlaybackKey } from './domain/playback-id.js';
import { deriveKey } from './domain/seal.js';
import { compileTenantPolicy, type TenantPolicy } from './domain/tenant-policy.js';
import { createSpool } from './http/spool.js';
import { createCallIndex } from './index/call-index.js';
import { type IngestThread, ingestThread } from './index/ingest-thread.js';
import { createIngestion, type IndexTenant, type Ingestion } from './index/ingestion.js';
import type { CallIndex } from './index/port.js';
import type { IngestDatabase } from './ingest-worker.js';
import { createTenantLimits } from './limits/tenant-limits.js';
import { createAudit } from './ops/audit.js';
import { createGcPacer } from './ops/gc-pacer.js';
import { internalHandler } from './ops/internal-listener.js';
import { createMetrics } from './ops/metrics.js';
import { createReadiness } from './ops/readiness.js';
import { createGatewayServer } from './server.js';
import { createMemoryStore } from './store/memory-store.js';
import { createRedisStore } from './store/redis-store.js';
import { createUpstreams } from './upstream/upstreams.js';
import { VERSION } from './version.js';

export interface GatewayOptions {
  logger: Logger;
  now?: () => number;
  /** False in a cluster worker: the primary serves `metrics.port`. */
  metricsListener?: boolean;
  /** A young-generation collection, run every few MiB streamed (see ops/gc-pacer.ts). */
  collectYoung?: () => void;
  /** `manual`: the index's scheduler is not started; whoever built the gateway calls `ingestion.tick()`. */
  ingestion?: 'scheduled' | 'manual';
}

export interface Gateway {
  deps: AppDeps;
  server: Server;
  /** The metrics listener when `metrics.port` is set. */
  metricsServer: Server | undefined;
  /** The vendor callback's listener when `index.callbackPort` is set. */
  callbackServer: Server | undefined;
  /** The index's ingestion, when the index is configured. */
  ingestion: Ingestion | undefined;
  listen(port?: number, host?: string): Promise<string>;
  /** Stops accepting, lets in-flight requests finish within `graceMs`, then closes everything. */
  close(graceMs?: number): Promise<void>;
}

export function createGateway(config: GatewayConfig, opts: GatewayOptions): Gateway {
  const now = opts.now ?? Date.now;
  const { logger } = opts;
  const metrics = createMetrics({ version: VERSION });
  // The one place that knows which store it is: nothing else imports the Redis store.
  const store =
    config.store.type === 'redis' ? createRedisStore(config.store, { logger, now }) : createMemoryStore(now);
  // Alone on the memory store, an instance has no store to report on.
  const storeStatus = store.shared ? () => store.status() : undefined;
  const upstreams = createUpstreams(config, { logger, metrics, now, store });
  const spool = createSpool(config.server.spoolDir ?? tmpdir(), now);
  const tenants = new Map<string, TenantPolicy>(config.tenants.map((t) => [t.id, compileTenantPolicy(t)]));
  const authenticator = createAuthenticator(config.auth, new Set(tenants.keys()), { now, logger, metrics });
  metrics.observe({
    agentStates: () => upstreams.agentRecordings.status(),
    breakers: upstreams.breakers,
    ...(storeStatus ? { store: storeStatus } : {}),
  });

  const built = config.index ? buildIndex(config, { logger, metrics, now, upstreams, tenants }) : undefined;

  const readiness = createReadiness({
    endpoints: upstreams.probeEndpoints,
    breakers: upstreams.breakers,
    jwks: () => authenticator.jwksStatus(),
    agents: () => upstreams.agentRecordings.status(),
    draining: () => api.draining,
    spoolProblem: () => spool.problem(),
    ...(built ? { indexDb: async () => ({ up: await built.db.ping(), engine: built.db.engine }) } : {}),
    ...(storeStatus ? { store: storeStatus } : {}),
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
    limits: createTenantLimits(tenants, { store, metrics }),
    failedAuth: createFailedAuthBudget(config.auth.failedAuthLimit, now, store, metrics),
    tenants,
    ccfs: upstreams.ccfs,
    ccfsNative: upstreams.ccfsNative,
    agentRecordings: upstreams.agentRecordings,
    readiness,
    resume: config.downloads.resume,
    readerIdleMs: config.downloads.readerIdleTimeoutMs,
    logIgnorePaths: config.logging.ignorePaths,
    playbackKey: derivePlaybackKey(config.server.playbackSecret),
    now,
    jsonBodyMaxBytes: config.server.jsonBodyMaxBytes,
    spool,
    version: VERSION,
    ...(built ? { index: built.index } : {}),
    callbackElsewhere: config.index?.callbackPort !== undefined,
    ...(opts.collectYoung ? { pace: createGcPacer(opts.collectYoung) } : {}),
  };
  const api = createGatewayServer(createApp(deps), config.server);
  const callbackServer =
    built && config.index?.callbackPort !== undefined ? createServer(createApp(deps, 'callbacks')) : undefined;
  const metricsServer =
    config.metrics.enabled && config.metrics.port !== undefined && opts.metricsListener !== false
      ? createServer(internalHandler({ metrics, readiness }))
      : undefined;

  return {
    deps,
    server: api.server,
    metricsServer,
    callbackServer,
    ingestion: built?.ingestion,
    async listen(port = config.server.port, host = config.server.host) {
      // Unreachable Redis does not stop the start: the instance serves on its fallbacks and catches up.
      await store.start();
      const swept = await spool.sweep();
      if (swept > 0) logger.info({ swept }, 'removed upload spool files a stopped process left behind');
      if (metricsServer)
        await new Promise<void>((resolve) => metricsServer.listen(config.metrics.port, config.metrics.host, resolve));
      if (built) {
        // A database that is away does not stop the start: searches answer 503 and ingestion waits for it.
        await built.db
          .migrate()
          .catch((err: Error) =>
            logger.error({ err: err.message, engine: built.db.engine }, 'the index database cannot be migrated yet'),
          );
        if (opts.ingestion !== 'manual') {
          built.ingestion.start();
          // Up before the first file, so that reading one costs only its own rows (docs/operations.md).
          built.thread
            .start()
            .catch((err: Error) => logger.error({ err: err.message }, 'the ingestion thread did not start'));
        }
      }
      if (callbackServer && config.index?.callbackPort !== undefined)
        await new Promise<void>((resolve) =>
          callbackServer.listen(config.index!.callbackPort, config.index!.callbackHost, resolve),
        );
      return api.listen(port, host);
    },
    async close(graceMs = config.server.shutdownGraceMs) {
      if (callbackServer?.listening) await new Promise<void>((resolve) => callbackServer.close(() => resolve()));
      await api.close(graceMs, config.server.drainDelayMs);
      if (built) {
        await built.ingestion.close();
        await built.thread.close();
        await built.db.close();
      }
      // Uploads still unfinished after the grace period leave their files: they go with the process.
      await spool.clear();
      // On the shared store only the last instance signs the agents out; the others hand them over.
      // Redis away: nobody can tell who is last, so nothing is signed out (the vendor drops unpolled sessions).
      const remaining = await store.leave();
      await upstreams.close({ handOver: remaining !== 0 });
      await store.close();
      await authenticator.close?.();
      await deps.audit.close();
      if (metricsServer?.listening) await new Promise<void>((resolve) => metricsServer.close(() => resolve()));
    },
  };
}

/** The index (contract 6): its database, picked here and nowhere else, its ingestion and the routes' port. */
function buildIndex(
  config: GatewayConfig,
  deps: {
    logger: Logger;
    metrics: ReturnType<typeof createMetrics>;
    now: () => number;
    upstreams: ReturnType<typeof createUpstreams>;
    tenants: ReadonlyMap<string, TenantPolicy>;
  },
): { db: IndexDb; ingestion: Ingestion; index: CallIndex; thread: IngestThread } {
  const settings = config.index!;
  const { url, statementTimeoutMs } = settings.database;
  const db = url
    ? createPostgresIndexDb({ url, poolSize: settings.database.poolSize, statementTimeoutMs })
    : createSqliteIndexDb(settings.dataDir);
  // Files are read in a thread with a connection of its own to the same database.
  const database: IngestDatabase = url ? { url, statementTimeoutMs } : { dataDir: settings.dataDir };
  const thread = ingestThread(new URL('./ingest-worker.js', import.meta.url), database);
  const tenants = new Map<string, IndexTenant>(
    config.tenants
      .filter((t) => t.index.enabled)
      .map((t) => [
        t.id,
        {
          policy: deps.tenants.get(t.id)!,
          timeZone: t.timeZone!,
          accountId: t.index.accountId,
          maskNumbers: t.index.maskNumbers,
          sendDataType: t.index.sendDataType,
        },
      ]),
  );
  const ingestion = createIngestion({
    db,
    bills: deps.upstreams.ccfs,
    tenants,
    settings,
    logger: deps.logger,
    metrics: deps.metrics,
    now: deps.now,
    workDir: join(config.server.spoolDir ?? tmpdir(), 'index-work'),
    ingestFile: thread.ingest,
  });
  const index = createCallIndex({
    db,
    ingestion,
    tenants,
    maxSearchDays: settings.maxSearchDays,
    maxBackfillDays: settings.maxBackfillDays,
    cursorKey: deriveKey('index-cursor', config.server.playbackSecret),
  });
  return { db, ingestion, index, thread };
}
