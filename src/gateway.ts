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
import { createCcfsClient, type CcfsTenant } from './upstream/ccfs.js';
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
  const transports = createTransports();
  const ccfsTenants = new Map<string, CcfsTenant>(config.tenants.map((t) => [t.id, {
    ak: t.ccfs.ak,
    sk: t.ccfs.sk,
    endpoint: transports.endpoint('ccfs', ccfsUpstreamOf(config, t), t.upstreams?.ccfs ? `tenant:${t.id}` : 'default'),
  }]));
  const tenants = new Map<string, TenantPolicy>(config.tenants.map((t) => [t.id, compileTenantPolicy(t)]));
  const ccfs: CcfsClient = createCcfsClient({ tenants: ccfsTenants, now, logger: opts.logger });
  const ccfsNative = createCcfsNative({ tenants: ccfsTenants, now, logger: opts.logger });
  const agentTenants = new Map<string, AgentTenant>(config.tenants.flatMap((t) => {
    if (!t.ccgateway) return [];
    const cfg = ccgatewayUpstreamOf(config, t);
    const endpoint = transports.endpoint('ccgateway', cfg, t.upstreams?.ccgateway ? `tenant:${t.id}` : 'default');
    return [[t.id, { agents: t.ccgateway.agents, calls: createCcgwCalls(endpoint, cfg), pollIntervalMs: cfg.pollIntervalMs, signInRetryAfterMs: cfg.signInRetryAfterMs }]];
  }));
  const agentRecordings = createAgentRecordings(agentTenants, { logger: opts.logger, now });
  const authenticator: Authenticator = createAuthenticator(config.auth, new Set(tenants.keys()));
  let draining = false;
  const baseReadiness = createReadinessProbe(() => transports.all(), [
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
    logger: opts.logger,
    trustProxy: config.server.trustProxy,
    authenticator,
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
  }, app);

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
    async listen(port = config.server.port, host = config.server.host) {
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
    },
  };
}
