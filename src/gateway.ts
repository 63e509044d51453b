/**
 * Builds every long-lived dependency from a validated config and wires them into createApp.
 * main.ts, demo.ts, the tests and the benchmark all start the gateway through here.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import type { Logger } from 'pino';
import { ccgatewayDefaults, type CcgatewayConfig, type GatewayConfig, type TenantConfig, type UpstreamConfig } from './config/schema.js';
import { compileTenantPolicy, type TenantPolicy } from './domain/tenant-policy.js';
import { derivePlaybackKey } from './domain/playback-id.js';
import { createAuthenticator, type Authenticator } from './edge/authenticate.js';
import { createApp, type AppDeps } from './app.js';
import { createTransports } from './upstream/transport.js';
import { createCcfsClient, type CcfsTenant, type Guarded } from './upstream/ccfs.js';
import { createGuard, isCredentialFailure, type Guard } from './upstream/guard.js';
import { createMetrics } from './ops/metrics.js';
import { createAudit } from './ops/audit.js';
import { createTenantLimits } from './edge/limits.js';
import { metricsHandler } from './routes/ops.js';
import { createCcfsNative } from './upstream/ccfs-native.js';
import { createCcgwCalls } from './upstream/ccgateway.js';
import { createAgentRecordings, type AgentTenant } from './upstream/agent-recordings.js';
import { createReadinessProbe } from './upstream/health.js';
import type { CcfsClient, ReadinessProbe } from './upstream/ports.js';

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

export function mergeUpstream<C extends UpstreamConfig>(base: C, override: Partial<UpstreamConfig> | undefined): C {
  return { ...base, ...Object.fromEntries(Object.entries(override ?? {}).filter(([, v]) => v !== undefined)) };
}

function ccfsUpstreamOf(config: GatewayConfig, t: TenantConfig): UpstreamConfig {
  return mergeUpstream(config.upstreams.ccfs, t.upstreams?.ccfs);
}

function ccgatewayUpstreamOf(config: GatewayConfig, t: TenantConfig): CcgatewayConfig {
  const override = t.upstreams?.ccgateway;
  return mergeUpstream(config.upstreams.ccgateway ?? ccgatewayDefaults(override!.baseUrl!), override);
}

export function createGateway(config: GatewayConfig, opts: GatewayOptions): Gateway {
  const now = opts.now ?? Date.now;
  const { logger } = opts;
  const metrics = createMetrics();
  const transports = createTransports({ logger, metrics });
  const credentialGuards: Guard[] = [];
  const ccfsTenants = new Map<string, CcfsTenant>(config.tenants.map((t) => {
    const cfg = ccfsUpstreamOf(config, t);
    const endpoint = transports.endpoint('ccfs', cfg, t.upstreams?.ccfs ? `tenant:${t.id}` : 'default');
    // A refused signature is the tenant's credentials failing, not the vendor: its own breaker.
    const credentials = createGuard({ name: `ccfs-credentials:${t.id}`, service: 'ccfs', config: cfg, counts: isCredentialFailure, logger, metrics, countCalls: false });
    credentialGuards.push(credentials);
    const guarded: Guarded = (operation, attempt, o) => credentials.run(operation, () => endpoint.guard.run(operation, attempt, o), o?.signal ? { signal: o.signal } : {});
    return [t.id, { ak: t.ccfs.ak, sk: t.ccfs.sk, endpoint, guarded }];
  }));
  const tenants = new Map<string, TenantPolicy>(config.tenants.map((t) => [t.id, compileTenantPolicy(t)]));
  const ccfs: CcfsClient = createCcfsClient({ tenants: ccfsTenants, now, logger });
  const ccfsNative = createCcfsNative({ tenants: ccfsTenants, now, logger });
  const agentTenants = new Map<string, AgentTenant>(config.tenants.flatMap((t) => {
    if (!t.ccgateway) return [];
    const cfg = ccgatewayUpstreamOf(config, t);
    const endpoint = transports.endpoint('ccgateway', cfg, t.upstreams?.ccgateway ? `tenant:${t.id}` : 'default');
    return [[t.id, { agents: t.ccgateway.agents, calls: createCcgwCalls(endpoint, cfg), guard: endpoint.guard, pollIntervalMs: cfg.pollIntervalMs, signInRetryAfterMs: cfg.signInRetryAfterMs }]];
  }));
  const agentRecordings = createAgentRecordings(agentTenants, { logger, now, onSignIn: (tenant) => metrics.agentSignIns.inc({ tenant }) });
  const authenticator: Authenticator = createAuthenticator(config.auth, new Set(tenants.keys()));
  const breakers = () => [
    ...transports.all().map((ep) => ({ name: ep.guard.name, state: ep.guard.state(), critical: true })),
    ...credentialGuards.map((g) => ({ name: g.name, state: g.state(), critical: false })),
  ];
  metrics.observe({ agentStates: () => agentRecordings.status(), breakers });
  let draining = false;
  const baseReadiness = createReadinessProbe(() => transports.all(), [
    () => breakers().map((b) => ({ name: `breaker:${b.name}`, ok: b.state !== 'open', critical: b.critical, detail: b.state })),
    // Cached keys keep working while a JWKS endpoint is down: reported, not fatal.
    () => authenticator.jwksStatus().map((j) => ({
      name: `jwks:${j.issuer}`, ok: j.reachable !== false, critical: false,
      detail: j.reachable === undefined ? 'not fetched yet' : j.reachable ? 'reachable' : 'last fetch failed; cached keys still used',
    })),
    () => agentRecordings.status().map((a) => ({
      name: `agent:${a.tenant}/${a.agentId}`,
      ok: a.state !== 'refused',
      critical: false,
      detail: a.lastCode ? `${a.state} (last code ${a.lastCode})` : a.state,
    })),
  ]);
  const readiness: ReadinessProbe = {
    async check() {
      const list = await baseReadiness.check();
      return draining ? [...list, { name: 'shutdown', ok: false, detail: 'draining' }] : list;
    },
  };

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
    tenants,
    ccfs,
    ccfsNative,
    agentRecordings,
    readiness,
    playbackKey: derivePlaybackKey(config.server.playbackSecret),
    now,
    jsonBodyMaxBytes: config.server.jsonBodyMaxBytes,
    spoolDir: config.server.spoolDir ?? tmpdir(),
  };
  const app = createApp(deps);
  const server = createServer({
    maxHeaderSize: config.server.maxHeaderBytes,
    headersTimeout: config.server.headersTimeoutMs,
    requestTimeout: config.server.requestTimeoutMs,
    keepAliveTimeout: config.server.keepAliveTimeoutMs,
    // Node checks the two timeouts above only this often (30 s by default): a slowloris would outlive them.
    connectionsCheckingInterval: Math.min(1000, Math.ceil(config.server.headersTimeoutMs / 2)),
  }, app);
  const metricsServer = config.metrics.enabled && config.metrics.port !== undefined ? createServer(metricsHandler(metrics)) : undefined;

  // An upload answers `100 Continue` only after its headers passed the checks (contract 3.6:
  // refused before a byte is read); every other request gets it at once, as Node would.
  server.on('checkContinue', (req, res) => {
    if (!(req.method === 'POST' && (req.url ?? '').split('?')[0] === '/v1/ivr-files')) res.writeContinue();
    server.emit('request', req, res);
  });

  let inFlight = 0;
  let drained: (() => void) | undefined;
  server.on('request', (_req, res) => {
    inFlight += 1;
    res.once('close', () => {
      inFlight -= 1;
      if (inFlight === 0) drained?.();
    });
  });

  return {
    deps,
    server,
    metricsServer,
    async listen(port = config.server.port, host = config.server.host) {
      if (metricsServer) await new Promise<void>((resolve) => metricsServer.listen(config.metrics.port, config.metrics.host, resolve));
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => {
          server.off('error', reject);
          resolve();
        });
      });
      const a = server.address() as AddressInfo;
      return `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`;
    },
    async close(graceMs = config.server.shutdownGraceMs) {
      draining = true;
      if (config.server.drainDelayMs > 0 && server.listening) await new Promise((resolve) => setTimeout(resolve, config.server.drainDelayMs));
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      if (inFlight > 0) {
        await Promise.race([
          new Promise<void>((resolve) => { drained = resolve; }),
          new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref()),
        ]);
      }
      server.closeAllConnections();
      await closed;
      ccfsNative.close();
      await agentRecordings.close();
      await transports.close();
      for (const g of credentialGuards) g.shutdown();
      await deps.audit.close();
      if (metricsServer?.listening) await new Promise<void>((resolve) => metricsServer.close(() => resolve()));
    },
  };
}
