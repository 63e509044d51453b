/**
 * Everything behind the upstream ports, built from the resolved config: one endpoint (pool,
 * breaker) per distinct vendor endpoint, a credentials breaker per tenant chained in front of
 * its CC-FS endpoint's, the CC-FS client and pass-through, and the agent sessions.
 */
import type { Logger } from 'pino';
import type { GatewayConfig } from '../config/schema.js';
import type { Metrics } from '../ops/metrics.js';
import type { Probe } from '../ops/readiness.js';
import type { Store } from '../store/port.js';
import { type AgentTenant, createAgentRecordings } from './agent-recordings.js';
import { type CcfsTenant, createCcfsClient, type Guarded } from './ccfs.js';
import { createCcfsNative } from './ccfs-native.js';
import { createCcgwCalls } from './ccgateway.js';
import { type BreakerState, createGuard, type Guard, isTenantFailure } from './guard.js';
import { createEndpointProbe } from './health.js';
import type { AgentRecordings, BillFiles, CcfsClient, CcfsNative } from './ports.js';
import { createTransports } from './transport.js';

export interface Upstreams {
  ccfs: CcfsClient & BillFiles;
  ccfsNative: CcfsNative;
  agentRecordings: AgentRecordings;
  /** Every breaker: each endpoint's, and each tenant's credentials breaker. */
  breakers(): Array<{ name: string; state: BreakerState }>;
  /** A TCP connect to each vendor endpoint, cached briefly. */
  probeEndpoints(): Promise<Probe[]>;
  /** Signs the agents out (or hands their sessions over), then closes the pools and breakers. */
  close(opts?: { handOver: boolean }): Promise<void>;
}

export function createUpstreams(
  config: GatewayConfig,
  deps: { logger: Logger; metrics: Metrics; now: () => number; store: Store },
): Upstreams {
  const { logger, metrics, now } = deps;
  const transports = createTransports({ logger, metrics });
  const credentialGuards: Guard[] = [];
  const ccfsTenants = new Map<string, CcfsTenant>(
    config.tenants.map((t) => {
      const cfg = t.upstreams.ccfs;
      const endpoint = transports.endpoint('ccfs', cfg, t.id);
      // A refused signature is the tenant's credentials failing, not the vendor, and an unreadable
      // answer may be what it asked for: its own breaker (still named for the credentials it began with).
      const credentials = createGuard({
        name: `ccfs-credentials:${t.id}`,
        service: 'ccfs',
        config: cfg,
        counts: isTenantFailure,
        logger,
        metrics,
        countCalls: false,
      });
      credentialGuards.push(credentials);
      const guarded: Guarded = (operation, attempt, o) =>
        credentials.run(
          operation,
          () => endpoint.guard.run(operation, attempt, o),
          o?.signal ? { signal: o.signal } : {},
        );
      return [t.id, { id: t.id, ak: t.ccfs.ak, sk: t.ccfs.sk, endpoint, guarded }];
    }),
  );
  const agentTenants = new Map<string, AgentTenant>(
    config.tenants.flatMap((t) => {
      const cfg = t.upstreams.ccgateway;
      if (!t.ccgateway || !cfg) return [];
      const endpoint = transports.endpoint('ccgateway', cfg, t.id);
      return [
        [
          t.id,
          {
            agents: t.ccgateway.agents,
            calls: createCcgwCalls(endpoint, t.id, cfg, now),
            guard: endpoint.guard,
            pollIntervalMs: cfg.pollIntervalMs,
            signInRetryAfterMs: cfg.signInRetryAfterMs,
            signInTimeoutMs: cfg.signInTimeoutMs,
          },
        ],
      ];
    }),
  );
  warnOversubscribed(config, logger);
  const agentRecordings = createAgentRecordings(agentTenants, {
    logger,
    now,
    onSignIn: (tenant) => metrics.agentSignIns.inc({ tenant }),
    onRenewal: (tenant, agentId) => metrics.agentRenewals.inc({ tenant, agent: String(agentId) }),
    onLeaseChange: (tenant, agentId, change) =>
      metrics.agentLeaseChanges.inc({ tenant, agent: String(agentId), change }),
    store: deps.store,
    leaseTtlMs: config.store.leaseTtlMs,
  });
  return {
    ccfs: createCcfsClient({ tenants: ccfsTenants, now, logger }),
    ccfsNative: createCcfsNative({ tenants: ccfsTenants, now, logger }),
    agentRecordings,
    breakers: () => [
      ...transports.all().map((ep) => ({ name: ep.guard.name, state: ep.guard.state() })),
      ...credentialGuards.map((g) => ({ name: g.name, state: g.state() })),
    ],
    probeEndpoints: createEndpointProbe(() => transports.all(), { now }),
    async close(o) {
      await agentRecordings.close(o);
      await transports.close();
      for (const g of credentialGuards) g.shutdown();
    },
  };
}

/**
 * Start-up check that tenant stream caps and pool shares agree: a tenant allowed more concurrent
 * streams than its share of its CC-FS pool sees the excess wait, then 503; the operator is told.
 */
function warnOversubscribed(config: GatewayConfig, logger: Logger): void {
  const demand = new Map<string, { connections: number; streams: number; tenants: string[] }>();
  for (const t of config.tenants) {
    const cfg = t.upstreams.ccfs;
    const share = Math.max(1, Math.ceil(cfg.connections * cfg.maxTenantShare));
    if (t.limits.concurrentStreams > share) {
      logger.warn(
        {
          tenant: t.id,
          concurrentStreams: t.limits.concurrentStreams,
          poolShare: share,
          endpoint: `ccfs:${cfg.label}`,
        },
        'tenant stream cap exceeds its share of the CC-FS pool: the excess waits up to queueTimeoutMs, then gets 503',
      );
    }
    const d = demand.get(cfg.label) ?? { connections: cfg.connections, streams: 0, tenants: [] };
    d.streams += Math.min(t.limits.concurrentStreams, share);
    d.tenants.push(t.id);
    demand.set(cfg.label, d);
  }
  for (const [label, d] of demand) {
    if (d.streams > d.connections) {
      logger.info(
        { endpoint: `ccfs:${label}`, connections: d.connections, streamCaps: d.streams, tenants: d.tenants },
        'the tenants of this CC-FS pool may ask for more streams than it has connections: the fair share and queueTimeoutMs decide',
      );
    }
  }
}
